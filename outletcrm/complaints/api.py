"""REST API v1 of complaints: list, log, read, and the handling actions; service targets.

Thin: serializers check shape, selectors fetch within the caller's scope (404 outside it),
services write. Refusals are 403 {"detail"}, bad input 400 with field errors, nothing written.
"""

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from outletcrm.complaints import selectors, services
from outletcrm.complaints import serializers as s
from outletcrm.complaints.choices import Severity, Status
from outletcrm.complaints.models import Complaint, ServiceTarget
from outletcrm.core import scoping
from outletcrm.customers.models import CompetitorEntry, Contact, Customer
from outletcrm.org.models import User

NOT_FOUND = OpenApiResponse(description="Not found, or outside your data scope.")
BAD_INPUT = OpenApiResponse(description="Invalid input; field errors, nothing was written.")
FORBIDDEN = OpenApiResponse(description="Your role may not do this; nothing was written.")


class ComplaintFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Status.choices)
    severity = filters.ChoiceFilter(choices=Severity.choices)
    breached = filters.BooleanFilter(method="filter_breached")
    mine = filters.BooleanFilter(method="filter_mine")

    class Meta:
        model = Complaint
        fields = ["status", "severity"]

    def filter_breached(self, queryset, name, value):
        if value is None:
            return queryset
        breached = queryset.filter(respond_breached_at__isnull=False) | queryset.filter(
            resolve_breached_at__isnull=False)
        return breached if value else queryset.exclude(pk__in=breached.values("pk"))

    def filter_mine(self, queryset, name, value):
        return queryset.filter(assignee=self.request.user) if value else queryset


def _user(pk) -> User:
    found = User.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"assignee": _("Unknown user.")})
    return found


def _action_schema(summary, request):
    return extend_schema(tags=["complaints"], summary=summary, request=request,
                         responses={200: s.ComplaintDetailSerializer, 400: BAD_INPUT,
                                    403: FORBIDDEN, 404: NOT_FOUND})


