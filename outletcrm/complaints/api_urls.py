"""REST API v1 routes of complaints (mounted under /api/v1/)."""

from outletcrm.api_urls import Router
from outletcrm.complaints import api

router = Router()
router.register("complaints", api.ComplaintViewSet, basename="complaint")
router.register("service-targets", api.ServiceTargetViewSet, basename="service-target")

app_name = "complaints-api"
urlpatterns = router.urls
