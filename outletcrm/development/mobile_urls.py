from django.urls import path

from outletcrm.development import mobile_views

app_name = "mobile-sweeps"
urlpatterns = [
    path("", mobile_views.campaigns, name="list"),
    path("<id:pk>/", mobile_views.sweep, name="sweep"),
    path("<id:pk>/snapshot", mobile_views.snapshot, name="snapshot"),
]