@extend_schema_view(
    list=extend_schema(tags=["complaints"], summary="Complaints in my scope"),
    retrieve=extend_schema(tags=["complaints"], summary="A complaint with its log and photos",
                           responses={200: s.ComplaintDetailSerializer, 404: NOT_FOUND}),
)
class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Complaints (投诉) of the customers in the caller's scope, and those assigned to them."""

    serializer_class = s.ComplaintSerializer
    filterset_class = ComplaintFilterSet
    queryset = Complaint.objects.none()

    def get_queryset(self):
        return selectors.complaint_list(user=self.request.user).order_by("-received_at", "-pk")

    def get_object(self) -> Complaint:
        return selectors.complaint_get(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, complaint, code=status.HTTP_200_OK):
        complaint = selectors.complaint_get(user=self.request.user, pk=complaint.pk)
        return Response(s.ComplaintDetailSerializer(complaint).data, status=code)

    def retrieve(self, request, pk=None):
        return Response(s.ComplaintDetailSerializer(self.get_object()).data)

    @extend_schema(tags=["complaints"], summary="Log a complaint", request=s.IntakeSerializer,
                   responses={201: s.ComplaintDetailSerializer, 400: BAD_INPUT,
                              403: FORBIDDEN, 404: NOT_FOUND})
    def create(self, request):
        serializer = s.IntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = scoping.get_in_scope(Customer.objects.all(), request.user,
                                        pk=data["customer"])
        contact = None
        if data.get("contact"):
            contact = Contact.objects.filter(pk=data["contact"], customer=customer).first()
            if contact is None:
                from django.core.exceptions import ValidationError

                raise ValidationError({"contact": _("This contact belongs to another customer.")})
        complaint = services.complaint_intake(
            actor=request.user, customer=customer, contact=contact, channel=data["channel"],
            category=data["category"], severity=data["severity"],
            description=data["description"], received_at=data.get("received_at"),
            assignee=_user(data["assignee"]) if data.get("assignee") else None)
        return self._detail(complaint, status.HTTP_201_CREATED)

    @_action_schema("Hand the complaint to someone", s.AssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        complaint = self.get_object()
        data = self._valid(s.AssignSerializer)
        services.complaint_assign(actor=request.user, complaint=complaint,
                                  assignee=_user(data["assignee"]), note=data["note"])
        return self._detail(complaint)

    def _valid(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @_action_schema("Record the first response to the customer", s.TextSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        complaint = self.get_object()
        data = self._valid(s.TextSerializer)
        services.complaint_respond(actor=request.user, complaint=complaint, text=data["text"])
        return self._detail(complaint)

    @_action_schema("Add a note to the handling log", s.TextSerializer)
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        complaint = self.get_object()
        data = self._valid(s.TextSerializer)
        services.complaint_note(actor=request.user, complaint=complaint, text=data["text"])
        return self._detail(complaint)

    @_action_schema("Record the date promised to the customer", s.CommitSerializer)
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        complaint = self.get_object()
        data = self._valid(s.CommitSerializer)
        services.complaint_commit_date(actor=request.user, complaint=complaint,
                                       date=data["date"], note=data["note"])
        return self._detail(complaint)

    @_action_schema("Resolve (with the prices seen, for a steady customer's price objection)",
                    s.ResolveSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        complaint = self.get_object()
        data = self._valid(s.ResolveSerializer)
        entry = None
        if data.get("competitor_entry"):
            entry = CompetitorEntry.objects.filter(pk=data["competitor_entry"],
                                                   customer_id=complaint.customer_id).first()
            if entry is None:
                from django.core.exceptions import ValidationError

                raise ValidationError({"competitor_entry": _(
                    "This competitor entry belongs to another customer.")})
        services.complaint_resolve(
            actor=request.user, complaint=complaint, resolution_type=data["resolution_type"],
            note=data["note"], market_price=data.get("market_price"),
            competitor_quote=data.get("competitor_quote"),
            competitor_brand=data.get("competitor_brand", ""), competitor_entry=entry)
        return self._detail(complaint)

    @_action_schema("Close a resolved complaint (adds the satisfaction call)", s.CloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        complaint = self.get_object()
        data = self._valid(s.CloseSerializer)
        services.complaint_close(actor=request.user, complaint=complaint, note=data["note"])
        return self._detail(complaint)

    @_action_schema("Reopen a resolved or closed complaint", s.ReopenSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        complaint = self.get_object()
        data = self._valid(s.ReopenSerializer)
        services.complaint_reopen(actor=request.user, complaint=complaint, reason=data["reason"])
        return self._detail(complaint)

    @_action_schema("Record the customer's satisfaction (1–5)", s.SatisfactionSerializer)
    @action(detail=True, methods=["post"])
    def satisfaction(self, request, pk=None):
        complaint = self.get_object()
        data = self._valid(s.SatisfactionSerializer)
        services.complaint_record_satisfaction(actor=request.user, complaint=complaint,
                                               score=int(data["score"]), note=data["note"])
        return self._detail(complaint)

    @extend_schema(tags=["complaints"], summary="Upload a photo (JPEG, PNG or WebP)",
                   request={"multipart/form-data": s.PhotoUploadSerializer},
                   responses={201: s.ComplaintPhotoSerializer, 400: BAD_INPUT,
                              403: FORBIDDEN, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None):
        complaint = self.get_object()
        data = self._valid(s.PhotoUploadSerializer)
        photo = services.complaint_photo_add(actor=request.user, complaint=complaint,
                                             upload=data["image"])
        return Response(s.ComplaintPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(tags=["complaints"], summary="Service targets per severity"),
    retrieve=extend_schema(tags=["complaints"], summary="A service target"),
    update=extend_schema(tags=["complaints"], summary="Change a target (administrators)"),
    partial_update=extend_schema(tags=["complaints"], summary="Change a target (administrators)"),
)
class ServiceTargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Respond and resolve targets per severity, in working minutes (company calendar)."""

    serializer_class = s.ServiceTargetSerializer
    queryset = ServiceTarget.objects.all()
    pagination_class = None

    def perform_update(self, serializer):
        target = serializer.instance
        data = serializer.validated_data
        services.service_target_update(
            actor=self.request.user, target=target,
            respond_minutes=data.get("respond_minutes", target.respond_minutes),
            resolve_minutes=data.get("resolve_minutes", target.resolve_minutes))
