"""REST API v1 routes of this app (mounted under /api/v1/).

Every route answers with and without its trailing slash (see outletcrm.api_urls).
"""

from django.urls import include, path, re_path

from outletcrm.core.params import ID_PATTERN as ID
from outletcrm.visits import api

VISIT = r"visits/(?P<client_id>[0-9a-fA-F-]{36})"

urlpatterns = [
    # The field app (issue 3, items 3, 4, 8, 9).
    re_path(r"^me/today/?$", api.TodayView.as_view(), name="field-today"),
    re_path(r"^me/positions/?$", api.PositionsView.as_view(), name="field-positions"),
    re_path(r"^me/plan/stops/?$", api.AddStopView.as_view(), name="field-add-stop"),
    re_path(rf"^me/plan/stops/(?P<stop_id>{ID})/drop/?$", api.DropStopView.as_view(),
            name="field-drop-stop"),
    re_path(r"^sync/?$", api.SyncView.as_view(), name="field-sync"),
    re_path(r"^visits/check-in/?$", api.CheckInView.as_view(), name="field-check-in"),
    re_path(r"^visits/?$", api.VisitListView.as_view(), name="field-visits"),
    re_path(rf"^{VISIT}/?$", api.VisitDetailView.as_view(), name="field-visit"),
    re_path(rf"^{VISIT}/record/?$", api.RecordView.as_view(), name="field-record"),
    re_path(rf"^{VISIT}/check-out/?$", api.CheckOutView.as_view(), name="field-check-out"),
    re_path(rf"^{VISIT}/stock/?$", api.StockView.as_view(), name="field-stock"),
    re_path(rf"^{VISIT}/sightings/?$", api.SightingView.as_view(), name="field-sightings"),
    re_path(rf"^{VISIT}/orders/?$", api.OrderView.as_view(), name="field-orders"),
    re_path(rf"^{VISIT}/payments/?$", api.PaymentView.as_view(), name="field-payments"),
    re_path(rf"^{VISIT}/photos/?$", api.PhotoView.as_view(), name="field-photos"),
    re_path(r"^tasks/?$", api.TaskListView.as_view(), name="field-tasks"),
    re_path(r"^tasks/(?P<client_id>[0-9a-fA-F-]{36})/done/?$", api.TaskDoneView.as_view(),
            name="field-task-done"),
    re_path(r"^tasks/(?P<client_id>[0-9a-fA-F-]{36})/postpone/?$",
            api.TaskPostponeView.as_view(), name="field-task-postpone"),
    re_path(r"^tasks/(?P<client_id>[0-9a-fA-F-]{36})/?$", api.TaskDetailView.as_view(),
            name="field-task-by-client-id"),
    re_path(r"^tasks/(?P<client_id>[0-9a-fA-F-]{36})/complete/?$", api.TaskDoneView.as_view(),
            name="field-task-complete-by-client-id"),
    # The same by the task's id (issue 9 §6: /api/v1/tasks/{id}/complete/).
    re_path(rf"^tasks/(?P<id>{ID})/?$", api.TaskByIdView.as_view(), name="field-task"),
    re_path(rf"^tasks/(?P<id>{ID})/complete/?$", api.TaskCompleteByIdView.as_view(),
            name="field-task-complete"),
    re_path(rf"^tasks/(?P<id>{ID})/postpone/?$", api.TaskPostponeByIdView.as_view(),
            name="field-task-postpone-by-id"),
    re_path(rf"^customers/(?P<pk>{ID})/capture-coordinates/?$",
            api.CaptureCoordinatesView.as_view(), name="field-capture-coordinates"),
    # Supervision: routes, plans, plan changes, rejection, the day, KPIs (visits/api_manage.py).
    path("", include("outletcrm.visits.api_manage_urls")),
]
