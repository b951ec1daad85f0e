"""REST API v1 routes of the churn watch (mounted under /api/v1/)."""

from outletcrm.api_urls import Router
from outletcrm.churn import api

router = Router()
router.register("churn-flags", api.ChurnFlagViewSet, basename="churn-flag")

app_name = "churn-api"
urlpatterns = router.urls
