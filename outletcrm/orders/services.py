"""Writes for products, price lists, orders, payments and returns.

Scope is checked by the caller's scoped fetch (selectors / core.scoping): a service trusts the
customer or order it is handed. Who may do what (segregation of duties) is core.scoping's; the
services ask it and raise PermissionDenied (403 in the API). Every service validates everything
before it writes, so a bad input raises ValidationError and leaves the database as it was.

Money bounds (issue 7 §2), kept per order and per customer so that payments plus counted
credits never exceed what was ordered:
  - a payment covers at most what is still owed on its order, and on the customer's account
    (a discount not tied to an order lowers the latter);
  - a return, claim or discount covers at most what is still owed less what already waits for
    approval: on its order, and on the customer's account. A credit beyond what is owed would be
    a refund of money already paid, which is not a credit a rep can grant here;
  - approving re-checks the bound against what counts by then; cancelling an order may not
    leave the customer's credits larger than what they owe.
Writes that move money lock the customer row first (then the order), so two at once are
serialised.
"""

import datetime
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.core import i18n, params, scoping
from outletcrm.core.timeline import timeline_add
from outletcrm.customers.models import Customer
from outletcrm.orders import signals
from outletcrm.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PriceList,
    PriceListItem,
    Product,
    ReturnClaim,
)
from outletcrm.orders.selectors import (
    MONEY_SUM,
    Balance,
    customer_balance,
    default_price_list_q,
    order_balance,
)
from outletcrm.org.models import User

CENT = Decimal("0.01")
# Money columns hold 14 digits with 2 decimals; lines and orders stay well inside that.
MAX_AMOUNT = Decimal("1000000000000")  # 10^12
MAX_LINES = 200
MAX_NUMBER = Decimal("1000000000000000")  # 10^15: any number typed, far beyond any column


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    if abs(number) >= MAX_NUMBER:  # before any arithmetic: 1e400 cannot even be rounded
        raise ValidationError({field: _("The number is too large.")})
    return number


def _money(value, field: str) -> Decimal:
    """A positive amount of money with at most two decimals (fen are the smallest unit)."""
    amount = _decimal(value, field)
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValidationError({field: _("Enter an amount with at most two decimal places.")})
    if amount <= 0:
        raise ValidationError({field: _("The amount must be greater than zero.")})
    if amount >= MAX_AMOUNT:
        raise ValidationError({field: _("The amount is too large.")})
    return amount.quantize(CENT)


def _client_id(value) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, AttributeError, TypeError):
        raise ValidationError({"client_id": _("Invalid client id.")}) from None


def _moment(value, field: str) -> datetime.datetime:
    """A date or datetime from a page, the API or a device, as an aware datetime.

    A bare date means "that day": now if it is today, otherwise noon local time, so the
    local date (which is what punctuality counts) is the one the user gave.
    """
    if isinstance(value, datetime.datetime):
        moment = value if timezone.is_aware(value) else timezone.make_aware(value)
    elif isinstance(value, datetime.date):
        if value == timezone.localdate():
            moment = timezone.now()
        else:
            moment = timezone.make_aware(datetime.datetime.combine(value, datetime.time(12)))
    else:
        raise ValidationError({field: _("Enter a valid date.")})
    tolerance = datetime.timedelta(seconds=settings.DEVICE_CLOCK_TOLERANCE_S)
    if moment > timezone.now() + tolerance:
        raise ValidationError({field: _("The date cannot be in the future.")})
    # Checked on the moment's own calendar date: converting a year-1 time to UTC overflows.
    params.check_date_bounds(moment.date(), field=field)
    return moment


# --- catalogue ----------------------------------------------------------------------------

def default_price(product: Product, *, on: datetime.date | None = None) -> Decimal | None:
    """The product's unit price in the default price list valid on `on` (today), if any."""
    return (PriceListItem.objects.filter(product=product)
            .filter(default_price_list_q(on or timezone.localdate(), prefix="price_list__"))
            .order_by("price_list__name", "price_list__pk")
            .values_list("unit_price", flat=True).first())


@transaction.atomic
def product_save(*, product: Product) -> Product:
    """Create or change a catalogue product (admin configuration)."""
    product.code = (product.code or "").strip()
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def price_list_save(*, price_list: PriceList) -> PriceList:
    """Create or change a price list; marking it default takes the flag off every other list.

    Orders take their unit price from the default list, so there is only one (kept here rather
    than as a constraint so the administrator can simply tick the new default).
    """
    price_list.full_clean()
    price_list.save()
    if price_list.is_default:
        PriceList.objects.filter(is_default=True).exclude(pk=price_list.pk).update(
            is_default=False)
    return price_list


