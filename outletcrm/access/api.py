"""REST API of archive governance (mounted under /api/v1/).

Borrowing: `GET /borrow-requests/` (one's own; `?box=inbox` for a custodian's pending ones),
`POST /borrow-requests/` (customers, purpose, reason, starts_on, ends_on),
`POST /borrow-requests/{id}/approve|refuse` (custodian, administrator), `/withdraw`
(requester); `GET /borrow-candidates/?q=` finds customers outside one's scope by exact code or
name (code and name only). Access: `GET /access-report/` and `/access-anomalies/`
(`date_from`, `date_to`; custodians and administrators; the anomalies are paged). Exports: `GET /exports/`,
`POST /exports/{id}/approve|refuse`, `GET /exports/{id}/download` (the requester, once).
"""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from outletcrm.access import selectors, services
from outletcrm.access.forms import PeriodForm
from outletcrm.core import files, scoping
from outletcrm.core.api import IdField, Pagination, StrictFieldsMixin
from outletcrm.core.models import BorrowRequest, ExportRequest
from outletcrm.customers import exports, importexport

NOT_FOUND = OpenApiResponse(description="Not found, or not yours to see.")
BAD_INPUT = OpenApiResponse(description="Invalid input; field errors, nothing was written.")
FORBIDDEN = OpenApiResponse(description="You may not decide on it.")


class BorrowItemSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")


class BorrowRequestSerializer(serializers.ModelSerializer):
    customers = serializers.SerializerMethodField()
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = BorrowRequest
        fields = ["id", "requester", "customers", "purpose", "reason", "starts_at", "ends_at",
                  "status", "active", "created_at", "decided_by", "decided_at", "decision_note"]
        read_only_fields = fields

    def get_customers(self, borrow) -> list[int]:
        return [item.customer_id for item in borrow.items.all()]


class BorrowCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    customers = serializers.ListField(child=IdField(), min_length=1,
                                      max_length=services.MAX_CUSTOMERS_PER_REQUEST)
    purpose = serializers.ChoiceField(choices=BorrowRequest.Purpose.choices)
    reason = serializers.CharField(max_length=300)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class BorrowDecisionSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


BOX_PARAM = OpenApiParameter("box", OpenApiTypes.STR, enum=["mine", "inbox"],
                             description="mine (default): your requests; inbox: those waiting "
                                         "for your decision (custodians, administrators)")


class BorrowRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    """Borrowing requests (借阅制度): customers outside one's scope, read-only for a period."""

    serializer_class = BorrowRequestSerializer
    queryset = BorrowRequest.objects.none()

    def get_queryset(self):
        return BorrowRequest.objects.none()

    @extend_schema(tags=["access"], summary="Your borrowing requests, or your inbox",
                   parameters=[BOX_PARAM], responses={200: BorrowRequestSerializer(many=True),
                                                      400: BAD_INPUT})
    def list(self, request):
        box = request.query_params.get("box") or "mine"
        if box not in ("mine", "inbox"):
            raise serializers.ValidationError({"box": ["mine or inbox."]})
        rows = (selectors.borrow_inbox(user=request.user) if box == "inbox"
                else selectors.my_borrow_requests(user=request.user))
        page = self.paginate_queryset(list(rows))
        return self.get_paginated_response(BorrowRequestSerializer(page, many=True).data)

    def _get(self, pk) -> BorrowRequest:
        borrow = selectors.borrow_get(user=self.request.user, pk=int(pk))
        if borrow is None:
            raise NotFound()
        return borrow

    @extend_schema(tags=["access"], summary="One borrowing request",
                   responses={200: BorrowRequestSerializer, 404: NOT_FOUND})
    def retrieve(self, request, pk=None):
        return Response(BorrowRequestSerializer(self._get(pk)).data)

    @extend_schema(tags=["access"], summary="Ask to borrow customers outside your scope",
                   request=BorrowCreateSerializer,
                   responses={201: BorrowRequestSerializer, 400: BAD_INPUT})
    def create(self, request):
        body = BorrowCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        borrow = services.borrow_request_create(actor=request.user,
                                                customer_ids=data.pop("customers"), **data)
        return Response(BorrowRequestSerializer(self._get(borrow.pk)).data,
                        status=status.HTTP_201_CREATED)

    def _decide(self, request, pk, approve: bool):
        borrow = self._get(pk)
        body = BorrowDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.borrow_decide(actor=request.user, borrow=borrow, approve=approve,
                               note=body.validated_data["note"])
        return Response(BorrowRequestSerializer(self._get(pk)).data)

    @extend_schema(tags=["access"], summary="Approve a borrowing request",
                   request=BorrowDecisionSerializer,
                   responses={200: BorrowRequestSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, pk, True)

    @extend_schema(tags=["access"], summary="Refuse a borrowing request",
                   request=BorrowDecisionSerializer,
                   responses={200: BorrowRequestSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._decide(request, pk, False)

    @extend_schema(tags=["access"], summary="Withdraw your request, or give the customers back",
                   request=None,
                   responses={200: BorrowRequestSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        services.borrow_withdraw(actor=request.user, borrow=self._get(pk))
        return Response(BorrowRequestSerializer(self._get(pk)).data)


class BorrowCandidatesView(APIView):
    """Customers outside your scope with exactly this code or name (code and name only)."""

    @extend_schema(tags=["access"], summary="Find customers to borrow (exact code or name)",
                   parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True)],
                   responses={200: CandidateSerializer(many=True)})
    def get(self, request):
        found = selectors.borrow_candidates(user=request.user, text=request.query_params.get("q"))
        return Response(CandidateSerializer(
            [{"id": c.pk, "code": c.code, "name": c.name} for c in found], many=True).data)


PERIOD_PARAMS = [OpenApiParameter("date_from", OpenApiTypes.DATE),
                 OpenApiParameter("date_to", OpenApiTypes.DATE)]


def _period(request):
    if not scoping.is_archive_keeper(request.user):
        raise NotFound()
    form = PeriodForm(request.query_params)
    if not form.is_valid():
        raise serializers.ValidationError(form.errors)
    return form.cleaned_data["date_from"], form.cleaned_data["date_to"]


class ReportRowSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    views = serializers.IntegerField()
    customers = serializers.IntegerField()
    borrowed_views = serializers.IntegerField()
    exports = serializers.IntegerField()
    export_rows = serializers.IntegerField()
    off_hours_exports = serializers.IntegerField()
    prints = serializers.IntegerField()


class AnomalySerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    day = serializers.DateField()
    views = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField(),
                                    help_text="own, peers, off_hours")
    own_median = serializers.FloatField(allow_null=True)
    peer_median = serializers.FloatField(allow_null=True)
    off_hours_exports = serializers.IntegerField()


class AccessReportView(APIView):
    """Per-user access report (custodians for their regions, administrators)."""

    @extend_schema(tags=["access"], summary="Per-user access report for a period",
                   parameters=PERIOD_PARAMS,
                   responses={200: ReportRowSerializer(many=True), 400: BAD_INPUT,
                              404: NOT_FOUND})
    def get(self, request):
        start, end = _period(request)
        return Response(ReportRowSerializer(
            selectors.access_report(user=request.user, start=start, end=end), many=True).data)


class AccessAnomaliesView(APIView):
    """Days on which a user's looks at the archive stand out, newest day first, a page at a
    time like every other list (a 92-day period of a large company flags thousands)."""

    pagination_class = Pagination  # also tells the schema generator the list is paged

    @extend_schema(tags=["access"], summary="Access anomalies in a period",
                   parameters=PERIOD_PARAMS,
                   responses={200: AnomalySerializer(many=True), 400: BAD_INPUT,
                              404: NOT_FOUND})
    def get(self, request):
        start, end = _period(request)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.access_anomalies(user=request.user, start=start, end=end), request,
            view=self)
        return paginator.get_paginated_response(AnomalySerializer(page, many=True).data)


class ExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExportRequest
        fields = ["id", "requester", "created_at", "channel", "filters", "filter_text",
                  "row_count", "status", "decided_by", "decided_at", "downloaded_at"]
        read_only_fields = fields


class ExportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The export list (发放制度): a custodian's people's exports, or one's own."""

    serializer_class = ExportSerializer

    def get_queryset(self):
        return selectors.export_list(user=self.request.user)

    @extend_schema(tags=["access"], summary="Exports you may audit (or your own)")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(tags=["access"], summary="One export",
                   responses={200: ExportSerializer, 404: NOT_FOUND})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def _decide(self, approve: bool):
        export = self.get_object()
        exports.export_decide(actor=self.request.user, export=export, approve=approve)
        export.refresh_from_db()
        return Response(ExportSerializer(export).data)

    @extend_schema(tags=["access"], summary="Approve a waiting export (the workbook is made now)",
                   request=None, responses={200: ExportSerializer, 400: BAD_INPUT,
                                            403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(True)

    @extend_schema(tags=["access"], summary="Refuse a waiting export", request=None,
                   responses={200: ExportSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._decide(False)

    @extend_schema(tags=["access"], summary="Download an approved export (once, requester only)",
                   responses={(200, importexport.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
                              404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        try:
            export = exports.export_fetch(request=request, user=request.user, pk=int(pk))
        except Http404 as exc:
            raise NotFound() from exc
        return files.file_response(
            export.file, content_type=importexport.XLSX_CONTENT_TYPE, as_attachment=True,
            filename=f"customers-{timezone.localtime(export.decided_at):%Y%m%d-%H%M}.xlsx")


