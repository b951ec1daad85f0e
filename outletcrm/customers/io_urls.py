"""Import, export and audit-log pages; no app_name: customers/urls.py includes them."""

from django.urls import path

from outletcrm.customers import views_io

urlpatterns = [
    path("import/", views_io.import_view, name="import"),
    path("import/template/", views_io.import_template_view, name="import-template"),
    path("import/jobs/<id:pk>/", views_io.import_job_view, name="import-job"),
    path("import/jobs/<id:pk>/status/", views_io.import_job_status_view, name="import-job-status"),
    path("import/rejected/<str:token>/", views_io.import_rejected_view, name="import-rejected"),
    path("export/", views_io.export_view, name="export"),
    path("audit/", views_io.audit_view, name="audit"),
]
