"""REST API v1 routes of archive governance (mounted under /api/v1/)."""

from outletcrm.api_urls import Router
from outletcrm.governance import api

router = Router()
router.register("duplicate-pairs", api.DuplicatePairViewSet, basename="duplicate-pair")
router.register("archive-changes", api.PendingChangeViewSet, basename="archive-change")
router.register("archive-deletions", api.DeletionViewSet, basename="archive-deletion")

app_name = "governance-api"
urlpatterns = router.urls