# --- orders -------------------------------------------------------------------------------

def _product(row: dict) -> Product | None:
    product = row.get("product")
    if isinstance(product, Product):
        return product
    # bool is an int in Python (True == 1), so test the type, not membership in a tuple.
    if not isinstance(product, bool) and product is not None and str(product).isascii() \
            and str(product).isdigit():
        return Product.objects.filter(pk=int(product)).first()
    if row.get("product_code"):
        return Product.objects.filter(code=str(row["product_code"])).first()
    return None


def _line(row: dict, index: int) -> OrderLine:
    prefix = f"lines[{index}]"
    if not isinstance(row, dict):
        raise ValidationError({prefix: _("Each line needs a product and a quantity.")})
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
    # Rounded once per line, half up to the fen, as on a printed invoice; the total is the sum
    # of the rounded lines so the lines always add up to it.
    amount = (quantity * unit_price * (1 - discount)).quantize(CENT, rounding=ROUND_HALF_UP)
    if amount >= MAX_AMOUNT:
        raise ValidationError({f"{prefix}.quantity": _("The line amount is too large.")})
    line = OrderLine(product=product, quantity=quantity, unit_price=unit_price,
                     discount=discount, amount=amount)
    try:
        line.full_clean(exclude=["order"])
    except ValidationError as exc:  # too many digits or decimals for a column
        raise ValidationError({f"{prefix}.{name}": messages
                               for name, messages in exc.message_dict.items()}) from None
    return line


@transaction.atomic
def order_create(
    *, actor: User, customer: Customer, lines: list[dict], client_id: uuid.UUID | str | None = None,
    ordered_at=None, due_date=None, notes: str = "",
) -> tuple[Order, bool]:
    """Record an order; returns (order, created). A replayed client_id returns the first one."""
    client_id = _client_id(client_id)
    if client_id:
        existing = Order.objects.filter(client_id=client_id).first()
        if existing:
            if existing.rep_id != actor.pk or existing.customer_id != customer.pk:
                raise ValidationError({"client_id": _("This client id belongs to another record.")})
            return existing, False
    _refuse_unless_trading(actor)
    scoping.ensure_not_borrowed(actor, customer)  # a borrowed customer is read-only (借阅制度)
    if customer.is_archived:
        raise ValidationError({"customer": _("This customer is archived.")})
    if not lines or not isinstance(lines, list | tuple):
        raise ValidationError({"lines": _("An order needs at least one line.")})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": _("An order can have at most %(count)d lines.")
                               % {"count": MAX_LINES}})
    built = [_line(row, i) for i, row in enumerate(lines)]
    ordered_at = _moment(ordered_at, "ordered_at") if ordered_at else timezone.now()
    if due_date and not isinstance(due_date, datetime.date):
        raise ValidationError({"due_date": _("Enter a valid date.")})
    if isinstance(due_date, datetime.datetime):
        due_date = timezone.localdate(due_date) if timezone.is_aware(due_date) else due_date.date()
    if due_date and due_date < timezone.localdate(ordered_at):
        raise ValidationError({"due_date": _("Payment cannot be due before the order date.")})
    if due_date and due_date > timezone.localdate(ordered_at) + datetime.timedelta(
            days=params.DUE_MAX_DAYS):
        raise ValidationError({"due_date": _(
            "Payment can be due at most %(days)s days after the order date.")
            % {"days": params.DUE_MAX_DAYS}})
    total = sum((line.amount for line in built), Decimal("0"))
    if total >= MAX_AMOUNT:
        raise ValidationError({"lines": _("The order total is too large.")})
    order = Order(
        client_id=client_id or uuid.uuid4(), customer=customer, rep=actor,
        ordered_at=ordered_at, due_date=due_date, notes=(notes or "").strip()[:300],
        total=total, code=f"TMP{uuid.uuid4().hex[:16]}",
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
                 title=gettext_lazy("Order %(code)s: ¥%(total)s"),
                 params={"code": order.code, "total": order.total}, source=order)
    return order, True


def _refuse_unless_trading(actor: User) -> None:
    if not scoping.can_trade(actor):
        raise PermissionDenied(_("Your role does not take orders or record payments, returns "
                                 "or discounts."))


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _lock_customer(customer_id: int) -> None:
    """Serialise the writes that move a customer's money (taken before any order lock)."""
    list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk"))


def _refuse_when_cancelled(order: Order) -> None:
    if order.status == OrderStatus.CANCELLED:
        raise ValidationError({"order": _("This order is cancelled.")})


