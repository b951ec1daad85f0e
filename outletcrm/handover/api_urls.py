"""REST API v1 routes of handovers (mounted under /api/v1/)."""

from outletcrm.api_urls import Router
from outletcrm.handover import api

router = Router()
router.register("handovers", api.HandoverViewSet, basename="handover")

app_name = "handover-api"
urlpatterns = router.urls
