"""REST API v1 routes of the notification centre (mounted under /api/v1/); each answers with
and without its trailing slash (see outletcrm.api_urls)."""

from django.urls import re_path

from outletcrm.core.params import ID_PATTERN as ID
from outletcrm.notifications import api

urlpatterns = [
    re_path(r"^notifications/?$", api.NotificationListView.as_view(), name="notifications"),
    re_path(r"^notifications/read-all/?$", api.NotificationReadAllView.as_view(),
            name="notifications-read-all"),
    re_path(r"^notifications/preferences/?$", api.PreferencesView.as_view(),
            name="notifications-preferences"),
    re_path(rf"^notifications/(?P<id>{ID})/?$", api.NotificationDetailView.as_view(),
            name="notification"),
    re_path(rf"^notifications/(?P<id>{ID})/read/?$", api.NotificationReadView.as_view(),
            name="notification-read"),
]
