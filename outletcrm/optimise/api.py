"""REST API v1 of the route optimiser (issue 4, item 5): the same services as the pages.

  POST /api/v1/optimise/day                         best order for a rep's day → the job
  POST /api/v1/optimise/days/<job>/apply            put a proposed day order on the plan
  POST /api/v1/optimise/design                      start a weekly route design → the job
  POST /api/v1/optimise/designs/<job>/edit          move outlets to other days of a design
  POST /api/v1/optimise/designs/<job>/adopt         adopt a design as the rep's routes
  POST /api/v1/optimise/territory                   start a team territory split → the job
  POST /api/v1/optimise/territories/<job>/apply     give ticked outlets to the proposed reps
  GET  /api/v1/optimise/jobs/<id>                   a job: status, progress, result

Bad input answers 400 with field messages and changes nothing; a rep, team or job outside the
caller's scope answers 404 like a missing one; an action the caller may not take 403; a travel
provider that does not answer 503.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from outletcrm.core.api import IdField, StrictFieldsMixin
from outletcrm.optimise import selectors, services
from outletcrm.optimise.models import JobKind, OptimisationJob, StartPoint
from outletcrm.visits import selectors as visit_selectors

ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Field errors; nothing was changed.")
NOT_FOUND = OpenApiResponse(description="Not found or outside your data scope.")
FORBIDDEN = OpenApiResponse(description="You may not do this (e.g. a rep designing routes).")
UNAVAILABLE = OpenApiResponse(OpenApiTypes.OBJECT,
                              description="The travel-time provider did not answer.")
MODES = [("walk", "walk"), ("ebike", "ebike"), ("car", "car")]


class Unavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "optimiser_unavailable"


class JobSerializer(serializers.Serializer):
    """An optimisation job; `result` is filled once the job is done."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="day, design or territory.")
    status = serializers.CharField(read_only=True, help_text="queued, running, done or failed.")
    progress = serializers.FloatField(read_only=True, help_text="0 … 1.")
    params = serializers.JSONField(read_only=True)
    error = serializers.SerializerMethodField()
    rep = serializers.IntegerField(source="rep_id", read_only=True, allow_null=True)
    team = serializers.IntegerField(source="team_id", read_only=True, allow_null=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    adopted_at = serializers.DateTimeField(source="applied_at", read_only=True,
                                           allow_null=True)
    result = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_error(self, job: OptimisationJob) -> str:
        return selectors.job_error(job)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_result(self, job: OptimisationJob):
        """Day: rows in order with arrival times and reasons; design: proposal, current
        routes and baseline figures, days; territory: reps, outlets and moves."""
        if job.status != "done":
            return None
        result = dict(job.result)
        if job.kind == JobKind.DAY:
            result["rows"] = [{**row, "reason_text": selectors.reason_text(row.get("reason"))}
                              for row in result.get("rows", [])]
        return result


class DayRequest(StrictFieldsMixin, serializers.Serializer):
    rep = IdField(required=False, help_text="Default: yourself.")
    date = serializers.DateField()
    start = serializers.ChoiceField(choices=StartPoint.choices, required=False,
                                    help_text="Default: home if set, else office, else the "
                                              "first outlet.")
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90,
                                 help_text="Current position (today only), WGS-84.")
    lng = serializers.FloatField(required=False, allow_null=True, min_value=-180,
                                 max_value=180)
    apply = serializers.BooleanField(
        required=False, default=True,
        help_text="false: only propose; the job's result holds the order, arrival times and "
                  "the saving against the current order, and POST "
                  "/api/v1/optimise/days/<job>/apply puts it on the plan.")


class DesignRequest(StrictFieldsMixin, serializers.Serializer):
    rep = IdField()
    cycle_weeks = serializers.IntegerField(help_text="1, 2 or 4.")
    mode = serializers.ChoiceField(choices=MODES, required=False,
                                   help_text="Default: ROUTING_DEFAULT_MODE.")


class DesignEditRequest(StrictFieldsMixin, serializers.Serializer):
    moves = serializers.DictField(child=serializers.CharField(), help_text=(
        'Outlet (customer id) → "week-weekday": first week of its pattern (0-based) and '
        "weekday (0 = Monday)."))


class TerritoryRequest(StrictFieldsMixin, serializers.Serializer):
    team = IdField()
    cycle_weeks = serializers.IntegerField(required=False, default=2, help_text="1, 2 or 4.")
    mode = serializers.ChoiceField(choices=MODES, required=False)


class TerritoryApplyRequest(StrictFieldsMixin, serializers.Serializer):
    customers = serializers.ListField(child=IdField(), allow_empty=False, max_length=10_000,
                                      help_text="Outlets the split moves, to reassign now.")


class AdoptedRouteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    cycle_weeks = serializers.IntegerField()
    week_of_cycle = serializers.IntegerField()
    weekday = serializers.IntegerField()
    customers = serializers.ListField(child=serializers.IntegerField())


class AdoptResult(serializers.Serializer):
    job = serializers.IntegerField()
    routes = AdoptedRouteSerializer(many=True)


class ApplyResult(serializers.Serializer):
    job = serializers.IntegerField()
    changed = serializers.IntegerField()


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _job(job: OptimisationJob) -> dict:
    return JobSerializer(job).data


