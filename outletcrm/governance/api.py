"""REST API of archive governance (mounted under /api/v1/).

- `GET /duplicate-pairs/` the custodian's desk (open pairs in the regions they keep; 404 for
  every pair to anyone else), `GET /duplicate-pairs/<id>/`, `POST /duplicate-pairs/scan`,
  `POST /duplicate-pairs/<id>/merge` `{"survivor": "a"|"b", "chosen": {field: "a"|"b"}}`,
  `POST /duplicate-pairs/<id>/dismiss` `{"note": …}` (not a duplicate: never raised again);
- `GET /archive-changes/` the caller's approval inbox, `POST /archive-changes/<id>/approve`,
  `POST /archive-changes/<id>/refuse` `{"reason": …}`;
- `GET /archive-deletions/` tombstones, `POST /archive-deletions/` `{"customer": id,
  "reason": …}` deletes a record created in error (administrators).
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from outletcrm.core import scoping
from outletcrm.core.api import IdField, StrictFieldsMixin
from outletcrm.core.jobs import run_job, today
from outletcrm.customers import selectors as customer_selectors
from outletcrm.governance import selectors, services
from outletcrm.governance.forms import MERGE_FIELDS
from outletcrm.governance.models import DuplicatePair, PendingChange, Tombstone

NOT_FOUND = OpenApiResponse(description="Not found, or outside your desk or inbox.")
BAD_INPUT = OpenApiResponse(description="Invalid input; field errors, nothing was written.")
FORBIDDEN = OpenApiResponse(description="You may not do this.")
TAGS = ["governance"]


class PairCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField(source="full_address")
    phone = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id")


class DuplicatePairSerializer(serializers.ModelSerializer):
    customer_a = PairCustomerSerializer(read_only=True)
    customer_b = PairCustomerSerializer(read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True,
                                    help_text="phone, name_address, nearby_name")

    class Meta:
        model = DuplicatePair
        fields = ["id", "customer_a", "customer_b", "reasons", "distance_m", "status",
                  "found_at", "decided_by", "decided_at", "note"]
        read_only_fields = fields


class PairMergeSerializer(StrictFieldsMixin, serializers.Serializer):
    survivor = serializers.ChoiceField(choices=["a", "b"],
                                       help_text="the record that keeps its number")
    chosen = serializers.DictField(
        child=serializers.ChoiceField(choices=["a", "b"]), required=False, default=dict,
        help_text="for each field, whose value the kept record takes (others: the survivor's "
                  "values, its empty fields filled from the other)")

    def validate_chosen(self, value):
        unknown = sorted(set(value) - set(MERGE_FIELDS) - {"longitude"})
        if unknown:
            raise serializers.ValidationError(f"Unknown fields: {', '.join(unknown)[:200]}")
        return value


class DismissSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ScanSerializer(serializers.Serializer):
    found = serializers.IntegerField()
    new = serializers.IntegerField()
    updated = serializers.IntegerField()
    cleared = serializers.IntegerField()
    open = serializers.IntegerField()


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="Suspected duplicates on your desk"),
    retrieve=extend_schema(tags=TAGS, summary="A suspected duplicate pair",
                           responses={200: DuplicatePairSerializer, 404: NOT_FOUND}),
)
class DuplicatePairViewSet(viewsets.ReadOnlyModelViewSet):
    """The custodian's desk (custodians: the regions they keep; administrators: all)."""

    serializer_class = DuplicatePairSerializer

    def get_queryset(self):
        if not scoping.can_work_desk(self.request.user):
            return DuplicatePair.objects.none()
        return selectors.pair_list(user=self.request.user,
                                   status=None if self.action != "list" else "open")

    @extend_schema(tags=TAGS, summary="Scan the archive for duplicates now", request=None,
                   responses={200: ScanSerializer, 404: NOT_FOUND})
    @action(detail=False, methods=["post"])
    def scan(self, request):
        if not scoping.can_work_desk(request.user):
            raise Http404
        summary = run_job("duplicates-scan", today(), services.duplicates_scan, force=True)
        return Response({k: summary.get(k, 0) for k in ScanSerializer().fields})

    @extend_schema(tags=TAGS, summary="Merge a pair field by field", request=PairMergeSerializer,
                   responses={200: CustomerRefSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        pair = self.get_object()
        body = PairMergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kept = services.pair_merge(actor=request.user, pair=pair, channel="api",
                                   survivor=body.validated_data["survivor"],
                                   chosen=body.validated_data["chosen"])
        return Response({"id": kept.pk, "code": kept.code})

    @extend_schema(tags=TAGS, summary="Mark a pair as not a duplicate", request=DismissSerializer,
                   responses={200: DuplicatePairSerializer, 400: BAD_INPUT, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        pair = self.get_object()
        body = DismissSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pair = services.pair_dismiss(actor=request.user, pair=pair, channel="api",
                                     note=body.validated_data["note"])
        return Response(DuplicatePairSerializer(selectors.pair_get(user=request.user,
                                                                   pk=pair.pk)).data)


class PendingChangeSerializer(serializers.ModelSerializer):
    requested_by = serializers.IntegerField(source="requested_by_id", read_only=True)
    proposed = serializers.DictField(read_only=True)
    before = serializers.DictField(read_only=True)

    class Meta:
        model = PendingChange
        fields = ["id", "kind", "customer", "name", "proposed", "before", "region", "team",
                  "requested_by", "requested_at", "status", "decided_by", "decided_at",
                  "reason", "created_customer"]
        read_only_fields = fields


class RefuseSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=300)


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="Your approval inbox (changes waiting for you)"),
    retrieve=extend_schema(tags=TAGS, summary="A held change",
                           responses={200: PendingChangeSerializer, 404: NOT_FOUND}),
)
class PendingChangeViewSet(viewsets.ReadOnlyModelViewSet):
    """Changes to the archive held for approval that the caller may decide."""

    serializer_class = PendingChangeSerializer

    def get_queryset(self):
        return selectors.approval_inbox(user=self.request.user,
                                        status="pending" if self.action == "list" else None)

    @extend_schema(tags=TAGS, summary="Approve: the change takes effect", request=None,
                   responses={200: PendingChangeSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        pending = services.pending_approve(actor=request.user, pending=self.get_object(),
                                           channel="api")
        return Response(PendingChangeSerializer(pending).data)

    @extend_schema(tags=TAGS, summary="Refuse with a reason: nothing changes",
                   request=RefuseSerializer,
                   responses={200: PendingChangeSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        pending = self.get_object()
        body = RefuseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pending = services.pending_refuse(actor=request.user, pending=pending, channel="api",
                                          reason=body.validated_data["reason"])
        return Response(PendingChangeSerializer(pending).data)


class TombstoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tombstone
        fields = ["id", "customer_id", "code", "name", "reason", "deleted_by", "deleted_at"]
        read_only_fields = fields


class DeletionSerializer(StrictFieldsMixin, serializers.Serializer):
    customer = IdField()
    reason = serializers.CharField(max_length=300)


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="Customer records deleted as created in error"),
    create=extend_schema(tags=TAGS, summary="Delete a record created in error (administrators)",
                         request=DeletionSerializer,
                         responses={201: TombstoneSerializer, 400: BAD_INPUT, 404: NOT_FOUND}),
)
class DeletionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Tombstones of deleted records; administrators delete records created in error."""

    serializer_class = TombstoneSerializer

    def get_queryset(self):
        return selectors.tombstone_list(user=self.request.user)

    def create(self, request):
        if not scoping.can_delete_customer(request.user):
            raise Http404
        body = DeletionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = customer_selectors.customer_get(user=request.user,
                                                   pk=body.validated_data["customer"])
        tombstone = services.customer_delete_in_error(
            actor=request.user, customer=customer, reason=body.validated_data["reason"],
            channel="api")
        return Response(TombstoneSerializer(tombstone).data, status=status.HTTP_201_CREATED)
