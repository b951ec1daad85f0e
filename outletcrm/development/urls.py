from django.urls import path

from outletcrm.development import views

app_name = "development"
urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_edit, name="campaign-new"),
    path("campaigns/<id:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<id:pk>/edit/", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<id:pk>/export.xlsx", views.campaign_export, name="campaign-export"),
    path("outlets/<uuid:client_id>/", views.outlet_detail, name="outlet"),
    path("outlets/<uuid:client_id>/photo", views.outlet_photo, name="outlet-photo"),
    path("answers/<uuid:client_id>/photo", views.answer_photo, name="answer-photo"),
    path("forms/", views.template_list, name="templates"),
    path("forms/new/", views.template_edit, name="template-new"),
    path("forms/<id:pk>/", views.template_edit, name="template-edit"),
    path("reports/", views.report_list, name="reports"),
    path("reports/open/", views.report_open, name="report-open"),
    path("reports/<id:pk>/", views.report_detail, name="report"),
    path("reports/<id:pk>/export.xlsx", views.report_export, name="report-export"),
]
