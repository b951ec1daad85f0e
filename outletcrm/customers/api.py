"""REST API v1 of the customer archive: thin views over customers.selectors and services."""

import base64
import dataclasses
import threading

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.http import parse_etags
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
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from outletcrm.core import scoping
from outletcrm.core.accesslog import Action, access_record
from outletcrm.core.api import XLSX_MEDIA_TYPE, ScopedQuerysetMixin, XlsxRenderer, xlsx_response
from outletcrm.core.logins import client_ip
from outletcrm.customers import exports, gates, importexport, privacy, selectors, services
from outletcrm.customers.dedupe import DuplicateMatch
from outletcrm.customers.models import (
    CompetitorEntry,
    Contact,
    Customer,
    CustomerClass,
    OutletType,
    Tag,
)
from outletcrm.customers.selectors import CustomerFilters
from outletcrm.customers.serializers import (
    ArchiveSerializer,
    ChangeLogSerializer,
    CompetitorSerializer,
    ContactSerializer,
    CustomerCardRepresentation,
    CustomerClassSerializer,
    CustomerFilterSerializer,
    CustomerListSerializer,
    CustomerSerializer,
    DuplicateConflictSerializer,
    ImportRequestSerializer,
    ImportResultSerializer,
    MergeSerializer,
    OutletTypeSerializer,
    RevealRequestSerializer,
    RevealSerializer,
    TagSerializer,
    TimelineEntrySerializer,
    customer_list_data,
)
from outletcrm.org.models import User

FIELD_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT, description='Field-level errors: {"field": ["message", …]}.'
)
NOT_FOUND = OpenApiResponse(description="No such record in your data scope.")
_MESSAGES = {"type": "array", "items": {"type": "string"}}
IMPORT_REFUSED = OpenApiResponse(
    {
        "oneOf": [
            {"$ref": "#/components/schemas/ImportResult"},
            {
                "type": "object",
                "description": 'The request or the file itself was refused: {"file": ["…"]}.',
                "properties": {
                    "file": _MESSAGES,
                    "skip_invalid": _MESSAGES,
                    "non_field_errors": _MESSAGES,
                },
                "additionalProperties": False,
                "minProperties": 1,
            },
        ]
    },
    description="Nothing was imported: either the row-by-row report (some row is bad), or "
    "field errors when the request or the file as a whole cannot be used (not an .xlsx, "
    "too large, too many rows or columns, wrong headers…).",
)
DUPLICATE = OpenApiResponse(
    DuplicateConflictSerializer,
    description="The record duplicates existing customers; nothing was saved.",
)


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Optional. The ETag of the record as you read it (its `version` in quotes, "
    'e.g. `"7"`). With it, the change is refused with 412 if anyone changed the record since; '
    "without it, the change applies to whatever is stored now (last write wins).",
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description='The record\'s version in quotes, e.g. `"7"`; send it back as If-Match.',
)
HELD_FOR_APPROVAL = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='The archive policy holds new customers for approval: nothing is filed yet. '
    '{"detail": "…", "pending_change": <id>}; the approver files it.',
)
STALE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='If-Match did not match: someone changed the record since you read it; '
    'nothing was saved. {"detail": "…", "current": {the record as it is now}}, with its '
    "ETag header.",
)


def etag(record) -> str:
    """A record's strong ETag: its version in quotes."""
    return f'"{record.version}"'


