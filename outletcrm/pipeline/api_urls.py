"""REST API v1 routes of the prospect pipeline (mounted under /api/v1/)."""

from django.urls import re_path

from outletcrm.api_urls import Router
from outletcrm.pipeline import api

router = Router()
router.register("pipeline-stages", api.StageViewSet, basename="pipeline-stage")
router.register("prospects", api.ProspectViewSet, basename="prospect")

app_name = "pipeline-api"
urlpatterns = [
    re_path(r"^pipeline-funnel/?$", api.FunnelView.as_view(), name="funnel"),
    *router.urls,
]
