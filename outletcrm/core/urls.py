from django.contrib.auth import views as auth_views
from django.urls import path

from outletcrm.core import platform_views
from outletcrm.core.views import LoginView, map_base_layer

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("maps/base.geojson", map_base_layer, name="map-base"),
    path("calendar/", platform_views.calendar_page, name="calendar"),
    path("calendar/edit/", platform_views.calendar_edit, name="calendar_edit"),
    path("calendar/confirm/", platform_views.calendar_confirm, name="calendar_confirm"),
    path("jobs/", platform_views.jobs_page, name="jobs"),
    path("jobs/<slug:name>/run/", platform_views.job_run_now, name="job_run"),
]