class DayOptimiseView(APIView):
    """Put a rep's planned stops for a day in the order with least travel."""

    @extend_schema(tags=["optimise"], summary="Optimise a rep's day", request=DayRequest,
                   responses={200: JobSerializer, 400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND,
                              503: UNAVAILABLE})
    def post(self, request):
        data = _valid(DayRequest, request)
        rep = (visit_selectors.rep_get(user=request.user, pk=data["rep"])
               if "rep" in data else request.user)
        position = services.parse_position(data.get("lat"), data.get("lng"))
        try:
            result = services.optimise_rep_day(actor=request.user, rep=rep, date=data["date"],
                                               start=data.get("start"),
                                               current_position=position,
                                               apply=data.get("apply", True))
        except services.OptimiserUnavailable as exc:
            raise Unavailable(str(exc)) from exc
        return Response(_job(result.job))


class DayApplyView(APIView):
    """Put a proposed day order on the plan, if the plan is still the one it was made for."""

    @extend_schema(tags=["optimise"], summary="Apply a proposed day order", request=None,
                   responses={200: JobSerializer, 400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND})
    def post(self, request, pk):
        job = selectors.job_get(user=request.user, pk=pk, kind=JobKind.DAY)
        services.day_apply(actor=request.user, job=job)
        return Response(_job(job))


class DesignStartView(APIView):
    """Start a weekly route design for a rep's territory (a background job)."""

    @extend_schema(tags=["optimise"], summary="Start a route design", request=DesignRequest,
                   responses={202: JobSerializer, 400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND,
                              503: UNAVAILABLE})
    def post(self, request):
        data = _valid(DesignRequest, request)
        rep = visit_selectors.rep_get(user=request.user, pk=data["rep"])
        try:
            job = services.design_start(actor=request.user, rep=rep,
                                        cycle_weeks=data["cycle_weeks"], mode=data.get("mode"))
        except services.OptimiserUnavailable as exc:
            raise Unavailable(str(exc)) from exc
        return Response(_job(job), status=status.HTTP_202_ACCEPTED)


class DesignEditView(APIView):
    """Move outlets to other days of a finished design before adopting it."""

    @extend_schema(tags=["optimise"], summary="Edit a route design", request=DesignEditRequest,
                   responses={200: JobSerializer, 400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND,
                              503: UNAVAILABLE})
    def post(self, request, pk):
        job = selectors.job_get(user=request.user, pk=pk, kind=JobKind.DESIGN)
        data = _valid(DesignEditRequest, request)
        try:
            job = services.design_edit(actor=request.user, job=job, moves=data["moves"])
        except services.OptimiserUnavailable as exc:
            raise Unavailable(str(exc)) from exc
        return Response(_job(job))


class DesignAdoptView(APIView):
    """Adopt a design as the rep's routes: active routes are deactivated, new ones created."""

    @extend_schema(tags=["optimise"], summary="Adopt a route design", request=None,
                   responses={200: AdoptResult, 400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND})
    def post(self, request, pk):
        job = selectors.job_get(user=request.user, pk=pk, kind=JobKind.DESIGN)
        created = services.design_adopt(actor=request.user, job=job)
        return Response({"job": job.pk, "routes": [
            {"id": r.pk, "name": r.name, "cycle_weeks": r.cycle_weeks,
             "week_of_cycle": r.week_of_cycle, "weekday": r.weekday,
             "customers": list(r.stops.order_by("position").values_list("customer_id",
                                                                         flat=True))}
            for r in created]})


class TerritoryStartView(APIView):
    """Start a balanced split of a team's outlets between its reps (a background job)."""

    @extend_schema(tags=["optimise"], summary="Start a territory split",
                   request=TerritoryRequest,
                   responses={202: JobSerializer, 400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND,
                              503: UNAVAILABLE})
    def post(self, request):
        data = _valid(TerritoryRequest, request)
        team = visit_selectors.team_get(user=request.user, pk=data["team"])
        try:
            job = services.territory_start(actor=request.user, team=team,
                                           cycle_weeks=data["cycle_weeks"],
                                           mode=data.get("mode"))
        except services.OptimiserUnavailable as exc:
            raise Unavailable(str(exc)) from exc
        return Response(_job(job), status=status.HTTP_202_ACCEPTED)


class TerritoryApplyView(APIView):
    """Give outlets of a finished split to the reps it proposes (each change in history)."""

    @extend_schema(tags=["optimise"], summary="Apply a territory split",
                   request=TerritoryApplyRequest,
                   responses={200: ApplyResult, 400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND})
    def post(self, request, pk):
        job = selectors.job_get(user=request.user, pk=pk, kind=JobKind.TERRITORY)
        data = _valid(TerritoryApplyRequest, request)
        changed = services.territory_apply(actor=request.user, job=job,
                                           customer_ids=data["customers"])
        return Response({"job": job.pk, "changed": changed})


class JobView(APIView):
    """An optimisation job: poll it until `status` is done or failed."""

    @extend_schema(tags=["optimise"], summary="Optimisation job",
                   responses={200: JobSerializer, 404: NOT_FOUND})
    def get(self, request, pk):
        return Response(_job(selectors.job_get(user=request.user, pk=pk)))