@transaction.atomic
def order_confirm(*, actor: User, order: Order) -> Order:
    """Confirm a submitted order (the company accepts it for delivery): not by its taker."""
    order = _locked(order)
    scoping.ensure_not_borrowed(actor, order.customer)
    _refuse_when_cancelled(order)
    if order.status != OrderStatus.SUBMITTED:
        raise ValidationError({"status": _("Only a submitted order can be confirmed.")})
    if not scoping.can_confirm_order(actor, order):
        raise PermissionDenied(_("Someone other than the person who took the order confirms "
                                 "it: their supervisor or manager."))
    order.status = OrderStatus.CONFIRMED
    order.confirmed_at = timezone.now()
    order.confirmed_by = actor
    order.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    timeline_add(customer_id=order.customer_id, kind="order", actor=actor, source=order,
                 title=gettext_lazy("Order %(code)s confirmed"), params={"code": order.code})
    return order


@transaction.atomic
def order_deliver(*, actor: User, order: Order) -> Order:
    """Mark a confirmed order as delivered to the outlet: not by its taker."""
    order = _locked(order)
    scoping.ensure_not_borrowed(actor, order.customer)
    _refuse_when_cancelled(order)
    if order.status != OrderStatus.CONFIRMED:
        raise ValidationError({"status": _("Only a confirmed order can be delivered.")})
    if not scoping.can_deliver_order(actor, order):
        raise PermissionDenied(_("Someone other than the person who took the order marks it "
                                 "delivered: their supervisor or manager."))
    order.status = OrderStatus.DELIVERED
    order.delivered_at = timezone.now()
    order.delivered_by = actor
    order.save(update_fields=["status", "delivered_at", "delivered_by"])
    timeline_add(customer_id=order.customer_id, kind="order", actor=actor, source=order,
                 title=gettext_lazy("Order %(code)s delivered"), params={"code": order.code})
    return order


