"""API serializers: input ones validate shape and types; the services validate the business."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from outletcrm.core.api import IdField
from outletcrm.orders.models import (
    Order,
    OrderLine,
    Payment,
    PriceList,
    PriceListItem,
    Product,
    ReturnClaim,
)
from outletcrm.orders.services import MAX_LINES

MONEY = {"max_digits": 14, "decimal_places": 2}  # one record's amount
# Sums of many records (selectors.MONEY_SUM): sized so that no stored data can overflow them.
MONEY_SUM = {"max_digits": 28, "decimal_places": 2}


# --- catalogue ----------------------------------------------------------------------------

class ProductSerializer(serializers.ModelSerializer):
    default_price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True,
                                             allow_null=True,
                                             help_text="Unit price in the default price list.")

    class Meta:
        model = Product
        fields = ["id", "code", "name", "brand", "category", "spec", "unit", "is_competitor",
                  "default_price"]
        read_only_fields = fields


class PriceListItemSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.__str__", read_only=True)

    class Meta:
        model = PriceListItem
        fields = ["product", "product_code", "product_name", "unit_price"]
        read_only_fields = fields


class PriceListSerializer(serializers.ModelSerializer):
    items = PriceListItemSerializer(many=True, read_only=True)

    class Meta:
        model = PriceList
        fields = ["id", "name", "is_default", "valid_from", "valid_to", "items"]
        read_only_fields = fields


# --- reading orders, payments, returns ----------------------------------------------------

class OrderLineSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.__str__", read_only=True)

    class Meta:
        model = OrderLine
        fields = ["id", "product", "product_code", "product_name", "quantity", "unit_price",
                  "discount", "amount"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    order_code = serializers.CharField(source="order.code", read_only=True)
    collected_by_name = serializers.CharField(source="collected_by.__str__", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "client_id", "order", "order_code", "customer", "collected_by",
                  "collected_by_name", "amount", "method", "method_display", "paid_at",
                  "received_at", "notes"]
        read_only_fields = fields


class ReturnClaimSerializer(serializers.ModelSerializer):
    order_code = serializers.CharField(source="order.code", read_only=True, allow_null=True,
                                       default=None)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    recorded_by_name = serializers.CharField(source="recorded_by.__str__", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.__str__", read_only=True,
                                            allow_null=True, default=None)

    class Meta:
        model = ReturnClaim
        fields = ["id", "client_id", "customer", "order", "order_code", "kind", "kind_display",
                  "amount", "reason", "recorded_by", "recorded_by_name", "recorded_at",
                  "status", "status_display", "decided_by", "decided_by_name", "decided_at",
                  "decision_note"]
        read_only_fields = fields
        extra_kwargs = {"status": {"help_text": "approved: counts in receivables; pending: "
                                              "awaits a supervisor's approval and does not "
                                              "count yet; refused: never counts."}}


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    rep_name = serializers.CharField(source="rep.__str__", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    paid_amount = serializers.DecimalField(**MONEY_SUM, read_only=True)
    returned_amount = serializers.DecimalField(
        **MONEY_SUM, read_only=True, help_text="Approved returns, claims and discounts.")
    pending_amount = serializers.DecimalField(
        **MONEY_SUM, read_only=True, help_text="Returns, claims and discounts awaiting approval.")
    outstanding = serializers.DecimalField(
        **MONEY_SUM, read_only=True, help_text="Total minus payments and approved returns.")
    visit = serializers.SerializerMethodField(help_text="The visit the order was taken in.")
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["id", "client_id", "code", "customer", "customer_name", "rep", "rep_name",
                  "status", "status_display", "ordered_at", "received_at", "due_date", "total",
                  "paid_amount", "returned_amount", "pending_amount", "outstanding", "notes",
                  "confirmed_at", "confirmed_by", "delivered_at", "delivered_by", "cancelled_at",
                  "cancelled_by", "cancel_reason", "visit", "lines"]
        read_only_fields = fields

    def get_visit(self, order) -> int | None:
        link = getattr(order, "visit_link", None)
        return link.visit_id if link is not None else None


class OrderDetailSerializer(OrderSerializer):
    payments = PaymentSerializer(many=True, read_only=True)
    returns = ReturnClaimSerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "payments", "returns"]
        read_only_fields = fields


# --- writing ------------------------------------------------------------------------------

def validate_discount(value: Decimal) -> Decimal:
    if not (0 <= value < 1):
        raise serializers.ValidationError(_("The discount is a fraction from 0 to below 1."))
    return value


class OrderLineInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.filter(is_active=True, is_competitor=False),
        error_messages={"does_not_exist": _("Unknown or unavailable product."),
                        "incorrect_type": _("Unknown or unavailable product.")},
    )
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2,
                                        min_value=Decimal("0.01"))
    unit_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False,
        allow_null=True, help_text="Omit to take the default price list's price.")
    discount = serializers.DecimalField(
        max_digits=5, decimal_places=4, required=False, default=Decimal("0"),
        validators=[validate_discount], help_text="Fraction off the unit price, 0 to below 1.")


class OrderCreateSerializer(serializers.Serializer):
    customer = IdField()
    lines = OrderLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
    client_id = serializers.UUIDField(
        required=False, allow_null=True,
        help_text="Generated by the client; a replay returns the first order (200).")
    ordered_at = serializers.DateTimeField(required=False, allow_null=True,
                                           help_text="Device time; defaults to now.")
    due_date = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class RefusalSerializer(serializers.Serializer):
    """The body of a 403: why the caller's role may not do this."""

    detail = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                 help_text="Why; required when refusing.")


class PaymentCreateSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    method = serializers.ChoiceField(choices=Payment.Method.choices,
                                     default=Payment.Method.TRANSFER)
    paid_at = serializers.DateTimeField(required=False, allow_null=True)
    client_id = serializers.UUIDField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=300)


class ReturnCreateSerializer(serializers.Serializer):
    customer = IdField()
    order = IdField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=ReturnClaim.Kind.choices,
                                   default=ReturnClaim.Kind.RETURN)
    amount = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    reason = serializers.CharField(max_length=300)
    client_id = serializers.UUIDField(required=False, allow_null=True)


class CreditSerializer(serializers.Serializer):
    """A customer's balance and payment punctuality over the last 12 months."""

    customer = serializers.IntegerField()
    ordered = serializers.DecimalField(**MONEY_SUM)
    paid = serializers.DecimalField(**MONEY_SUM)
    returned = serializers.DecimalField(**MONEY_SUM,
                                        help_text="Approved returns, claims and discounts.")
    pending = serializers.DecimalField(
        **MONEY_SUM, help_text="Returns, claims and discounts awaiting approval (not counted).")
    outstanding = serializers.DecimalField(**MONEY_SUM)
    orders_due = serializers.IntegerField(help_text="Orders due in the last 12 months.")
    paid_on_time = serializers.IntegerField()
    settled_late = serializers.IntegerField()
    still_overdue = serializers.IntegerField()
    overdue_amount = serializers.DecimalField(**MONEY_SUM)
    on_time_rate = serializers.FloatField(allow_null=True, help_text="Percent, two decimals.")
    average_days_late = serializers.FloatField()
    max_days_late = serializers.IntegerField()
    since = serializers.DateField()
    today = serializers.DateField()

