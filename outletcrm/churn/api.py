"""REST API of the churn watch: flags in the caller's scope, and handling one.

`GET /api/v1/churn-flags/` lists flags (open ones unless `?status=handled|cleared|all`,
`?customer=<id>`), `GET /api/v1/churn-flags/<id>/` one flag (404 outside the scope), and
`POST /api/v1/churn-flags/<id>/handle` records the outcome.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from outletcrm.churn import selectors, services
from outletcrm.churn.choices import FlagStatus, Outcome
from outletcrm.churn.models import ChurnFlag
from outletcrm.core.api import StrictFieldsMixin
from outletcrm.core.params import parse_id

NOT_FOUND = OpenApiResponse(description="Not found, or outside your data scope.")
BAD_INPUT = OpenApiResponse(description="Invalid input; field errors, nothing was written.")


class ChurnFlagSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    owner = serializers.IntegerField(source="customer.owner_id", read_only=True)
    evidence_text = serializers.ListField(child=serializers.CharField(),
                                          source="evidence_lines", read_only=True)
    evidence = serializers.DictField(read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True,
                                    help_text="interval, value_drop")
    outcome = serializers.CharField(read_only=True,
                                    help_text="contacted, ordered, lost, other; empty while open")

    class Meta:
        model = ChurnFlag
        fields = ["id", "customer", "customer_name", "customer_code", "owner", "raised_on",
                  "reasons", "evidence", "evidence_text", "status", "outcome", "note",
                  "handled_by", "handled_at", "cleared_on"]
        read_only_fields = fields


class HandleSerializer(StrictFieldsMixin, serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


STATUS_PARAM = OpenApiParameter("status", OpenApiTypes.STR, enum=[*FlagStatus.values, "all"],
                                description="open (default), handled, cleared or all")
CUSTOMER_PARAM = OpenApiParameter("customer", OpenApiTypes.INT, description="a customer id")


@extend_schema_view(
    list=extend_schema(tags=["churn"], summary="Churn flags in your scope",
                       parameters=[STATUS_PARAM, CUSTOMER_PARAM]),
    retrieve=extend_schema(tags=["churn"], summary="A churn flag with its evidence",
                           responses={200: ChurnFlagSerializer, 404: NOT_FOUND}),
)
class ChurnFlagViewSet(viewsets.ReadOnlyModelViewSet):
    """Churn flags (流失预警) of customers in the caller's data scope."""

    serializer_class = ChurnFlagSerializer

    def get_queryset(self):
        if self.action != "list":
            return selectors.flag_list(user=self.request.user, status=None)
        status = self.request.query_params.get("status") or FlagStatus.OPEN
        if status not in FlagStatus.values and status != "all":
            raise serializers.ValidationError({"status": ["Unknown status."]})
        try:
            customer_id = parse_id(self.request.query_params.get("customer"), field="customer")
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"customer": exc.messages}) from exc
        return selectors.flag_list(user=self.request.user,
                                   status=None if status == "all" else status,
                                   customer_id=customer_id)

    @extend_schema(tags=["churn"], summary="Record what was done about an open flag",
                   request=HandleSerializer,
                   responses={200: ChurnFlagSerializer, 400: BAD_INPUT,
                              403: OpenApiResponse(description="You may not handle it."),
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        flag = self.get_object()
        serializer = HandleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        flag = services.flag_handle(actor=request.user, flag=flag, **serializer.validated_data)
        return Response(ChurnFlagSerializer(selectors.flag_get(user=request.user,
                                                               pk=flag.pk)).data)