def expected_version(request, record) -> int | None:
    """The version an If-Match header asks for: None without one (or with `*`); 0, which
    never matches, when none of its ETags is the record's current one."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    return record.version if etag(record) in parse_etags(header) else 0


class VersionedViewMixin:
    """ETag on reads and If-Match on writes for customers, contacts and competitor entries."""

    def stale_response(self, exc: services.StaleEditError) -> Response:
        if exc.current is None:
            raise NotFound(_("Not found."))
        serializer = self.get_serializer(exc.current)
        return Response(
            {"detail": str(exc), "current": serializer.data},
            status=status.HTTP_412_PRECONDITION_FAILED,
            headers={"ETag": etag(exc.current)},
        )

    def handle_exception(self, exc):
        if isinstance(exc, services.StaleEditError):
            return self.stale_response(exc)
        return super().handle_exception(exc)

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        return Response(self.get_serializer(record).data, headers={"ETag": etag(record)})


EXPORT_WAITING = inline_serializer("ExportWaiting", {
    "id": serializers.IntegerField(), "status": serializers.CharField(),
    "row_count": serializers.IntegerField(), "detail": serializers.CharField()})


def duplicates_payload(user: User, matches: list[DuplicateMatch]) -> list[dict]:
    """Duplicate matches as the caller may see them: id and name only for records in scope.

    The code is always given so the caller can ask the custodian about a record they cannot
    open; the name would tell them whose customer it is.
    """
    ids = {m.customer_id for m in matches}
    visible = (
        set(
            scoping.restrict(Customer.objects.filter(pk__in=ids), user).values_list("pk", flat=True)
        )
        if ids
        else set()
    )
    return [
        {
            "id": m.customer_id if m.customer_id in visible else None,
            "code": m.code,
            "name": m.name if m.customer_id in visible else None,
            "reason": m.reason,
            "reason_text": m.reason_text,
            "detail": m.detail,
        }
        for m in matches
    ]


_parsers = threading.local()


def filters_from(request) -> CustomerFilters:
    """The list/export filters from the query string (400 on a malformed value).

    Validated by one CustomerFilterSerializer per thread (issue 11: building a serializer's
    fields, a deep copy of each, cost the list more than validating them; validation keeps
    nothing on the serializer or its fields). A bad value goes through a new serializer's
    is_valid(), so the error body is DRF's own, in the request's language."""
    parser = getattr(_parsers, "filters", None)
    if parser is None:
        parser = _parsers.filters = CustomerFilterSerializer()
    try:
        data = parser.run_validation(request.query_params)
    except ValidationError:
        params = CustomerFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        raise
    return CustomerFilters(**data)


@extend_schema_view(
    list=extend_schema(
        summary="List and search customers",
        parameters=[CustomerFilterSerializer],
        responses=CustomerListSerializer(many=True),
    ),
    retrieve=extend_schema(
        summary="A customer's card",
        parameters=[ETAG],
        responses={200: CustomerSerializer, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Create a customer",
        description="The owner defaults to the caller. A record that matches an existing "
        "customer (same phone; same name and address; near-identical name within "
        "~100 m) is refused with 409 and the matches; the archive custodian may "
        'resend with "force_duplicate": true.',
        responses={201: CustomerSerializer, 202: HELD_FOR_APPROVAL, 400: FIELD_ERRORS,
                   409: DUPLICATE},
    ),
    update=extend_schema(
        summary="Change a customer",
        parameters=[IF_MATCH, ETAG],
        responses={
            200: CustomerSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 409: DUPLICATE,
            412: STALE,
        },
    ),
    partial_update=extend_schema(
        summary="Change some fields of a customer",
        parameters=[IF_MATCH, ETAG],
        responses={
            200: CustomerSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 409: DUPLICATE,
            412: STALE,
        },
    ),
)
class CustomerViewSet(VersionedViewMixin, viewsets.GenericViewSet):
    """Terminal customers in the caller's data scope. There is no DELETE: archive instead."""

    serializer_class = CustomerSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        return selectors.customer_queryset(self.request.user)

    def get_object(self) -> Customer:
        """The full card, or 404 for a record that is missing or outside the caller's scope."""
        return selectors.customer_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_customer(self) -> Customer:
        """The bare record (no related rows), or 404 as for get_object()."""
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def card(self, customer: Customer) -> dict:
        return self.get_serializer(
            selectors.customer_get(user=self.request.user, pk=customer.pk)
        ).data

    def http_method_not_allowed(self, request, *args, **kwargs):
        if request.method == "DELETE":
            raise MethodNotAllowed(
                "DELETE",
                detail=_("Customers are never deleted: archive a former customer instead."),
            )
        return super().http_method_not_allowed(request, *args, **kwargs)

    def handle_exception(self, exc):
        if isinstance(exc, gates.ApprovalPending):
            # The archive policy holds new customers for approval (customers/gates.py).
            return Response({"detail": str(exc), "pending_change": exc.pending.pk},
                            status=status.HTTP_202_ACCEPTED)
        if isinstance(exc, services.DuplicateCustomerError):
            return Response(
                {
                    "detail": str(exc),
                    "duplicates": duplicates_payload(self.request.user, exc.matches),
                },
                status=status.HTTP_409_CONFLICT,
            )
        return super().handle_exception(exc)

    def retrieve(self, request, *args, **kwargs):
        # Read as plain values and turned into CustomerSerializer's output without model
        # instances or a serializer per request (issue 11; same body, byte for byte).
        card = selectors.customer_card_values(user=request.user, pk=self.kwargs["pk"])
        # 查询制度: a card read through the API is logged like a page view.
        access_record(request, customers=[card], action=Action.API_VIEW)
        return Response(CustomerCardRepresentation.get()(card, request),
                        headers={"ETag": etag(card)})

    def list(self, request):
        # Rows as tuples, not model instances (issue 11); CustomerListSerializer stays the
        # schema (extend_schema above) and customer_list_data gives its body.
        rows = selectors.customer_list_rows(user=request.user, filters=filters_from(request))
        page = self.paginate_queryset(rows)
        tags = selectors.customer_tag_names([row[0] for row in page])
        return self.get_paginated_response(customer_list_data(page, tags))

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = services.customer_create(actor=request.user, **serializer.service_fields())
        return Response(self.card(customer), status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        customer = self.get_object()
        serializer = self.get_serializer(customer, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        fields = serializer.service_fields()
        fields.pop("force_duplicate", None)  # the custodian's say-so applies on update anyway
        customer = services.customer_update(
            actor=request.user,
            customer=customer,
            expected_version=expected_version(request, customer),
            **fields,
        )
        data = self.card(customer)
        held = getattr(customer, "held_change", None)
        if held is not None:  # key fields wait for approval (customers/gates.py)
            data["held_for_approval"] = {"pending_change": held.pk,
                                         "fields": sorted(held.proposed)}
        return Response(data, headers={"ETag": etag(customer)})

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(
        summary="Archive a former customer",
        request=ArchiveSerializer,
        responses={200: CustomerSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        customer = self.get_customer()
        body = ArchiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.customer_archive(
            actor=request.user, customer=customer, reason=body.validated_data["reason"]
        )
        return Response(self.card(customer))

    @extend_schema(
        summary="Restore an archived customer",
        request=None,
        responses={200: CustomerSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        customer = self.get_customer()
        services.customer_restore(actor=request.user, customer=customer)
        return Response(self.card(customer))

    @extend_schema(
        summary="Merge another record into this one (archive custodian)",
        description="Every related record and the history of both end up on this customer; "
        "the other record is archived. Both ids must be in your scope.",
        request=MergeSerializer,
        responses={200: CustomerSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        keep = self.get_customer()
        body = MergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        other = get_object_or_404(self.get_queryset(), pk=body.validated_data["merge"])
        keep = services.customer_merge(actor=request.user, keep=keep, merge=other, channel="api")
        return Response(self.card(keep))

    @extend_schema(
        summary="Who changed what, when (newest first)", responses=ChangeLogSerializer(many=True)
    )
    @action(detail=True, methods=["get"], serializer_class=ChangeLogSerializer)
    def history(self, request, pk=None):
        customer = self.get_customer()
        # limit=None: the whole history, in pages, instead of the web card's latest entries.
        page = self.paginate_queryset(selectors.customer_history(customer=customer, limit=None))
        return self.get_paginated_response(ChangeLogSerializer(page, many=True).data)

    @extend_schema(
        summary="The customer's timeline (newest first)",
        responses=TimelineEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"], serializer_class=TimelineEntrySerializer)
    def timeline(self, request, pk=None):
        customer = self.get_customer()
        page = self.paginate_queryset(selectors.customer_timeline(customer=customer, limit=None))
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)

    # --- Excel import and export (customers.importexport does the work) -----------------

    @extend_schema(
        summary="Download the import template (.xlsx)",
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="import-template",
        filter_backends=[],
        renderer_classes=[JSONRenderer, XlsxRenderer],
    )
    def import_template(self, request):
        return xlsx_response(importexport.import_template(), "customer-import-template.xlsx")

    @extend_schema(
        summary="Import customers from .xlsx",
        description="Every row is validated first. By default nothing is imported if any row "
        "is bad (400 with the row-by-row report). With skip_invalid the valid rows "
        "go in (200) and the rejected ones come back as a workbook to fix and "
        "re-import. Duplicates of existing customers are reported, not imported.",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={200: ImportResultSerializer, 400: IMPORT_REFUSED},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
        serializer_class=ImportResultSerializer,
    )
    def import_customers(self, request):
        body = ImportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        try:
            result = importexport.import_customers(
                actor=request.user,
                fileobj=upload,
                filename=upload.name,
                skip_invalid=body.validated_data["skip_invalid"],
                channel="api",
            )
        except importexport.ImportFileError as exc:
            raise ValidationError({"file": [str(exc)]}) from exc
        report = {
            "ok": result.ok,
            "created_count": result.created_count,
            "errors": [dataclasses.asdict(error) for error in result.errors],
            "error_count": result.error_count,
            "duplicates": [
                {"row": d.row, "matches": duplicates_payload(request.user, d.matches)}
                for d in result.duplicates
            ],
            "duplicate_count": result.duplicate_count,
            "rejected_count": result.rejected_count,
            "rejected_workbook": base64.b64encode(result.rejected_workbook).decode("ascii")
            if result.rejected_workbook
            else None,
        }
        # Nothing went in (all-or-nothing refused the file, or every row was bad): 400.
        refused = not result.ok and not result.created_count
        return Response(
            report, status=status.HTTP_400_BAD_REQUEST if refused else status.HTTP_200_OK
        )

    @extend_schema(
        summary="Export customers to .xlsx",
        description="Exactly the customers the list shows you with the same filters, on one "
        "sheet, their contacts on another, watermarked with the caller and the time. Every "
        "export is recorded; one larger than EXPORT_APPROVAL_ROWS answers 202 and waits for "
        "the archive custodian (then GET /api/v1/exports/{id}/download once).",
        parameters=[CustomerFilterSerializer],
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY, 400: FIELD_ERRORS,
                   (202, "application/json"): EXPORT_WAITING},
    )
    @action(
        detail=False,
        methods=["get"],
        filter_backends=[],
        renderer_classes=[JSONRenderer, XlsxRenderer],
    )
    def export(self, request):
        outcome = exports.export_start(request=request, user=request.user,
                                       filters=filters_from(request), channel="api")
        if outcome.content is None:  # above EXPORT_APPROVAL_ROWS: waits for the custodian
            return Response({
                "id": outcome.export.pk, "status": outcome.export.status,
                "row_count": outcome.export.row_count,
                "detail": _("This export is larger than %(limit)s rows and waits for the "
                            "archive custodian's approval.") % {
                                "limit": settings.EXPORT_APPROVAL_ROWS},
            }, status=status.HTTP_202_ACCEPTED)
        content, count = outcome.content, outcome.export.row_count
        response = xlsx_response(content, f"customers-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
        response["X-Row-Count"] = str(count)
        return response


class CustomerChildViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Records that belong to one customer, at /customers/{customer_pk}/…/.

    The customer is looked up in the caller's scope first, so the records of a customer the
    caller may not see answer 404, even an empty list.
    """

    scope_via = "customer__"
    filter_backends: list = []

    def get_customer(self) -> Customer:
        if not hasattr(self, "_customer"):
            self._customer = get_object_or_404(
                selectors.customer_queryset(self.request.user), pk=self.kwargs["customer_pk"]
            )
        return self._customer

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no customer
            return self.queryset.none()
        return super().get_queryset().filter(customer=self.get_customer())


@extend_schema_view(
    retrieve=extend_schema(parameters=[ETAG]),
    create=extend_schema(responses={201: ContactSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND}),
    update=extend_schema(
        parameters=[IF_MATCH, ETAG],
        responses={200: ContactSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 412: STALE},
    ),
    partial_update=extend_schema(
        parameters=[IF_MATCH, ETAG],
        responses={200: ContactSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 412: STALE},
    ),
)
class ContactViewSet(VersionedViewMixin, CustomerChildViewSet):
    """A customer's contact people; every change is kept in the customer's history."""

    queryset = Contact.objects.select_related("customer").order_by("-is_primary", "pk")
    serializer_class = ContactSerializer

    def create(self, request, customer_pk=None):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact = services.contact_create(
            actor=request.user, customer=self.get_customer(), **serializer.validated_data
        )
        return Response(self.get_serializer(contact).data, status=status.HTTP_201_CREATED)

    def update(self, request, customer_pk=None, pk=None, partial=False):
        contact = self.get_object()
        serializer = self.get_serializer(contact, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        contact = services.contact_update(
            actor=request.user,
            contact=contact,
            expected_version=expected_version(request, contact),
            **serializer.validated_data,
        )
        return Response(self.get_serializer(contact).data, headers={"ETag": etag(contact)})

    def partial_update(self, request, customer_pk=None, pk=None):
        return self.update(request, customer_pk=customer_pk, pk=pk, partial=True)

    def destroy(self, request, customer_pk=None, pk=None):
        services.contact_delete(actor=request.user, contact=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Show one masked personal detail of a contact (logged)",
        description="The contact's mobile, birthday or interests in full, for a caller whose "
        "role sees them masked but may ask (`personal_data` is `on_request`; managers, "
        "customer service, the archive custodian). Every call is written to the audit log. "
        "403 for a role that may not see them.",
        request=RevealRequestSerializer,
        responses={200: RevealSerializer},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, customer_pk=None, pk=None):
        contact = self.get_object()
        body = RevealRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        field = body.validated_data["field"]
        value = privacy.reveal(actor=request.user, contact=contact, field=field, channel="api",
                               ip=client_ip(request) or "")
        return Response({"field": field, "value": value})


@extend_schema_view(
    retrieve=extend_schema(parameters=[ETAG]),
    create=extend_schema(responses={201: CompetitorSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND}),
    update=extend_schema(
        parameters=[IF_MATCH, ETAG],
        responses={200: CompetitorSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 412: STALE},
    ),
    partial_update=extend_schema(
        parameters=[IF_MATCH, ETAG],
        responses={200: CompetitorSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 412: STALE},
    ),
)
class CompetitorViewSet(VersionedViewMixin, CustomerChildViewSet):
    """The customer's competitor file: products in use, satisfaction, the competitor's rep."""

    queryset = CompetitorEntry.objects.select_related("customer").order_by("brand", "pk")
    serializer_class = CompetitorSerializer

    def create(self, request, customer_pk=None):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.competitor_save(
            actor=request.user, customer=self.get_customer(), **serializer.validated_data
        )
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    def update(self, request, customer_pk=None, pk=None, partial=False):
        entry = self.get_object()
        serializer = self.get_serializer(entry, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        entry = services.competitor_save(
            actor=request.user,
            customer=entry.customer,
            entry=entry,
            expected_version=expected_version(request, entry),
            **serializer.validated_data,
        )
        return Response(self.get_serializer(entry).data, headers={"ETag": etag(entry)})

    def partial_update(self, request, customer_pk=None, pk=None):
        return self.update(request, customer_pk=customer_pk, pk=pk, partial=True)

    def destroy(self, request, customer_pk=None, pk=None):
        services.competitor_delete(actor=request.user, entry=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class OutletTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """The configurable list of outlet types; `label` is in the caller's language."""

    queryset = OutletType.objects.order_by("sort_order", "pk")
    serializer_class = OutletTypeSerializer
    filterset_fields = ["is_active"]


class CustomerClassViewSet(viewsets.ReadOnlyModelViewSet):
    """Customer classes of every scheme (importance: 重点/普通/潜在; ABC)."""

    queryset = CustomerClass.objects.order_by("scheme", "sort_order", "pk")
    serializer_class = CustomerClassSerializer
    filterset_fields = ["scheme", "is_active"]


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    """Free labels on customers; filter the customer list with `tag=<id>`."""

    queryset = Tag.objects.order_by("name")
    serializer_class = TagSerializer
    filterset_fields = {"name": ["exact", "icontains"]}
