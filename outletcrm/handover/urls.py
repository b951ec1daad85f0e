from django.urls import path

from outletcrm.handover import views

app_name = "handover"

urlpatterns = [
    path("", views.handover_list_view, name="list"),
    path("new/", views.handover_new_view, name="new"),
    path("<id:pk>/", views.handover_detail_view, name="detail"),
]
