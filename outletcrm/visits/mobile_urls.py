"""The field app for reps' phones, mounted at /m/ (installable PWA, works offline)."""

from django.urls import path

from outletcrm.visits import mobile_views as views

app_name = "mobile"
urlpatterns = [
    path("", views.today, name="today"),
    path("visit/shell/", views.visit_shell, name="visit_shell"),
    path("visit/<uuid:client_id>/", views.visit, name="visit"),
    path("customers/", views.customers, name="customers"),
    path("tasks/", views.tasks, name="tasks"),
    path("sync/", views.sync_page, name="sync"),
    path("positions", views.positions, name="positions"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("icon-<int:size>.png", views.icon, name="icon"),
]
