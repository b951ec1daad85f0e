"""REST API v1 of customer care: care rules, family events, gifts (/api/v1/…).

Thin: serializers check shape, selectors fetch inside the caller's scope (a family event or
gift of a customer out of scope answers 404 like a missing one), services write. Care rules
are read by everyone signed in and changed by managers and administrators (403 otherwise).
A gift over the customer's yearly budget is recorded and answered with a warning.
"""

from django.utils.translation import gettext as _
from django_filters import ChoiceFilter
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from outletcrm.care import selectors, services
from outletcrm.care.choices import CareKind, FamilyEventKind
from outletcrm.care.models import CareRule, FamilyEvent, Gift
from outletcrm.core import scoping
from outletcrm.core.api import IdField, StrictFieldsMixin
from outletcrm.core.filters import FilterSet, IdFilter
from outletcrm.customers.models import Contact, Customer, CustomerClass
from outletcrm.org.models import User
from outletcrm.visits.models import FollowUpTask

NOT_FOUND = OpenApiResponse(description="Not found, or outside your data scope.")
BAD_INPUT = OpenApiResponse(description="Invalid input; field errors, nothing was written.")
FORBIDDEN = OpenApiResponse(description="Only managers and administrators change care rules.")


class CareRuleSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    customer_classes = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=CustomerClass.objects.all(),
        help_text="Class ids; empty: every customer no other rule of the kind names.")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    action_display = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = CareRule
        fields = ["id", "name", "kind", "kind_display", "festival", "action", "action_display",
                  "customer_classes", "lead_days", "every_days", "is_active", "sort_order"]


