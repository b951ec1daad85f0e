"""REST API of the prospect pipeline (issue 8 item 8), in the caller's data scope.

GET  /api/v1/pipeline-stages/                 the stages in order, with their outputs
GET  /api/v1/prospects/?stage=&outcome=&owner=&customer=   prospects in scope
GET  /api/v1/prospects/board?owner=&limit=&stage=&offset=&moved=   counts and cards per stage
                                              (stage+offset: the next page of one column)
POST /api/v1/prospects/                       {customer}: start developing a customer
POST /api/v1/prospects/<id>/move              {stage, next_action?}: the exit checks apply
POST /api/v1/prospects/<id>/won               close as won (the customer becomes active)
POST /api/v1/prospects/<id>/lost              {reason, note?}
GET/POST /api/v1/prospects/<id>/outputs       records (multipart for an attachment)
GET  /api/v1/pipeline-funnel?date_from=&date_to=&group=
A prospect or customer outside the scope answers 404, like a missing one.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from outletcrm.core import scoping
from outletcrm.core.api import IdField, StrictFieldsMixin
from outletcrm.core.params import MAX_PERIOD_DAYS, parse_id, parse_int, parse_period
from outletcrm.customers.models import Customer
from outletcrm.pipeline import selectors, services
from outletcrm.pipeline.choices import LostReason, Outcome
from outletcrm.pipeline.models import OutputRecord, Prospect, Stage

NOT_FOUND = OpenApiResponse(description="Not found, or outside your data scope.")
BAD_INPUT = OpenApiResponse(description="Invalid input or a refused move; nothing was written.")
FORBIDDEN = OpenApiResponse(description="Your role may not do this.")


class StageSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    output = serializers.SerializerMethodField()

    class Meta:
        model = Stage
        fields = ["id", "code", "name", "sort_order", "output", "requires_output", "wins"]

    def get_name(self, stage) -> str:
        return str(stage)

    def get_output(self, stage) -> str:
        return stage.output_label


class OutputSerializer(serializers.ModelSerializer):
    stage_name = serializers.SerializerMethodField()
    attachment_url = serializers.SerializerMethodField()
    created_by_name = serializers.SerializerMethodField()

    class Meta:
        model = OutputRecord
        fields = ["id", "stage", "stage_name", "text", "attachment_name", "attachment_url",
                  "created_by", "created_by_name", "created_at"]
        read_only_fields = fields

    def get_stage_name(self, record) -> str:
        return str(record.stage)

    def get_created_by_name(self, record) -> str:
        return str(record.created_by or "")

    def get_attachment_url(self, record) -> str | None:
        from django.urls import reverse

        return reverse("pipeline:output_file", args=[record.pk]) if record.attachment else None


class ProspectSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    stage_name = serializers.SerializerMethodField()
    owner_name = serializers.SerializerMethodField()
    days_in_stage = serializers.SerializerMethodField()
    lost_reason = serializers.CharField(
        read_only=True, help_text="need_mismatch, misfit, no_capability, competitor, other; "
                                  "empty unless lost")

    class Meta:
        model = Prospect
        fields = ["id", "customer", "customer_name", "customer_code", "stage", "stage_name",
                  "furthest_stage", "owner", "owner_name", "outcome", "entered_stage_at",
                  "days_in_stage", "next_action", "next_action_on", "lost_reason", "lost_note",
                  "created_at", "closed_at"]
        read_only_fields = fields

    def get_stage_name(self, prospect) -> str:
        return str(prospect.stage)

    def get_owner_name(self, prospect) -> str:
        return str(prospect.owner or "")

    def get_days_in_stage(self, prospect) -> int:
        from django.utils import timezone

        return max(0, (timezone.now() - prospect.entered_stage_at).days)


class OpenSerializer(StrictFieldsMixin, serializers.Serializer):
    customer = IdField()
    next_action = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                        default="")


class MoveSerializer(StrictFieldsMixin, serializers.Serializer):
    stage = IdField()
    next_action = serializers.CharField(max_length=200, required=False, allow_blank=True)
    next_action_on = serializers.DateField(required=False, allow_null=True)


class LostSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.ChoiceField(choices=LostReason.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class OutputCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    attachment = serializers.FileField(required=False, allow_null=True)


class EmptySerializer(StrictFieldsMixin, serializers.Serializer):
    pass


class ColumnSerializer(serializers.Serializer):
    stage = StageSerializer()
    count = serializers.IntegerField()
    offset = serializers.IntegerField(help_text="cards of this column before these")
    more = serializers.IntegerField(help_text="cards of this column after these")
    prospects = ProspectSerializer(many=True, source="cards")


def _check_date(value):
    from outletcrm.core.params import check_date_bounds

    if value is not None:
        try:
            check_date_bounds(value, field="next_action_on")
        except DjangoValidationError as exc:
            raise DRFValidationError({"next_action_on": exc.messages}) from exc
    return value


def _viewer(request):
    if not scoping.can_see_prospects(request.user):
        raise NotFound()


@extend_schema_view(list=extend_schema(tags=["pipeline"], summary="The pipeline stages in order"),
                    retrieve=extend_schema(tags=["pipeline"], summary="One pipeline stage",
                                           responses={200: StageSerializer, 404: NOT_FOUND}))
class StageViewSet(viewsets.ReadOnlyModelViewSet):
    """Enabled stages, in order, with the output each asks for."""

    serializer_class = StageSerializer
    pagination_class = None

    def get_queryset(self):
        return Stage.objects.filter(is_active=True).order_by("sort_order", "pk")


STAGE_PARAM = OpenApiParameter("stage", OpenApiTypes.INT, description="a stage id")
OUTCOME_PARAM = OpenApiParameter("outcome", OpenApiTypes.STR, enum=[*Outcome.values, "all"],
                                 description="open (default), won, lost or all")
OWNER_PARAM = OpenApiParameter("owner", OpenApiTypes.INT, description="the developing rep's id")
CUSTOMER_PARAM = OpenApiParameter("customer", OpenApiTypes.INT, description="a customer id")
LIMIT_PARAM = OpenApiParameter("limit", OpenApiTypes.INT,
                               description="cards per stage, 1–100 (default 25)")
BOARD_STAGE_PARAM = OpenApiParameter(
    "stage", OpenApiTypes.INT,
    description="an enabled stage's id: only that column gets cards (every column keeps its "
                "count); with offset, the next page of that column")
OFFSET_PARAM = OpenApiParameter(
    "offset", OpenApiTypes.INT,
    description="cards to skip in each column, 0–1000000 (default 0), in the board's order "
                "(longest in the stage first)")
MOVED_PARAM = OpenApiParameter(
    "moved", OpenApiTypes.INT,
    description="a prospect id, the card you just moved: it comes first in its column (it "
                "would otherwise come last, having just entered the stage), the rest follow in "
                "the board's order, and offset counts it; ignored when it is on no column of "
                "your board")


def _query_id(request, name):
    try:
        return parse_id(request.query_params.get(name), field=name)
    except DjangoValidationError as exc:
        raise DRFValidationError(exc.message_dict) from exc


@extend_schema_view(
    list=extend_schema(tags=["pipeline"], summary="Prospects in your scope",
                       parameters=[STAGE_PARAM, OUTCOME_PARAM, OWNER_PARAM, CUSTOMER_PARAM]),
    retrieve=extend_schema(tags=["pipeline"], summary="One prospect",
                           responses={200: ProspectSerializer, 404: NOT_FOUND}),
)
class ProspectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Prospects (customers in development) in the caller's data scope."""

    serializer_class = ProspectSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _viewer(request)

    def get_queryset(self):
        prospects = selectors.prospect_queryset(self.request.user).select_related(
            "customer", "stage", "owner").order_by("entered_stage_at", "pk")
        if self.action != "list":
            return prospects
        outcome = self.request.query_params.get("outcome") or Outcome.OPEN
        if outcome not in Outcome.values and outcome != "all":
            raise DRFValidationError({"outcome": ["Unknown outcome."]})
        if outcome != "all":
            prospects = prospects.filter(outcome=outcome)
        for name, lookup in (("stage", "stage_id"), ("owner", "owner_id"),
                             ("customer", "customer_id")):
            value = _query_id(self.request, name)
            if value:
                prospects = prospects.filter(**{lookup: value})
        return prospects

    @extend_schema(tags=["pipeline"], summary="Start developing a customer",
                   request=OpenSerializer,
                   responses={201: ProspectSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def create(self, request):
        serializer = OpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = scoping.restrict(Customer.objects.all(), request.user).filter(
            pk=serializer.validated_data["customer"]).first()
        if customer is None:
            raise NotFound()
        prospect = services.prospect_open(actor=request.user, customer=customer,
                                          next_action=serializer.validated_data["next_action"])
        return Response(ProspectSerializer(self._fresh(prospect)).data, status=201)

    def _fresh(self, prospect):
        return selectors.prospect_get(user=self.request.user, pk=prospect.pk)

    @extend_schema(tags=["pipeline"], summary="The board: counts and first prospects per stage",
                   parameters=[OWNER_PARAM, LIMIT_PARAM, BOARD_STAGE_PARAM, OFFSET_PARAM,
                               MOVED_PARAM],
                   responses={200: ColumnSerializer(many=True), 400: BAD_INPUT})
    @action(detail=False, methods=["get"], pagination_class=None)
    def board(self, request):
        owner = _query_id(request, "owner")
        stage = _query_id(request, "stage")
        moved = _query_id(request, "moved")
        try:
            limit = parse_int(request.query_params.get("limit"), field="limit", minimum=1,
                              maximum=100) or selectors.BOARD_LIMIT
            offset = parse_int(request.query_params.get("offset"), field="offset", minimum=0,
                               maximum=selectors.BOARD_MAX_OFFSET) or 0
        except DjangoValidationError as exc:
            raise DRFValidationError(exc.message_dict) from exc
        if stage is not None and stage not in {s.pk for s in services.active_stages()}:
            raise DRFValidationError({"stage": [_("Choose an enabled stage.")]})
        columns = selectors.board(user=request.user, owner_id=owner, limit=limit,
                                  stage_id=stage, offset=offset, moved_id=moved)
        return Response(ColumnSerializer(columns, many=True).data)

    @extend_schema(tags=["pipeline"], summary="Move a prospect (refused without the outputs)",
                   request=MoveSerializer,
                   responses={200: ProspectSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        prospect = self.get_object()
        serializer = MoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        stage = Stage.objects.filter(pk=data["stage"], is_active=True).first()
        if stage is None:
            raise DRFValidationError({"stage": ["Choose an enabled stage."]})
        services.prospect_move(actor=request.user, prospect=prospect, to_stage=stage,
                               next_action=data.get("next_action"),
                               next_action_on=_check_date(data.get("next_action_on")))
        return Response(ProspectSerializer(self._fresh(prospect)).data)

    @extend_schema(tags=["pipeline"], summary="Close as won: the customer becomes active",
                   request=EmptySerializer,
                   responses={200: ProspectSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def won(self, request, pk=None):
        prospect = self.get_object()
        EmptySerializer(data=request.data).is_valid(raise_exception=True)
        services.prospect_close_won(actor=request.user, prospect=prospect)
        return Response(ProspectSerializer(self._fresh(prospect)).data)

    @extend_schema(tags=["pipeline"], summary="Close as lost, with a reason",
                   request=LostSerializer,
                   responses={200: ProspectSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def lost(self, request, pk=None):
        prospect = self.get_object()
        serializer = LostSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.prospect_close_lost(actor=request.user, prospect=prospect,
                                     **serializer.validated_data)
        return Response(ProspectSerializer(self._fresh(prospect)).data)

    @extend_schema(methods=["get"], tags=["pipeline"], summary="A prospect's output records",
                   responses={200: OutputSerializer(many=True), 404: NOT_FOUND})
    @extend_schema(methods=["post"], tags=["pipeline"],
                   summary="Record the current stage's output",
                   request={"application/json": OutputCreateSerializer,
                            "multipart/form-data": OutputCreateSerializer},
                   responses={201: OutputSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def outputs(self, request, pk=None):
        prospect = self.get_object()
        if request.method == "GET":
            records = OutputRecord.objects.filter(prospect=prospect).select_related(
                "stage", "created_by")
            return Response(OutputSerializer(records, many=True).data)
        serializer = OutputCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.output_add(actor=request.user, prospect=prospect,
                                     text=serializer.validated_data["text"],
                                     attachment=serializer.validated_data.get("attachment"))
        return Response(OutputSerializer(record).data, status=201)


class FunnelStageSerializer(serializers.Serializer):
    stage = serializers.IntegerField(source="stage.pk")
    name = serializers.CharField(source="stage.__str__")
    reached = serializers.IntegerField()
    of_entered = serializers.FloatField(allow_null=True)
    conversion = serializers.FloatField(allow_null=True)
    stays = serializers.IntegerField()
    median_days = serializers.FloatField(allow_null=True)
    mean_days = serializers.FloatField(allow_null=True)


class FunnelGroupSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    entered = serializers.IntegerField()
    reached = serializers.ListField(child=serializers.IntegerField())
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True)
    lost_reasons = serializers.DictField(child=serializers.IntegerField())


class FunnelSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    group = serializers.CharField(allow_null=True)
    stages = FunnelStageSerializer(many=True)
    total = FunnelGroupSerializer()
    groups = FunnelGroupSerializer(many=True)
    definitions = serializers.DictField(child=serializers.CharField())


class FunnelView(APIView):
    """Funnel analytics over a period (definitions in the answer), in the caller's scope."""

    @extend_schema(tags=["pipeline"], summary="Funnel: reached, conversion, time, win rate",
                   parameters=[
                       OpenApiParameter("date_from", OpenApiTypes.DATE,
                                        description="default: 89 days before date_to"),
                       OpenApiParameter("date_to", OpenApiTypes.DATE, description="default: today"),
                       OpenApiParameter("group", OpenApiTypes.STR,
                                        enum=list(selectors.GROUPS))],
                   responses={200: FunnelSerializer, 400: BAD_INPUT})
    def get(self, request):
        import datetime

        from django.utils import timezone

        _viewer(request)
        try:
            date_from, date_to = parse_period(request.query_params.get("date_from"),
                                              request.query_params.get("date_to"),
                                              max_days=MAX_PERIOD_DAYS)
        except DjangoValidationError as exc:
            raise DRFValidationError(exc.message_dict) from exc
        date_to = date_to or timezone.localdate()
        date_from = date_from or date_to - datetime.timedelta(days=89)
        if date_from > date_to or (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
            raise DRFValidationError({"date_from": ["Choose a period of at most 366 days "
                                                    "ending on or after its start."]})
        group = request.query_params.get("group") or None
        if group is not None and group not in selectors.GROUPS:
            raise DRFValidationError({"group": ["Unknown grouping."]})
        report = selectors.funnel(user=request.user, date_from=date_from, date_to=date_to,
                                  group=group)
        return Response(FunnelSerializer(report).data)
