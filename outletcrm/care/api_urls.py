"""REST API v1 routes of customer care (mounted under /api/v1/)."""

from outletcrm.api_urls import Router
from outletcrm.care import api

router = Router()
router.register("care-rules", api.CareRuleViewSet, basename="care-rule")
router.register("family-events", api.FamilyEventViewSet, basename="family-event")
router.register("gifts", api.GiftViewSet, basename="gift")

app_name = "care-api"
urlpatterns = router.urls
