"""Writes for orders, payments and returns. Scope is checked by the caller's scoped fetch."""

import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from outletcrm.core.timeline import timeline_add
from outletcrm.customers.models import Customer
from outletcrm.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PriceListItem,
    Product,
    ReturnClaim,
)
from outletcrm.org.models import User

CENT = Decimal("0.01")


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    return number


def default_price(product: Product) -> Decimal | None:
    """The product's unit price in the default price list, if it has one."""
    item = (PriceListItem.objects.filter(product=product, price_list__is_default=True)
            .values_list("unit_price", flat=True).first())
    return item


def _product(row: dict) -> Product | None:
    product = row.get("product")
    if isinstance(product, Product):
        return product
    if product not in (None, "") and str(product).isdigit():
        return Product.objects.filter(pk=int(product)).first()
    if row.get("product_code"):
        return Product.objects.filter(code=row["product_code"]).first()
    return None


def _line(row: dict, index: int) -> OrderLine:
    prefix = f"lines[{index}]"
    product = _product(row)
    if product is None or not product.is_active or product.is_competitor:
        raise ValidationError({f"{prefix}.product": _("Unknown or unavailable product.")})
    quantity = _decimal(row.get("quantity"), f"{prefix}.quantity")
    if quantity <= 0:
        raise ValidationError({f"{prefix}.quantity": _("Quantity must be greater than zero.")})
    if row.get("unit_price") in (None, ""):
        unit_price = default_price(product)
        if unit_price is None:
            raise ValidationError({f"{prefix}.unit_price": _("This product has no price; enter the unit price.")})
    else:
        unit_price = _decimal(row.get("unit_price"), f"{prefix}.unit_price")
    if unit_price < 0:
        raise ValidationError({f"{prefix}.unit_price": _("The unit price cannot be negative.")})
    discount = _decimal(row.get("discount") or 0, f"{prefix}.discount")
    if not (0 <= discount < 1):
        raise ValidationError({f"{prefix}.discount": _("The discount is a fraction from 0 to below 1.")})
    amount = (quantity * unit_price * (1 - discount)).quantize(CENT, rounding=ROUND_HALF_UP)
    return OrderLine(product=product, quantity=quantity, unit_price=unit_price,
                     discount=discount, amount=amount)


@transaction.atomic
def order_create(
    *, actor: User, customer: Customer, lines: list[dict], client_id: uuid.UUID | str | None = None,
    ordered_at=None, due_date=None, notes: str = "",
) -> tuple[Order, bool]:
    """Record an order; returns (order, created). A replayed client_id returns the first one."""
    if client_id:
        try:
            client_id = uuid.UUID(str(client_id))
        except ValueError:
            raise ValidationError({"client_id": _("Invalid client id.")}) from None
        existing = Order.objects.filter(client_id=client_id).first()
        if existing:
            if existing.rep_id != actor.pk or existing.customer_id != customer.pk:
                raise ValidationError({"client_id": _("This client id belongs to another record.")})
            return existing, False
    if customer.is_archived:
        raise ValidationError({"customer": _("This customer is archived.")})
    if not lines:
        raise ValidationError({"lines": _("An order needs at least one line.")})
    built = [_line(row, i) for i, row in enumerate(lines)]
    order = Order(
        client_id=client_id or uuid.uuid4(), customer=customer, rep=actor,
        ordered_at=ordered_at or timezone.now(), due_date=due_date, notes=(notes or "")[:300],
        total=sum((line.amount for line in built), Decimal("0")),
        code=f"TMP{uuid.uuid4().hex[:16]}",
    )
    order.full_clean(exclude=["code"])
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:  # the same client id raced in from a second upload
        return Order.objects.get(client_id=order.client_id), False
    order.code = f"O{timezone.localdate(order.ordered_at):%y%m%d}{order.pk:06d}"
    order.save(update_fields=["code"])
    for line in built:
        line.order = order
    OrderLine.objects.bulk_create(built)
    timeline_add(customer_id=customer.pk, kind="order", at=order.ordered_at, actor=actor,
                 title=_("Order %(code)s: ¥%(total)s") % {"code": order.code, "total": order.total},
                 source=order)
    return order, True


@transaction.atomic
def order_cancel(*, actor: User, order: Order, reason: str) -> Order:
    """Cancel an order that has no payments yet."""
    if order.status == OrderStatus.CANCELLED:
        raise ValidationError(_("This order is already cancelled."))
    if order.payments.exists():
        raise ValidationError(_("An order with payments cannot be cancelled; record a return."))
    order.status = OrderStatus.CANCELLED
    order.notes = (f"{order.notes} / {reason}" if order.notes else reason)[:300]
    order.save(update_fields=["status", "notes"])
    timeline_add(customer_id=order.customer_id, kind="order", actor=actor, source=order,
                 title=_("Order %(code)s cancelled") % {"code": order.code}, body=reason)
    return order


def order_outstanding(order: Order) -> Decimal:
    """What is still owed on an order."""
    paid = order.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    returned = order.returns.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return max(order.total - paid - returned, Decimal("0"))


@transaction.atomic
def payment_record(
    *, actor: User, order: Order, amount, method: str = Payment.Method.TRANSFER, paid_at=None,
    client_id=None, notes: str = "",
) -> tuple[Payment, bool]:
    """Record money collected against an order; a replayed client_id is a no-op."""
    if client_id:
        existing = Payment.objects.filter(client_id=client_id).first()
        if existing:
            return existing, False
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status == OrderStatus.CANCELLED:
        raise ValidationError({"order": _("This order is cancelled.")})
    amount = _decimal(amount, "amount").quantize(CENT)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be greater than zero.")})
    outstanding = order_outstanding(order)
    if amount > outstanding:
        raise ValidationError({"amount": _("The amount is more than the ¥%(due)s still owed.")
                               % {"due": outstanding}})
    payment = Payment(order=order, customer_id=order.customer_id, collected_by=actor,
                      amount=amount, method=method, paid_at=paid_at or timezone.now(),
                      notes=(notes or "")[:300], client_id=client_id or uuid.uuid4())
    payment.full_clean()
    payment.save()
    timeline_add(customer_id=order.customer_id, kind="payment", at=payment.paid_at, actor=actor,
                 source=payment, title=_("Payment ¥%(amount)s for %(code)s")
                 % {"amount": amount, "code": order.code})
    return payment, True


@transaction.atomic
def return_record(*, actor: User, customer: Customer, amount, reason: str, kind: str =
                  ReturnClaim.Kind.RETURN, order: Order | None = None) -> ReturnClaim:
    """Record a return, claim or discount granted to a customer."""
    if order is not None and order.customer_id != customer.pk:
        raise ValidationError({"order": _("The order belongs to another customer.")})
    claim = ReturnClaim(customer=customer, order=order, kind=kind, reason=(reason or "").strip(),
                        amount=_decimal(amount, "amount").quantize(CENT), recorded_by=actor)
    claim.full_clean()
    claim.save()
    timeline_add(customer_id=customer.pk, kind="return", actor=actor, source=claim,
                 title=_("%(kind)s ¥%(amount)s") % {"kind": claim.get_kind_display(),
                                                    "amount": claim.amount}, body=claim.reason)
    return claim
