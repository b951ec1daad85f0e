"""REST API v1 routes for supervision (mounted under /api/v1/ via visits.api_urls).

Every route answers with and without its trailing slash, like the rest of the API.
"""

from django.urls import re_path

from outletcrm.api_urls import Router
from outletcrm.core.params import ID_PATTERN as ID
from outletcrm.visits import api_manage

router = Router()
router.register("routes", api_manage.RouteViewSet, basename="supervision-route")
router.register("plans", api_manage.PlanViewSet, basename="supervision-plan")

urlpatterns = [
    # Before the router, so "plans/generate" is not read as the plan with id "generate".
    re_path(r"^plans/generate/?$", api_manage.PlansGenerateView.as_view(),
            name="supervision-plans-generate"),
    re_path(r"^plan-stops/?$", api_manage.PlanStopAddView.as_view(),
            name="supervision-plan-stop-add"),
    re_path(rf"^plan-stops/(?P<pk>{ID})/drop/?$", api_manage.PlanStopDropView.as_view(),
            name="supervision-plan-stop-drop"),
    re_path(rf"^visits/(?P<ref>{ID}|[0-9a-fA-F-]{{36}})/reject/?$",
            api_manage.VisitRejectView.as_view(), name="supervision-visit-reject"),
    re_path(r"^visits/(?P<ref>\d+|[0-9a-fA-F-]{36})/accept/?$",
            api_manage.VisitAcceptView.as_view(), name="supervision-visit-accept"),
    re_path(r"^supervision/day/?$", api_manage.SupervisionDayView.as_view(),
            name="supervision-day"),
    re_path(r"^kpis/visits/?$", api_manage.VisitKpiView.as_view(), name="supervision-kpis"),
    *router.urls,
]