class CareRuleFilterSet(FilterSet):
    kind = ChoiceFilter(choices=CareKind.choices)

    class Meta:
        model = CareRule
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(tags=["care"], summary="Care rules"),
    retrieve=extend_schema(tags=["care"], summary="A care rule"),
    create=extend_schema(tags=["care"], summary="Add a care rule",
                         responses={201: CareRuleSerializer, 400: BAD_INPUT, 403: FORBIDDEN}),
    update=extend_schema(tags=["care"], summary="Change a care rule",
                         responses={200: CareRuleSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                                    404: NOT_FOUND}),
    partial_update=extend_schema(tags=["care"], summary="Change part of a care rule",
                                 responses={200: CareRuleSerializer, 400: BAD_INPUT,
                                            403: FORBIDDEN, 404: NOT_FOUND}),
)
class CareRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Which customers get which care, and when (switch a rule off with is_active=false)."""

    serializer_class = CareRuleSerializer
    filterset_class = CareRuleFilterSet
    queryset = CareRule.objects.none()

    def get_queryset(self):
        return selectors.care_rule_list()

    def _save(self, request, rule=None, partial=False):
        serializer = self.get_serializer(rule, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        classes = data.pop("customer_classes", None)
        saved = services.care_rule_save(actor=request.user, rule=rule,
                                        customer_classes=classes, **data)
        return self.get_serializer(selectors.care_rule_list().get(pk=saved.pk)).data

    def create(self, request):
        return Response(self._save(request), status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=False):
        return Response(self._save(request, self.get_object(), partial=partial))

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


class FamilyEventSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    contact = IdField(source="contact_id", help_text="A contact of a customer in your scope.")
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True)

    class Meta:
        model = FamilyEvent
        fields = ["id", "customer", "contact", "contact_name", "kind", "kind_display", "date",
                  "is_lunar", "recurs_yearly", "note", "created_at"]
        read_only_fields = ["created_at"]


class FamilyEventFilterSet(FilterSet):
    customer = IdFilter(field_name="customer_id")
    contact = IdFilter(field_name="contact_id")
    kind = ChoiceFilter(choices=FamilyEventKind.choices)

    class Meta:
        model = FamilyEvent
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(tags=["care"], summary="Family events of contacts in your scope"),
    retrieve=extend_schema(tags=["care"], summary="A family event"),
    create=extend_schema(tags=["care"], summary="Record a family event of a contact",
                         responses={201: FamilyEventSerializer, 400: BAD_INPUT,
                                    404: NOT_FOUND}),
    destroy=extend_schema(tags=["care"], summary="Remove a family event"),
)
class FamilyEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.CreateModelMixin, mixins.DestroyModelMixin,
                         viewsets.GenericViewSet):
    """Weddings, births, exams, funerals, opening anniversaries: care beyond sales."""

    serializer_class = FamilyEventSerializer
    filterset_class = FamilyEventFilterSet
    queryset = FamilyEvent.objects.none()

    def get_queryset(self):
        return selectors.family_event_list(user=self.request.user).order_by("date", "pk")

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        contact = scoping.get_in_scope(Contact.objects.all(), request.user, via="customer__",
                                       pk=data.pop("contact_id"))
        event = services.family_event_add(actor=request.user, contact=contact, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=event.pk)).data,
                        status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        services.family_event_delete(actor=request.user, event=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class GiftSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    customer = IdField(source="customer_id", help_text="A customer in your scope.")
    contact = IdField(source="contact_id", required=False, allow_null=True)
    chosen_by = IdField(source="chosen_by_id", required=False, allow_null=True,
                        help_text="Who chose the gift (a user id); default: you.")
    task = IdField(source="task_id", required=False, allow_null=True,
                   help_text="The care task the gift answers, if any.")
    value = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0,
                                     max_value=1_000_000, required=False)

    class Meta:
        model = Gift
        fields = ["id", "customer", "contact", "date", "description", "value", "chosen_by",
                  "story", "task", "created_at"]
        read_only_fields = ["created_at"]


class GiftBudgetSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    over = serializers.BooleanField()
    warning = serializers.CharField(allow_blank=True)


class GiftCreatedSerializer(GiftSerializer):
    budget = GiftBudgetSerializer(read_only=True)

    class Meta(GiftSerializer.Meta):
        fields = [*GiftSerializer.Meta.fields, "budget"]


def budget_answer(budget: services.GiftBudget):
    warning = ""
    if budget.over:
        warning = _("Over this customer's gift budget for %(year)s: ¥%(total)s of "
                    "¥%(budget)s.") % {"year": budget.year, "total": budget.total,
                                       "budget": budget.budget}
    return GiftBudgetSerializer({"year": budget.year, "total": budget.total,
                                 "budget": budget.budget, "over": budget.over,
                                 "warning": warning}).data


class GiftFilterSet(FilterSet):
    customer = IdFilter(field_name="customer_id")

    class Meta:
        model = Gift
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(tags=["care"], summary="Gifts to customers in your scope"),
    retrieve=extend_schema(tags=["care"], summary="A gift"),
    create=extend_schema(
        tags=["care"], summary="Record a gift and its story",
        description="Over the customer's yearly budget the gift is still recorded; "
                    "`budget.over` and `budget.warning` say so.",
        responses={201: GiftCreatedSerializer, 400: BAD_INPUT, 404: NOT_FOUND}),
    destroy=extend_schema(tags=["care"], summary="Remove a gift"),
)
class GiftViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Gifts and their story (who chose it, why), against a yearly budget per customer."""

    serializer_class = GiftSerializer
    filterset_class = GiftFilterSet
    queryset = Gift.objects.none()

    def get_queryset(self):
        return selectors.gift_list(user=self.request.user).order_by("-date", "-pk")

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        user = request.user
        customer = scoping.get_in_scope(Customer.objects.all(), user, pk=data.pop("customer_id"))
        contact_id = data.pop("contact_id", None)
        contact = (scoping.get_in_scope(Contact.objects.filter(customer=customer), user,
                                        via="customer__", pk=contact_id)
                   if contact_id else None)
        task_id = data.pop("task_id", None)
        task = (scoping.get_in_scope(FollowUpTask.objects.filter(customer=customer), user,
                                     via="customer__", pk=task_id) if task_id else None)
        chosen_id = data.pop("chosen_by_id", None)
        chosen_by = user
        if chosen_id:
            chosen_by = User.objects.filter(pk=chosen_id, is_active=True).first()
            if chosen_by is None:
                raise serializers.ValidationError({"chosen_by": [_("Unknown person.")]})
        gift, budget = services.gift_record(actor=user, customer=customer, contact=contact,
                                            task=task, chosen_by=chosen_by, **data)
        answer = dict(self.get_serializer(gift).data)
        answer["budget"] = budget_answer(budget)
        return Response(answer, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        services.gift_delete(actor=request.user, gift=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
