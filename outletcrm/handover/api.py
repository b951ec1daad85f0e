"""REST API of handovers (/api/v1/handovers/).

`POST /api/v1/handovers/preview/` answers what a handover would move (nothing is written);
`POST /api/v1/handovers/` runs it in one transaction (201 with the record); `GET` lists and
reads the handovers of reps in the caller's field scope. Supervisors of both reps' teams,
managers above them and administrators only (403 otherwise).
"""

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from outletcrm.core import scoping
from outletcrm.core.api import IdField, StrictFieldsMixin
from outletcrm.customers.choices import Status
from outletcrm.handover import selectors, services
from outletcrm.handover.choices import SplitMode
from outletcrm.handover.models import Handover, HandoverMove
from outletcrm.org.models import Role, User

NOT_FOUND = OpenApiResponse(description="Not found, or outside your field scope.")


class AssignmentSerializer(StrictFieldsMixin, serializers.Serializer):
    customer = IdField()
    rep = IdField()


class HandoverRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    """Whose customers, which of them, to whom, how split."""

    from_rep = IdField(help_text="The departing or moving rep (user id).")
    to_reps = serializers.ListField(child=IdField(), min_length=1,
                                    max_length=services.MAX_TARGETS,
                                    help_text="The receiving reps (user ids).")
    region = IdField(required=False, allow_null=True,
                     help_text="Only customers of this region and its sub-regions.")
    customer_class = IdField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True)
    customers = serializers.ListField(child=IdField(), required=False,
                                      max_length=services.MAX_IDS,
                                      help_text="Only these customers (ids).")
    mode = serializers.ChoiceField(choices=SplitMode.choices, default=SplitMode.EVEN,
                                   help_text="`even`: near-equal runs of neighbouring outlets; "
                                   "`choice`: `assignments`, the rest split evenly.")
    assignments = AssignmentSerializer(many=True, required=False, max_length=services.MAX_IDS)
    deactivate = serializers.BooleanField(
        default=False, help_text="Deactivate the departing rep (sessions and token end).")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                   default="")

    def people(self, *, actor) -> tuple[User, list[User]]:
        """The reps named, inside the caller's field scope (403 for anyone else)."""
        data = self.validated_data
        ids = [data["from_rep"], *data["to_reps"]]
        found = {u.pk: u for u in scoping.restrict_to_reps(
            User.objects.select_related("team").filter(
                pk__in=ids, role__in=[Role.REP, Role.SUPERVISOR]), actor, via="")}
        if any(pk not in found for pk in ids):
            raise PermissionDenied(
                "Only a supervisor of both reps, a manager above them or an administrator "
                "can hand customers over.")
        return found[data["from_rep"]], [found[pk] for pk in dict.fromkeys(data["to_reps"])]

    def selection(self) -> dict:
        data = self.validated_data
        selection = {"region": data.get("region"), "customer_class": data.get("customer_class"),
                     "status": data.get("status") or "", "customer_ids": data.get("customers"),
                     "mode": data["mode"]}
        if data.get("assignments"):
            selection["assignments"] = {a["customer"]: a["rep"] for a in data["assignments"]}
        return selection


class CountsSerializer(serializers.Serializer):
    customers = serializers.IntegerField()
    tasks = serializers.IntegerField()
    stops = serializers.IntegerField()
    routes = serializers.IntegerField()
    complaints = serializers.IntegerField()


class RepCountsSerializer(CountsSerializer):
    rep = serializers.IntegerField()
    rep_name = serializers.CharField()


class PreviewSerializer(serializers.Serializer):
    from_rep = serializers.IntegerField()
    per_rep = RepCountsSerializer(many=True)
    total = CountsSerializer()
    moves = AssignmentSerializer(many=True)


class HandoverListSerializer(serializers.ModelSerializer):
    from_rep_name = serializers.StringRelatedField(source="from_rep", read_only=True)
    created_by_name = serializers.StringRelatedField(source="created_by", read_only=True)
    counts = CountsSerializer(read_only=True)

    class Meta:
        model = Handover
        fields = ["id", "from_rep", "from_rep_name", "created_by", "created_by_name",
                  "created_at", "reason", "deactivated", "counts"]
        read_only_fields = fields


class HandoverSerializer(HandoverListSerializer):
    """A handover with each customer and the rep it went to."""

    moves = serializers.SerializerMethodField()

    class Meta(HandoverListSerializer.Meta):
        fields = [*HandoverListSerializer.Meta.fields, "moves"]
        read_only_fields = fields

    @extend_schema_field(AssignmentSerializer(many=True))
    def get_moves(self, handover) -> list[dict]:
        return [{"customer": c, "rep": r} for c, r in HandoverMove.objects.filter(
            handover=handover).values_list("customer_id", "to_rep_id")]


def _preview_payload(plan: services.HandoverPlan, *, deactivate: bool) -> dict:
    counts = plan.counts(deactivate=deactivate)
    return {
        "from_rep": plan.from_rep.pk,
        "per_rep": [{"rep": rep.pk, "rep_name": str(rep), **c} for rep, c in counts["per_rep"]],
        "total": counts["total"],
        "moves": [{"customer": c, "rep": r} for c, r in plan.moves.items()],
    }


@extend_schema_view(
    list=extend_schema(tags=["handover"], summary="Handovers of reps in your field scope",
                       responses=HandoverListSerializer(many=True)),
    retrieve=extend_schema(tags=["handover"], summary="A handover and where each customer went",
                           responses={200: HandoverSerializer, 404: NOT_FOUND}),
)
class HandoverViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Hand a rep's customers, with their open work, to other reps (交接)."""

    serializer_class = HandoverSerializer

    def get_queryset(self):
        return selectors.handover_list(user=self.request.user).order_by("-created_at", "-pk")

    def get_serializer_class(self):
        if self.action == "list":
            return HandoverListSerializer
        return HandoverSerializer

    def _request(self, request) -> tuple[HandoverRequestSerializer, User, list[User]]:
        if not scoping.is_field_supervisor(request.user):
            raise PermissionDenied("Only supervisors, managers and administrators hand "
                                   "customers over.")
        body = HandoverRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        from_rep, to_reps = body.people(actor=request.user)
        return body, from_rep, to_reps

    @extend_schema(tags=["handover"], summary="Preview a handover: what would move to whom",
                   request=HandoverRequestSerializer, responses={200: PreviewSerializer})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        body, from_rep, to_reps = self._request(request)
        plan = services.handover_plan(actor=request.user, from_rep=from_rep, to_reps=to_reps,
                                      **body.selection())
        return Response(_preview_payload(plan, deactivate=body.validated_data["deactivate"]))

    @extend_schema(tags=["handover"], summary="Hand a rep's customers over (one transaction)",
                   request=HandoverRequestSerializer, responses={201: HandoverSerializer})
    def create(self, request):
        body, from_rep, to_reps = self._request(request)
        handover = services.handover_run(
            actor=request.user, from_rep=from_rep, to_reps=to_reps,
            deactivate=body.validated_data["deactivate"], reason=body.validated_data["reason"],
            channel="api", **body.selection())
        return Response(HandoverSerializer(handover).data, status=status.HTTP_201_CREATED)
