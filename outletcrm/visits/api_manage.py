"""REST API v1 for supervision: routes, plans, plan changes, rejection, the day and KPIs.

Thin views over the same selectors and services as the supervision pages. Errors answer 400
with field messages and change nothing; a record outside the caller's data scope answers 404;
an action the caller may not take answers 403 (core.api.exception_handler maps the services'
exceptions).
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from outletcrm.core.params import parse_date
from outletcrm.visits import routes, selectors, services, sync
from outletcrm.visits.models import (
    COUNTED_ORIGINS,
    DailyPlan,
    PlannedStop,
    PlannedStopAddition,
    Route,
    Visit,
)
from outletcrm.visits.selectors import StopRow

ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Field errors; nothing was changed.")
NOT_FOUND = OpenApiResponse(description="Not found or outside your data scope.")
FORBIDDEN = OpenApiResponse(description="You may not do this (e.g. a rep changing routes).")


def _date(value, field: str = "date", *, required: bool = True):
    parsed = parse_date(value if isinstance(value, str | None) else str(value),
                               field=field)
    if parsed is None and required:
        raise ApiValidationError({field: [_("This field is required (YYYY-MM-DD).")]})
    return parsed


# --- routes ------------------------------------------------------------------------------

class RouteStopSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    position = serializers.IntegerField()
    latitude = serializers.DecimalField(source="customer.latitude", max_digits=9,
                                        decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(source="customer.longitude", max_digits=9,
                                         decimal_places=6, allow_null=True)


class RouteSerializer(serializers.ModelSerializer):
    rep_name = serializers.CharField(source="rep.__str__", read_only=True)
    stops = RouteStopSerializer(many=True, read_only=True)

    class Meta:
        model = Route
        fields = ["id", "rep", "rep_name", "name", "cycle_weeks", "week_of_cycle", "weekday",
                  "is_active", "updated_at", "stops"]
        read_only_fields = fields


class RouteWriteSerializer(serializers.Serializer):
    """Route settings and, optionally, its outlets in visiting order (replaces the list)."""

    rep = serializers.IntegerField(required=False, help_text="The rep (required on create).")
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    cycle_weeks = serializers.IntegerField(required=False, help_text="1, 2 or 4 weeks.")
    week_of_cycle = serializers.IntegerField(required=False, help_text="1 … cycle_weeks.")
    weekday = serializers.IntegerField(required=False, help_text="0 = Monday … 6 = Sunday.")
    is_active = serializers.BooleanField(required=False)
    customers = serializers.ListField(child=serializers.IntegerField(), required=False,
                                      help_text="Customer ids in visiting order.")


FrequencySerializer = inline_serializer("RouteFrequency", {
    "rep": serializers.IntegerField(),
    "current_week": serializers.IntegerField(),
    "stops_per_day": serializers.ListField(child=serializers.ListField(
        child=serializers.IntegerField())),
    "below_frequency": serializers.ListField(child=serializers.DictField()),
    "on_no_route": serializers.ListField(child=serializers.DictField()),
    "not_the_reps_customer": serializers.ListField(child=serializers.DictField()),
})


@extend_schema_view(
    list=extend_schema(summary="Routes", parameters=[
        OpenApiParameter("rep", OpenApiTypes.INT, description="Only this rep's routes.")]),
    retrieve=extend_schema(summary="Route", responses={200: RouteSerializer, 404: NOT_FOUND}),
    destroy=extend_schema(summary="Delete a route",
                          responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND}),
)
@extend_schema(tags=["routes"])
class RouteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                   viewsets.GenericViewSet):
    """Routes (路线) in the caller's scope: reps read their own, supervisors design them."""

    serializer_class = RouteSerializer
    queryset = Route.objects.none()

    def get_queryset(self):
        rep = None
        if self.request.query_params.get("rep"):
            rep = selectors.rep_lookup(user=self.request.user,
                                       value=self.request.query_params["rep"])
        return selectors.route_list(user=self.request.user, rep=rep).prefetch_related(
            "stops__customer")

    def get_object(self):
        return selectors.route_get(user=self.request.user, pk=self.kwargs["pk"])

    def _write_data(self) -> dict:
        serializer = RouteWriteSerializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(summary="Create a route", request=RouteWriteSerializer,
                   responses={201: RouteSerializer, 400: ERRORS, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def create(self, request):
        data = self._write_data()
        if "rep" not in data:
            raise ApiValidationError({"rep": [_("This field is required.")]})
        rep = selectors.rep_get(user=request.user, pk=data.pop("rep"))
        data.pop("is_active", None)
        route = routes.route_create(actor=request.user, rep=rep,
                                    customer_ids=data.pop("customers", None),
                                    name=data.get("name", ""),
                                    **{k: v for k, v in data.items() if k != "name"})
        return Response(RouteSerializer(selectors.route_get(user=request.user, pk=route.pk)).data,
                        status=status.HTTP_201_CREATED)

    def _update(self, request, pk):
        route = self.get_object()
        data = self._write_data()
        if "rep" in data and data.pop("rep") != route.rep_id:
            raise ApiValidationError({"rep": [_("A route cannot move to another rep.")]})
        routes.route_update(actor=request.user, route=route,
                            customer_ids=data.pop("customers", None), **data)
        return Response(RouteSerializer(selectors.route_get(user=request.user, pk=pk)).data)

    @extend_schema(summary="Change a route", request=RouteWriteSerializer,
                   responses={200: RouteSerializer, 400: ERRORS, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def update(self, request, pk=None):
        return self._update(request, pk)

    @extend_schema(summary="Change part of a route", request=RouteWriteSerializer,
                   responses={200: RouteSerializer, 400: ERRORS, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def partial_update(self, request, pk=None):
        return self._update(request, pk)

    def perform_destroy(self, instance):
        routes.route_delete(actor=self.request.user, route=instance)

    @extend_schema(summary="Frequency warnings and stops per day of a rep's routes",
                   parameters=[OpenApiParameter("rep", OpenApiTypes.INT, required=True)],
                   responses={200: FrequencySerializer, 400: ERRORS, 404: NOT_FOUND})
    @action(detail=False, methods=["get"], pagination_class=None)
    def frequency(self, request):
        if not request.query_params.get("rep"):
            raise ApiValidationError({"rep": [_("This field is required.")]})
        rep = selectors.rep_lookup(user=request.user, value=request.query_params["rep"])
        report = routes.frequency_report(actor=request.user, rep=rep)

        def customer(row):
            return {"customer": row.customer.pk, "name": row.customer.name,
                    "every_weeks": row.every_weeks, "required_per_4_weeks": row.required,
                    "planned_per_4_weeks": row.planned}

        return Response({
            "rep": rep.pk, "current_week": report.current_week, "stops_per_day": report.grid,
            "below_frequency": [customer(r) for r in report.below_frequency],
            "on_no_route": [customer(r) for r in report.on_no_route],
            "not_the_reps_customer": [{"customer": s.customer_id, "name": s.customer.name,
                                       "route": s.route_id} for s in report.foreign_stops],
        })


# --- plans -------------------------------------------------------------------------------

class EarlierAdditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlannedStopAddition
        fields = ["origin", "added_by", "added_at", "superseded_at"]
        read_only_fields = fields


class PlannedStopSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    origin_display = serializers.CharField(source="get_origin_display", read_only=True)
    counted = serializers.SerializerMethodField(
        help_text="In the completion rate's denominator (visits/kpis.py): from the route or "
                  "the supervisor; a released stop only if visited.")
    route_name = serializers.CharField(source="route.name", read_only=True, allow_null=True,
                                       default=None)
    earlier_additions = EarlierAdditionSerializer(
        many=True, read_only=True,
        help_text="Who had added this customer before the route or the supervisor took the "
                  "stop over.")
    release_reason = serializers.CharField(
        source="release_reason_text", read_only=True,
        help_text="Why the stop was released (handed over, archived), in the reader's language.")
    status = serializers.SerializerMethodField(
        help_text="visited, not_yet, missed (day over, not visited), dropped, rejected, "
                  "off_site (checked in off site, not accepted), phone (phone contact only)")

    class Meta:
        model = PlannedStop
        fields = ["id", "position", "customer", "customer_name", "origin", "origin_display",
                  "counted", "route", "route_name", "added_by", "added_at", "earlier_additions",
                  "dropped_at", "drop_reason", "dropped_by", "released_at", "release_reason",
                  "status"]
        read_only_fields = fields

    def get_status(self, stop) -> str | None:
        statuses = self.context.get("statuses") or {}
        return statuses.get(stop.pk)

    def get_counted(self, stop) -> bool:
        return stop.counts_as_planned or (stop.origin in COUNTED_ORIGINS
                                          and self.get_status(stop) == selectors.VISITED)


class PlanSerializer(serializers.ModelSerializer):
    rep_name = serializers.CharField(source="rep.__str__", read_only=True)
    stops = PlannedStopSerializer(many=True, read_only=True)

    class Meta:
        model = DailyPlan
        fields = ["id", "rep", "rep_name", "date", "generated_at", "stops"]
        read_only_fields = fields


def _plan_statuses(plans) -> dict[int, str]:
    """Each stop's progress, matching the plans' visits in one query."""
    return _plan_statuses_of([s for plan in plans for s in plan.stops.all()])


def _plan_statuses_of(stops) -> dict[int, str]:
    if not stops:
        return {}
    visits = Visit.objects.filter(rep_id__in={s.rep_id for s in stops},
                                  date__in={s.date for s in stops})
    return {row.stop.pk: row.status for row in selectors.stop_rows(stops, visits)}


@extend_schema_view(
    list=extend_schema(summary="Day plans", parameters=[
        OpenApiParameter("rep", OpenApiTypes.STR, description="Rep id or username."),
        OpenApiParameter("date", OpenApiTypes.DATE)]),
    retrieve=extend_schema(summary="Day plan", responses={200: PlanSerializer, 404: NOT_FOUND}),
)
@extend_schema(tags=["plans"])
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Daily plans (拜访计划) in the caller's scope, with each stop's origin and progress."""

    serializer_class = PlanSerializer
    queryset = DailyPlan.objects.none()

    def get_queryset(self):
        params = self.request.query_params
        rep = (selectors.rep_lookup(user=self.request.user, value=params["rep"])
               if params.get("rep") else None)
        date = _date(params.get("date"), required=False)
        return selectors.plan_list(user=self.request.user, rep=rep, date=date)

    def get_object(self):
        return selectors.plan_get(user=self.request.user, pk=self.kwargs["pk"])

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        context = {**self.get_serializer_context(), "statuses": _plan_statuses(page)}
        return self.get_paginated_response(PlanSerializer(page, many=True, context=context).data)

    def retrieve(self, request, pk=None):
        plan = self.get_object()
        return Response(PlanSerializer(plan, context={"statuses": _plan_statuses([plan])}).data)

    @extend_schema(summary="Put the plan's stops in a new order",
                   request=inline_serializer("PlanReorder", {
                       "stops": serializers.ListField(child=serializers.IntegerField(),
                                                      help_text="Every stop id, once.")}),
                   responses={200: PlanSerializer, 400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def reorder(self, request, pk=None):
        plan = selectors.plan_get(user=request.user, pk=pk)
        stop_ids = request.data.get("stops") if hasattr(request.data, "get") else None
        if not isinstance(stop_ids, list):
            raise ApiValidationError({"stops": [_("Give every stop id of the plan, in order.")]})
        services.plan_reorder(actor=request.user, plan=plan, stop_ids=stop_ids)
        return self.retrieve(request, pk=pk)


GenerateRequest = inline_serializer("PlansGenerateRequest", {
    "date": serializers.DateField(help_text="Today up to 14 days ahead."),
    "reps": serializers.ListField(child=serializers.IntegerField(), required=False,
                                  help_text="Default: every rep in your scope."),
    "team": serializers.IntegerField(required=False),
    "queue": serializers.BooleanField(required=False, default=False,
                                      help_text="Queue the background task instead of "
                                                "generating now."),
})
GenerateResult = inline_serializer("PlansGenerateResult", {
    "date": serializers.DateField(), "plans": serializers.IntegerField(),
    "stops": serializers.IntegerField(),
})


class PlansGenerateView(APIView):
    """Generate a day's plans from the routes now (the nightly task does everyone's)."""

    @extend_schema(tags=["plans"], summary="Generate plans", request=GenerateRequest,
                   responses={200: GenerateResult, 202: OpenApiResponse(OpenApiTypes.OBJECT),
                              400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND})
    def post(self, request):
        data = request.data if hasattr(request.data, "get") else {}
        date = _date(data.get("date"))
        rep_ids = data.get("reps")
        if data.get("team") not in (None, ""):
            team = selectors.team_get(user=request.user, pk=data["team"])
            rep_ids = list(selectors.rep_choices(user=request.user).filter(team=team)
                           .exclude(pk=request.user.pk).values_list("pk", flat=True))
        queue = data.get("queue") in (True, "true", "1", 1)
        result = routes.plans_generate(actor=request.user, date=date, rep_ids=rep_ids,
                                       queue=queue)
        return Response(result, status=status.HTTP_202_ACCEPTED if queue else status.HTTP_200_OK)


AddStopRequest = inline_serializer("PlanStopAddRequest", {
    "rep": serializers.IntegerField(required=False, help_text="Default: yourself."),
    "date": serializers.DateField(),
    "customer": serializers.IntegerField(),
})


class PlanStopAddView(APIView):
    """Add a customer to a rep's plan: counted when a supervisor adds it, not when the rep does."""

    @extend_schema(tags=["plans"], summary="Add a stop to a plan", request=AddStopRequest,
                   responses={201: PlannedStopSerializer, 400: ERRORS, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def post(self, request):
        data = request.data if hasattr(request.data, "get") else {}
        rep = (selectors.rep_get(user=request.user, pk=data["rep"])
               if data.get("rep") not in (None, "") else request.user)
        date = _date(data.get("date"))
        if data.get("customer") in (None, ""):
            raise ApiValidationError({"customer": [_("This field is required.")]})
        try:
            customer = selectors.plan_customer_get(user=request.user, rep=rep,
                                                   pk=data["customer"])
        except Http404:
            raise ApiValidationError({"customer": [_("Choose one of the rep's customers.")]}
                                     ) from None
        stop = services.plan_add_stop(actor=request.user, rep=rep, date=date, customer=customer)
        return Response(PlannedStopSerializer(stop, context={
            "statuses": _plan_statuses_of([stop])}).data, status=status.HTTP_201_CREATED)


class PlanStopDropView(APIView):
    """Drop a stop with a reason; it stays on the plan and still counts as planned."""

    @extend_schema(tags=["plans"], summary="Drop a stop",
                   request=inline_serializer("PlanStopDropRequest", {
                       "reason": serializers.CharField()}),
                   responses={200: PlannedStopSerializer, 400: ERRORS, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def post(self, request, pk):
        stop = selectors.planned_stop_get(user=request.user, pk=pk)
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        stop = services.plan_drop_stop(actor=request.user, stop=stop, reason=str(reason))
        return Response(PlannedStopSerializer(stop, context={
            "statuses": _plan_statuses_of([stop])}).data)


# --- visits and the supervisor's day -----------------------------------------------------

def visit_evidence(visit: Visit) -> dict:
    """A visit as the field API shows it, plus the check-in evidence a supervisor judges.

    Positions reach only callers whose scope holds the rep (the selectors are scoped).
    """
    return {
        "id": visit.pk, **sync.visit_summary(visit),
        "checkin_received_at": visit.checkin_received_at.isoformat(),
        "lat": None if visit.checkin_lat is None else float(visit.checkin_lat),
        "lng": None if visit.checkin_lng is None else float(visit.checkin_lng),
        "accuracy_m": visit.checkin_accuracy_m, "fix_age_s": visit.checkin_fix_age_s,
        "rejected_at": visit.rejected_at.isoformat() if visit.rejected_at else None,
        "reject_reason": visit.reject_reason,
        "accepted_at": visit.accepted_at.isoformat() if visit.accepted_at else None,
        "accept_reason": visit.accept_reason,
    }


class VisitRejectView(APIView):
    """A supervisor rejects a visit with a reason; it then counts for no KPI."""

    @extend_schema(tags=["supervision"], summary="Reject a visit",
                   parameters=[OpenApiParameter("ref", OpenApiTypes.STR, OpenApiParameter.PATH,
                                                description="The visit's id or client id.")],
                   request=inline_serializer("VisitRejectRequest", {
                       "reason": serializers.CharField()}),
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT), 400: ERRORS,
                              403: FORBIDDEN, 404: NOT_FOUND})
    def post(self, request, ref):
        if not ref.isdigit():
            ref = Visit.objects.filter(client_id=ref).values_list("pk", flat=True).first()
        visit = selectors.visit_get(user=request.user, pk=ref)
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        visit = services.visit_reject(actor=request.user, visit=visit, reason=str(reason))
        return Response(visit_evidence(visit))


class VisitAcceptView(APIView):
    """A supervisor accepts an off-site check-in after review; it then counts as a visit."""

    @extend_schema(tags=["supervision"], summary="Accept an off-site check-in",
                   parameters=[OpenApiParameter("ref", OpenApiTypes.STR, OpenApiParameter.PATH,
                                                description="The visit's id or client id.")],
                   request=inline_serializer("VisitAcceptRequest", {
                       "reason": serializers.CharField()}),
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT), 400: ERRORS,
                              403: FORBIDDEN, 404: NOT_FOUND})
    def post(self, request, ref):
        if not ref.isdigit():
            ref = Visit.objects.filter(client_id=ref).values_list("pk", flat=True).first()
        visit = selectors.visit_get(user=request.user, pk=ref)
        reason = request.data.get("reason", "") if hasattr(request.data, "get") else ""
        visit = services.visit_accept(actor=request.user, visit=visit, reason=str(reason))
        return Response(visit_evidence(visit))


def _row_json(row: StopRow) -> dict:
    stop = row.stop
    customer = stop.customer
    return {
        "id": stop.pk, "position": stop.position, "customer": customer.pk,
        "customer_name": customer.name,
        "latitude": None if customer.latitude is None else str(customer.latitude),
        "longitude": None if customer.longitude is None else str(customer.longitude),
        "origin": stop.origin, "counted": row.counted, "status": row.status,
        "drop_reason": stop.drop_reason, "visit": row.visit.pk if row.visit else None,
    }


def _exception_json(item) -> dict:
    data = {"kind": item.kind, "rep": item.rep.pk}
    if item.visit is not None:
        data["visit"] = item.visit.pk
        data["customer_name"] = item.visit.customer.name
    if item.kind == "off_site":
        data.update(distance_m=item.visit.checkin_distance_m,
                    accuracy_m=item.visit.checkin_accuracy_m,
                    fix_age_s=item.visit.checkin_fix_age_s,
                    device_time=item.visit.checked_in_at.isoformat(),
                    server_time=item.visit.checkin_received_at.isoformat(),
                    clock_gap_s=item.clock_gap_s)
    if item.kind == "short":
        data.update(minutes=item.minutes, minimum_minutes=item.threshold)
    if item.kind == "missed":
        data.update(stop=item.row.stop.pk, customer_name=item.row.stop.customer.name,
                    status=item.row.status, drop_reason=item.row.stop.drop_reason)
    return data


def _percent(value):
    return None if value is None else f"{value:.2f}"


class SupervisionDayView(APIView):
    """The team's plans and progress for a day, and the exceptions (issue 3, item 6)."""

    @extend_schema(tags=["supervision"], summary="The supervisor's day", parameters=[
        OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today."),
        OpenApiParameter("team", OpenApiTypes.INT, description="Only this team.")],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT), 400: ERRORS, 404: NOT_FOUND})
    def get(self, request):
        date = _date(request.query_params.get("date"), required=False) or timezone.localdate()
        team = None
        if request.query_params.get("team"):
            team = selectors.team_get(user=request.user, pk=request.query_params["team"])
        day = selectors.supervision_day(user=request.user, date=date, team=team)
        totals = day.totals
        totals["completion_rate"] = _percent(totals["completion_rate"])
        return Response({
            "date": date.isoformat(), "is_over": day.is_over, "totals": totals,
            "reps": [{
                "rep": rd.rep.pk, "name": str(rd.rep), "team": rd.rep.team_id,
                "planned": rd.planned, "visited": rd.visited, "not_yet": rd.not_yet,
                "missed": rd.missed, "dropped": rd.dropped, "unplanned": len(rd.unplanned),
                "completion_rate": _percent(rd.completion_rate),
                "stops": [_row_json(row) for row in rd.rows],
                "visits": [visit_evidence(v) for v in rd.visits],
            } for rd in day.reps],
            "exceptions": [_exception_json(e) for e in day.exceptions],
        })


# --- KPIs --------------------------------------------------------------------------------

KPI_FIGURES = {
    name: (serializers.CharField(allow_null=True) if name in {
        "completion_rate", "success_rate", "coverage", "order_amount",
        "order_amount_per_visited_customer"} else serializers.FloatField(allow_null=True)
        if name in {"deep_visits_per_day", "average_duration_minutes"}
        else serializers.IntegerField(allow_null=True))
    for name in selectors.FIGURES
}
KpiFigures = inline_serializer("VisitKpiFigures", KPI_FIGURES)
KpiRow = inline_serializer("VisitKpiRow", {"key": serializers.CharField(),
                                           "name": serializers.CharField(), **KPI_FIGURES},
                           many=True)
KpiReport = inline_serializer("VisitKpiReport", {
    "from": serializers.DateField(), "to": serializers.DateField(),
    "scope": inline_serializer("VisitKpiScope", {
        "kind": serializers.CharField(help_text="all, self (a rep's own figures), rep, team, "
                                                "region"),
        "id": serializers.IntegerField(allow_null=True),
        "name": serializers.CharField(),
        "reps": serializers.IntegerField(help_text="People who did field work in the period "
                                                   "(a plan or a visit)."),
    }),
    "group": serializers.CharField(allow_null=True),
    "total": KpiFigures,
    "numeric_distribution": serializers.ListField(child=serializers.DictField()),
    "rows": KpiRow,
    "definitions": serializers.ListField(child=serializers.DictField(
        child=serializers.CharField())),
    "rules": serializers.ListField(child=serializers.CharField(),
                                   help_text="How the figures are counted, in words."),
})


class VisitKpiView(APIView):
    """Visit KPIs (拜访完成率, 拜访成功率 and the rest) with their written definitions.

    The same figures as the KPI page and `outletcrm kpi --format json`.
    """

    @extend_schema(tags=["kpis"], summary="Visit KPIs", parameters=[
        OpenApiParameter("from", OpenApiTypes.DATE, required=True),
        OpenApiParameter("to", OpenApiTypes.DATE, required=True),
        OpenApiParameter("rep", OpenApiTypes.STR, description="Rep id or username."),
        OpenApiParameter("team", OpenApiTypes.INT),
        OpenApiParameter("region", OpenApiTypes.STR, description="Region id or code."),
        OpenApiParameter("group", OpenApiTypes.STR,
                         enum=["day", "week", "month", "rep", "team", "region"]),
    ], responses={200: KpiReport, 400: ERRORS, 404: NOT_FOUND})
    def get(self, request):
        params = request.query_params
        return Response(selectors.kpi_report(
            user=request.user, date_from=params.get("from"), date_to=params.get("to"),
            rep=params.get("rep"), team=params.get("team"), region=params.get("region"),
            group=params.get("group")))
