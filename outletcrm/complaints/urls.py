from django.urls import path

from outletcrm.complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list_view, name="list"),
    path("new/", views.complaint_pick_customer_view, name="pick_customer"),
    path("new/<id:customer_pk>/", views.complaint_create_view, name="create"),
    path("report/", views.complaint_report_view, name="report"),
    path("photos/<uuid:client_id>.jpg", views.photo_file, name="photo"),
    path("<id:pk>/", views.complaint_detail_view, name="detail"),
    path("<id:pk>/<slug:action>/", views.complaint_action_view, name="action"),
]
