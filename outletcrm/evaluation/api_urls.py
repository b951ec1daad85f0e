"""REST API v1 routes of evaluation and classification (mounted under /api/v1/)."""

from outletcrm.api_urls import Router
from outletcrm.evaluation import api

router = Router()
router.register("scoring-models", api.ScoringModelViewSet, basename="scoring-model")
router.register("evaluations", api.EvaluationViewSet, basename="evaluation")
router.register("class-proposals", api.ClassProposalViewSet, basename="class-proposal")
router.register("evaluation-runs", api.EvaluationRunViewSet, basename="evaluation-run")
router.register("evaluation-values", api.ManualValueViewSet, basename="evaluation-value")

app_name = "evaluation-api"
urlpatterns = router.urls
