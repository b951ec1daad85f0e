from django.urls import path

from outletcrm.complaints import mobile_views as views

app_name = "mobile-complaints"
urlpatterns = [
    path("", views.complaints, name="list"),
    path("<id:pk>/", views.complaint, name="detail"),
]