@transaction.atomic
def order_cancel(*, actor: User, order: Order, reason: str) -> Order:
    """Cancel an order that is not delivered and has no payments or returns yet.

    The taker may withdraw a submitted order; a confirmed one is cancelled by someone who may
    confirm it (core.scoping.can_cancel_order).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for cancelling.")})
    _lock_customer(order.customer_id)
    order = _locked(order)
    scoping.ensure_not_borrowed(actor, order.customer)
    if order.status == OrderStatus.CANCELLED:
        raise ValidationError(_("This order is already cancelled."))
    if order.status == OrderStatus.DELIVERED:
        raise ValidationError(_("A delivered order cannot be cancelled; record a return."))
    if not scoping.can_cancel_order(actor, order):
        raise PermissionDenied(_("A confirmed order is cancelled by the supervisor or manager "
                                 "of the person who took it."))
    if order.payments.exists():
        raise ValidationError(_("An order with payments cannot be cancelled; record a return."))
    if order.returns.exclude(status=ReturnClaim.Status.REFUSED).exists():
        raise ValidationError(_("An order with returns or discounts cannot be cancelled."))
    account = customer_balance(order.customer_id)
    if account.total - order.total < account.paid + account.credited:
        raise ValidationError(_(
            "Cancelling this order would leave the customer's returns, claims and discounts "
            "(¥%(credited)s) larger than what they owe."
        ) % {"credited": account.credited})
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = timezone.now()
    order.cancelled_by = actor
    order.cancel_reason = reason[:200]
    order.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    signals.order_changed.send(sender=Order, order=order, actor=actor)
    timeline_add(customer_id=order.customer_id, kind="order", actor=actor, source=order,
                 title=gettext_lazy("Order %(code)s cancelled"), params={"code": order.code},
                 body=reason)
    return order


def order_outstanding(order: Order) -> Decimal:
    """What is still owed on an order (nothing on a cancelled one)."""
    return order_balance(order).outstanding


# --- money in and money back --------------------------------------------------------------

@transaction.atomic
def payment_record(
    *, actor: User, order: Order, amount, method: str = Payment.Method.TRANSFER, paid_at=None,
    client_id=None, notes: str = "",
) -> tuple[Payment, bool]:
    """Record money collected against an order; a replayed client_id is a no-op."""
    client_id = _client_id(client_id)
    if client_id:
        existing = Payment.objects.filter(client_id=client_id).first()
        if existing:
            if existing.order_id != order.pk or existing.collected_by_id != actor.pk:
                raise ValidationError({"client_id": _("This client id belongs to another record.")})
            return existing, False
    _refuse_unless_trading(actor)
    # The locks serialise two collectors paying the same customer, so together they can never
    # take more than is owed.
    _lock_customer(order.customer_id)
    order = _locked(order)
    scoping.ensure_not_borrowed(actor, order.customer)
    _refuse_when_cancelled(order)
    amount = _money(amount, "amount")
    paid_at = _moment(paid_at, "paid_at") if paid_at else timezone.now()
    if timezone.localdate(paid_at) < timezone.localdate(order.ordered_at):
        raise ValidationError({"paid_at": _("A payment cannot be dated before its order.")})
    outstanding = order_balance(order).outstanding
    if amount > outstanding:
        raise ValidationError({"amount": _("The amount is more than the ¥%(due)s still owed.")
                               % {"due": outstanding}})
    account = customer_balance(order.customer_id).outstanding
    if amount > account:
        raise ValidationError({"amount": _(
            "The amount is more than the ¥%(due)s the customer still owes in all, after the "
            "discounts and claims not tied to an order."
        ) % {"due": account}})
    payment = Payment(order=order, customer_id=order.customer_id, collected_by=actor,
                      amount=amount, method=method, paid_at=paid_at,
                      notes=(notes or "").strip()[:300], client_id=client_id or uuid.uuid4())
    payment.full_clean()
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:  # the same client id raced in from a second upload
        return Payment.objects.get(client_id=payment.client_id), False
    timeline_add(customer_id=order.customer_id, kind="payment", at=payment.paid_at, actor=actor,
                 source=payment, title=gettext_lazy("Payment ¥%(amount)s for %(code)s"),
                 params={"amount": amount, "code": order.code})
    return payment, True


def _over_order(amount: Decimal, balance: Balance, *, room: Decimal) -> ValidationError:
    return ValidationError({"amount": _(
        "The amount is more than the ¥%(left)s of this order that can still be credited: "
        "¥%(total)s ordered, ¥%(paid)s paid, ¥%(credited)s returned, claimed or discounted, "
        "¥%(pending)s awaiting approval."
    ) % {"left": room, "total": balance.total, "paid": balance.paid,
         "credited": balance.credited, "pending": balance.pending}})


def _over_account(balance: Balance, *, room: Decimal) -> ValidationError:
    return ValidationError({"amount": _(
        "The amount is more than the ¥%(left)s the customer still owes in all: ¥%(total)s "
        "ordered, ¥%(paid)s paid, ¥%(credited)s returned, claimed or discounted, ¥%(pending)s "
        "awaiting approval."
    ) % {"left": room, "total": balance.total, "paid": balance.paid,
         "credited": balance.credited, "pending": balance.pending}})


def _unapproved_recently(customer_id: int) -> Decimal:
    """Credits of the customer that counted without anyone's approval within the window."""
    since = timezone.now() - datetime.timedelta(days=settings.RETURN_APPROVAL_WINDOW_DAYS)
    total = ReturnClaim.objects.filter(
        customer_id=customer_id, status=ReturnClaim.Status.APPROVED, decided_by__isnull=True,
        recorded_at__gte=since).aggregate(s=Sum("amount", output_field=MONEY_SUM))["s"]
    return Decimal(total or 0)


