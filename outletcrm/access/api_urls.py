"""REST API v1 routes of archive governance (mounted under /api/v1/)."""

from django.urls import path

from outletcrm.access import api
from outletcrm.api_urls import Router

router = Router()
router.register("borrow-requests", api.BorrowRequestViewSet, basename="borrow-request")
router.register("exports", api.ExportViewSet, basename="export")

app_name = "access-api"
urlpatterns = [
    path("borrow-candidates/", api.BorrowCandidatesView.as_view(), name="borrow-candidates"),
    path("access-report/", api.AccessReportView.as_view(), name="access-report"),
    path("access-anomalies/", api.AccessAnomaliesView.as_view(), name="access-anomalies"),
    *router.urls,
]
