"""REST API of evaluation and classification (mounted under /api/v1/).

  GET  scoring-models/, scoring-models/<id>/        models with indicators and grade bands
  POST scoring-models/, PUT scoring-models/<id>/    define one (administrators; all or nothing)
  DELETE scoring-models/<id>/                       (administrators; not the one in use)
  GET  evaluations/?customer=&grade=                customers' scores, every indicator's line
  GET  class-proposals/?status=&customer=           class changes, with their reasons
  POST class-proposals/<id>/approve | /refuse       the supervisor's decision
  GET  evaluation-runs/, POST evaluation-runs/      runs, start one (administrators)
  POST evaluation-values/                           a value entered by hand for a customer
All customer data within the caller's scope (core.scoping); outside it, 404.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from outletcrm.core import scoping
from outletcrm.core.api import IdField, StrictFieldsMixin
from outletcrm.core.params import parse_id
from outletcrm.customers.models import Customer
from outletcrm.evaluation import selectors, services
from outletcrm.evaluation.choices import Dimension, Direction, ProposalStatus
from outletcrm.evaluation.models import (
    ClassProposal,
    Evaluation,
    EvaluationRun,
    GradeBand,
    Indicator,
    ScoringModel,
)
from outletcrm.evaluation.reasons import reason_lines

NOT_FOUND = OpenApiResponse(description="Not found, or outside your data scope.")
BAD_INPUT = OpenApiResponse(description="Invalid input; every problem named, nothing written.")
FORBIDDEN = OpenApiResponse(description="You may not do this.")
TAGS = ["evaluation"]


class IndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["code", "name", "dimension", "source", "source_key", "weight", "standard",
                  "direction", "cap", "unit"]


class BandSerializer(serializers.ModelSerializer):
    customer_class = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = GradeBand
        fields = ["grade", "min_score", "customer_class"]


class ScoringModelSerializer(serializers.ModelSerializer):
    indicators = IndicatorSerializer(many=True, read_only=True)
    bands = BandSerializer(many=True, read_only=True)

    class Meta:
        model = ScoringModel
        fields = ["id", "name", "description", "is_active", "version", "updated_at",
                  "indicators", "bands"]
        read_only_fields = fields


class IndicatorInput(StrictFieldsMixin, serializers.Serializer):
    code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    name = serializers.CharField(max_length=80)
    dimension = serializers.ChoiceField(choices=Dimension.choices, default=Dimension.OTHER)
    source = serializers.CharField(max_length=30,
                                   help_text="archive, orders, payments, manual, or a source "
                                             "another app registered")
    source_key = serializers.CharField(max_length=60)
    weight = serializers.DecimalField(max_digits=6, decimal_places=2)
    standard = serializers.DecimalField(max_digits=16, decimal_places=2)
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.HIGHER)
    cap = serializers.DecimalField(max_digits=4, decimal_places=2, default=1)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class BandInput(StrictFieldsMixin, serializers.Serializer):
    grade = serializers.CharField(max_length=20)
    min_score = serializers.DecimalField(max_digits=6, decimal_places=2)
    customer_class = IdField(required=False, allow_null=True, default=None,
                             help_text="an importance class id (key, ordinary, potential)")


class ScoringModelInput(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                        default="")
    is_active = serializers.BooleanField(required=False, default=False)
    indicators = IndicatorInput(many=True, max_length=60)
    bands = BandInput(many=True, max_length=20)


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="Scoring models"),
    retrieve=extend_schema(tags=TAGS, summary="A scoring model",
                           responses={200: ScoringModelSerializer, 404: NOT_FOUND}),
    create=extend_schema(tags=TAGS, summary="Define a scoring model (administrators)",
                         request=ScoringModelInput,
                         responses={201: ScoringModelSerializer, 400: BAD_INPUT,
                                    403: FORBIDDEN}),
    update=extend_schema(tags=TAGS, summary="Redefine a scoring model (administrators)",
                         request=ScoringModelInput,
                         responses={200: ScoringModelSerializer, 400: BAD_INPUT,
                                    403: FORBIDDEN, 404: NOT_FOUND}),
    destroy=extend_schema(tags=TAGS, summary="Delete a scoring model (administrators)",
                          responses={204: None, 400: BAD_INPUT, 403: FORBIDDEN,
                                     404: NOT_FOUND}),
)
class ScoringModelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, mixins.UpdateModelMixin,
                          mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Scoring models (评价模型): everyone reads them; administrators define them."""

    serializer_class = ScoringModelSerializer
    http_method_names = ["get", "post", "put", "delete", "head", "options"]

    def get_queryset(self):
        return ScoringModel.objects.prefetch_related("indicators", "bands").order_by("pk")

    def _save(self, request, instance=None):
        if not scoping.can_manage_scoring_models(request.user):
            raise DjangoPermissionDenied(_("Only administrators define scoring models."))
        data = ScoringModelInput(data=request.data)
        data.is_valid(raise_exception=True)
        return services.scoring_model_save(actor=request.user, scoring_model=instance,
                                           **data.validated_data)

    def create(self, request, *args, **kwargs):
        model = self._save(request)
        return Response(ScoringModelSerializer(self.get_queryset().get(pk=model.pk)).data,
                        status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        model = self._save(request, self.get_object())
        return Response(ScoringModelSerializer(self.get_queryset().get(pk=model.pk)).data)

    def destroy(self, request, *args, **kwargs):
        services.scoring_model_delete(actor=request.user, scoring_model=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class LineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    dimension = serializers.CharField()
    source = serializers.CharField()
    source_key = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    weight = serializers.CharField(help_text="as entered")
    effective_weight = serializers.FloatField(help_text="scaled so the weights sum to 100")
    standard = serializers.CharField()
    cap = serializers.CharField()
    actual = serializers.FloatField(allow_null=True)
    ratio = serializers.FloatField(allow_null=True)
    points = serializers.FloatField()
    max_points = serializers.FloatField()
    status = serializers.CharField(help_text="scored, capped, missing, zero_standard")


class EvaluationSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    model_version = serializers.IntegerField(source="model_version.version", read_only=True)
    lines = LineSerializer(many=True, source="indicator_lines", read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "customer", "customer_name", "customer_code", "scoring_model",
                  "model_version", "total", "grade", "lines", "value_12m", "orders_12m",
                  "last_order", "computed_on", "computed_at"]
        read_only_fields = fields


CUSTOMER_PARAM = OpenApiParameter("customer", OpenApiTypes.INT, description="a customer id")


def _customer_param(request):
    try:
        return parse_id(request.query_params.get("customer"), field="customer")
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"customer": exc.messages}) from exc


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="Customers' evaluations in your scope",
                       parameters=[CUSTOMER_PARAM, OpenApiParameter("grade", OpenApiTypes.STR)]),
    retrieve=extend_schema(tags=TAGS, summary="An evaluation with every indicator's line",
                           responses={200: EvaluationSerializer, 404: NOT_FOUND}),
)
class EvaluationViewSet(viewsets.ReadOnlyModelViewSet):
    """Evaluations (评价) under the model in use: actual value, standard, points, total."""

    serializer_class = EvaluationSerializer

    def get_queryset(self):
        if self.action != "list":
            return selectors.evaluation_list(user=self.request.user)
        grade = (self.request.query_params.get("grade") or "")[:20] or None
        return selectors.evaluation_list(user=self.request.user,
                                         customer_id=_customer_param(self.request), grade=grade)


class ProposalSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = ClassProposal
        fields = ["id", "customer", "customer_name", "customer_code", "change_class",
                  "from_class", "to_class", "change_abc", "from_abc", "to_abc", "facts",
                  "reasons", "status", "proposed_at", "decided_by", "decided_at", "note"]
        read_only_fields = fields

    def get_reasons(self, proposal) -> list[str]:
        return reason_lines(proposal)


class DecideSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                 help_text="why (required when refusing)")


STATUS_PARAM = OpenApiParameter("status", OpenApiTypes.STR,
                                enum=[*ProposalStatus.values, "all"],
                                description="pending (default), approved, applied, refused, "
                                            "withdrawn or all")


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="Class proposals in your scope",
                       parameters=[STATUS_PARAM, CUSTOMER_PARAM]),
    retrieve=extend_schema(tags=TAGS, summary="A class proposal with its reasons",
                           responses={200: ProposalSerializer, 404: NOT_FOUND}),
)
class ClassProposalViewSet(viewsets.ReadOnlyModelViewSet):
    """Proposed class changes (dynamic classification), decided by the supervisor."""

    serializer_class = ProposalSerializer

    def get_queryset(self):
        if self.action != "list":
            return selectors.proposal_list(user=self.request.user, status=None)
        value = self.request.query_params.get("status") or ProposalStatus.PENDING
        if value not in ProposalStatus.values and value != "all":
            raise serializers.ValidationError({"status": ["Unknown status."]})
        return selectors.proposal_list(user=self.request.user,
                                       status=None if value == "all" else value,
                                       customer_id=_customer_param(self.request))

    def _decide(self, request, service):
        proposal = self.get_object()
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = service(actor=request.user, proposal=proposal, **data.validated_data)
        return Response(ProposalSerializer(selectors.proposal_get(user=request.user,
                                                                  pk=proposal.pk)).data)

    @extend_schema(tags=TAGS, summary="Approve a class change (applies it)",
                   request=DecideSerializer,
                   responses={200: ProposalSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, services.proposal_approve)

    @extend_schema(tags=TAGS, summary="Refuse a class change (with a note)",
                   request=DecideSerializer,
                   responses={200: ProposalSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._decide(request, services.proposal_refuse)


class RunSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationRun
        fields = ["id", "kind", "day", "started_at", "seconds", "customers", "proposed",
                  "applied", "withdrawn", "scoring_model", "model_version", "started_by"]
        read_only_fields = fields


class RunInput(StrictFieldsMixin, serializers.Serializer):
    full = serializers.BooleanField(required=False, allow_null=True, default=None,
                                    help_text="true: every customer; false: those changed "
                                              "since the last run; absent: decided by the "
                                              "run (everyone after a model change)")


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="Evaluation runs (administrators)"),
    retrieve=extend_schema(tags=TAGS, summary="An evaluation run (administrators)",
                           responses={200: RunSerializer, 404: NOT_FOUND}),
    create=extend_schema(tags=TAGS, summary="Run evaluation and classification now "
                                            "(administrators)",
                         request=RunInput,
                         responses={201: RunSerializer, 400: BAD_INPUT, 403: FORBIDDEN}),
)
class EvaluationRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The run log: administrators only (core.scoping.can_see_evaluation_runs). Anyone else
    is refused the list (403) and finds no run by id (404)."""

    serializer_class = RunSerializer

    def get_queryset(self):
        return selectors.run_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        if not scoping.can_see_evaluation_runs(request.user):
            raise DjangoPermissionDenied(_("Only administrators see the evaluation runs."))
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        if not scoping.can_manage_scoring_models(request.user):
            raise DjangoPermissionDenied(_("Only administrators start an evaluation run."))
        data = RunInput(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.evaluate(full=data.validated_data["full"], actor=request.user)
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


class ManualValueInput(StrictFieldsMixin, serializers.Serializer):
    customer = IdField()
    key = serializers.SlugField(max_length=60, help_text="the source_key of a hand-entered "
                                                         "indicator")
    value = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True,
                                     min_value=0, help_text="null clears the value")


@extend_schema(tags=TAGS, summary="Enter a value by hand for a customer (re-scores it)",
               request=ManualValueInput,
               responses={200: EvaluationSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                          404: NOT_FOUND})
class ManualValueViewSet(viewsets.GenericViewSet):
    serializer_class = ManualValueInput

    def create(self, request, *args, **kwargs):
        data = ManualValueInput(data=request.data)
        data.is_valid(raise_exception=True)
        customer = scoping.get_in_scope(Customer.objects.all(), request.user,
                                        pk=data.validated_data["customer"])
        services.manual_value_set(actor=request.user, customer=customer,
                                  key=data.validated_data["key"],
                                  value=data.validated_data["value"])
        services.evaluate(customer_ids=[customer.pk], actor=request.user)
        evaluation = selectors.evaluation_list(user=request.user,
                                               customer_id=customer.pk).first()
        if evaluation is None:
            return Response({"detail": _("No scoring model is in use.")},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response(EvaluationSerializer(evaluation).data)