@transaction.atomic
def return_create(
    *, actor: User, customer: Customer, amount, reason: str,
    kind: str = ReturnClaim.Kind.RETURN, order: Order | None = None, client_id=None,
) -> tuple[ReturnClaim, bool]:
    """Record a return, claim or discount; returns (record, created), idempotent on client_id.

    A return of goods names the order they came from; a claim or discount may be tied to an
    order or to the customer's account in general. Either way it covers at most what is still
    owed (module docstring). Above settings.RETURN_APPROVAL_AMOUNT it is recorded as pending
    and counts only once someone who may countersign it approves it (return_approve).
    """
    client_id = _client_id(client_id)
    if client_id:
        existing = ReturnClaim.objects.filter(client_id=client_id).first()
        if existing:
            if existing.customer_id != customer.pk:
                raise ValidationError({"client_id": _("This client id belongs to another record.")})
            return existing, False
    _refuse_unless_trading(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    if kind not in ReturnClaim.Kind.values:
        raise ValidationError({"kind": _("Choose a return, a claim or a discount.")})
    amount = _money(amount, "amount")
    _lock_customer(customer.pk)
    if order is not None and order.customer_id != customer.pk:
        raise ValidationError({"order": _("The order belongs to another customer.")})
    scoping.ensure_not_borrowed(actor, customer)  # a borrowed customer is read-only (借阅制度)
    if order is not None:
        order = _locked(order)
        _refuse_when_cancelled(order)
        on_order = order_balance(order)
        if amount > on_order.creditable:
            raise _over_order(amount, on_order, room=on_order.creditable)
    elif kind == ReturnClaim.Kind.RETURN:
        raise ValidationError({"order": _("A return of goods names the order they came from.")})
    account = customer_balance(customer.pk)
    if amount > account.creditable:
        raise _over_account(account, room=account.creditable)
    approved = scoping.may_credit_without_approval(actor, amount,
                                                   _unapproved_recently(customer.pk))
    claim = ReturnClaim(customer=customer, order=order, kind=kind, reason=reason[:300],
                        amount=amount, recorded_by=actor, client_id=client_id or uuid.uuid4(),
                        status=(ReturnClaim.Status.APPROVED if approved
                                else ReturnClaim.Status.PENDING))
    claim.full_clean()
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        return ReturnClaim.objects.get(client_id=claim.client_id), False
    title = (gettext_lazy("%(kind)s ¥%(amount)s") if approved
             else gettext_lazy("%(kind)s ¥%(amount)s awaiting approval"))
    timeline_add(customer_id=customer.pk, kind="return", actor=actor, source=claim,
                 title=title, params=_claim_params(claim), body=claim.reason)
    return claim, True


def return_record(*, actor: User, customer: Customer, amount, reason: str, kind: str =
                  ReturnClaim.Kind.RETURN, order: Order | None = None,
                  client_id=None) -> ReturnClaim:
    """Record a return, claim or discount granted to a customer (see return_create)."""
    claim, _created = return_create(actor=actor, customer=customer, amount=amount, reason=reason,
                                    kind=kind, order=order, client_id=client_id)
    return claim


def _pending_for_decision(actor: User, claim: ReturnClaim) -> ReturnClaim:
    _lock_customer(claim.customer_id)
    claim = (ReturnClaim.objects.select_for_update().select_related("recorded_by", "customer")
             .get(pk=claim.pk))
    if claim.status != ReturnClaim.Status.PENDING:
        raise ValidationError({"status": _("This has already been decided.")})
    if not scoping.can_decide_credit(actor, claim):
        raise PermissionDenied(_("A return, claim or discount is approved by the supervisor or "
                                 "manager of the person who recorded it, never by that person."))
    return claim


@transaction.atomic
def return_approve(*, actor: User, claim: ReturnClaim, note: str = "") -> ReturnClaim:
    """Approve a pending return, claim or discount: from now on it counts.

    It must still fit what is owed by now (a payment may have come in since it was recorded).
    """
    claim = _pending_for_decision(actor, claim)
    if claim.order_id is not None:
        on_order = order_balance(_locked(claim.order))
        if claim.amount > on_order.outstanding:
            raise ValidationError({"amount": _(
                "It can no longer be approved: only ¥%(left)s is still owed on the order. "
                "Refuse it, and record a smaller one if needed."
            ) % {"left": on_order.outstanding}})
    account = customer_balance(claim.customer_id)
    if claim.amount > account.outstanding:
        raise ValidationError({"amount": _(
            "It can no longer be approved: the customer owes only ¥%(left)s in all. Refuse it, "
            "and record a smaller one if needed."
        ) % {"left": account.outstanding}})
    return _decide(actor, claim, ReturnClaim.Status.APPROVED, note,
                   gettext_lazy("%(kind)s ¥%(amount)s approved"))


@transaction.atomic
def return_refuse(*, actor: User, claim: ReturnClaim, note: str) -> ReturnClaim:
    """Refuse a pending return, claim or discount: it never counts. The reason is required so
    the person who recorded it learns why."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Give a reason for refusing.")})
    claim = _pending_for_decision(actor, claim)
    return _decide(actor, claim, ReturnClaim.Status.REFUSED, note,
                   gettext_lazy("%(kind)s ¥%(amount)s refused"))


def _claim_params(claim: ReturnClaim) -> dict:
    """A claim in a timeline title: its kind's label stays translatable (core.i18n)."""
    return {"kind": i18n.label(claim, "kind"), "amount": claim.amount}


def _decide(actor: User, claim: ReturnClaim, status: str, note: str, title) -> ReturnClaim:
    claim.status = status
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.decision_note = (note or "").strip()[:300]
    claim.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    timeline_add(customer_id=claim.customer_id, kind="return", actor=actor, source=claim,
                 title=title, params=_claim_params(claim), body=claim.decision_note)
    return claim
