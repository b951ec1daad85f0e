"""Reads of trading data, always inside the user's customer scope.

Orders, payments and returns belong to a customer and are seen through its scope
(`scoping.restrict(qs, user, via="customer__")`); the catalogue is the same for everyone.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone

from outletcrm.core import scoping
from outletcrm.customers.models import Customer
from outletcrm.customers.text import search_term
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
from outletcrm.org.models import User

MONEY = DecimalField(max_digits=14, decimal_places=2)  # one record's amount
# A sum of many records: 28 digits hold 10^14 rows of the largest amount, more than any
# database here will store, so no stored data makes a sum overflow a page or the API.
MONEY_SUM = DecimalField(max_digits=28, decimal_places=2)
ZERO = Decimal("0")
CENT = Decimal("0.01")
NOTHING = Decimal("0.00")  # zero yuan, as a sum prints it
# Only an approved return, claim or discount counts in receivables and the credit record.
APPROVED = ReturnClaim.Status.APPROVED
PENDING = ReturnClaim.Status.PENDING
# Punctuality looks back one year (brief §4: "payment punctuality and delays over the last year").
CREDIT_WINDOW_DAYS = 365


def _start_of(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of `day`, aware."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- catalogue ----------------------------------------------------------------------------

def default_price_list_q(on: datetime.date, *, prefix: str = "") -> Q:
    """Default price lists valid on a day (a list without dates is always valid)."""
    return (Q(**{f"{prefix}is_default": True})
            & (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on}))
            & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})))


def _default_price_subquery(on: datetime.date) -> Subquery:
    prices = (PriceListItem.objects.filter(product=OuterRef("pk"))
              .filter(default_price_list_q(on, prefix="price_list__"))
              .order_by("price_list__name", "price_list__pk").values("unit_price")[:1])
    return Subquery(prices, output_field=DecimalField(max_digits=12, decimal_places=2))


def product_list(*, competitor: bool | None = False, q: str = "") -> QuerySet:
    """Active products with their default price; competitor products only when asked.

    `competitor`: False → our products, True → competitor products, None → both.
    """
    qs = Product.objects.filter(is_active=True)
    if competitor is not None:
        qs = qs.filter(is_competitor=competitor)
    return product_search(qs, q).annotate(
        default_price=_default_price_subquery(timezone.localdate()))


def product_search(qs: QuerySet, q: str) -> QuerySet:
    """Products whose name, brand, code, specification or category contains `q`."""
    q = (q or "").strip()
    if not q:
        return qs
    return qs.filter(Q(name__icontains=q) | Q(brand__icontains=q) | Q(code__icontains=q)
                     | Q(spec__icontains=q) | Q(category__icontains=q))


def price_list_list() -> QuerySet:
    """Price lists with their prices, the default one first."""
    items = PriceListItem.objects.select_related("product").order_by("product__code")
    return PriceList.objects.prefetch_related(Prefetch("items", queryset=items))


# --- orders -------------------------------------------------------------------------------

@dataclass
class OrderFilters:
    """What the order list (page or API) asks for."""

    q: str = ""
    customer: int | None = None
    rep: int | None = None
    status: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _sum_per_order(qs: QuerySet) -> Coalesce:
    sums = (qs.filter(order=OuterRef("pk")).order_by().values("order")
            .annotate(s=Sum("amount", output_field=MONEY_SUM)).values("s"))
    return Coalesce(Subquery(sums, output_field=MONEY_SUM), Value(ZERO),
                    output_field=MONEY_SUM)


def with_balance(qs: QuerySet) -> QuerySet:
    """Annotate orders with paid_amount, returned_amount (approved returns, claims and
    discounts), pending_amount (awaiting approval) and outstanding, in the same query."""
    return qs.annotate(
        paid_amount=_sum_per_order(Payment.objects.all()),
        returned_amount=_sum_per_order(ReturnClaim.objects.filter(status=APPROVED)),
        pending_amount=_sum_per_order(ReturnClaim.objects.filter(status=PENDING)),
    ).annotate(
        outstanding=Case(
            When(status=OrderStatus.CANCELLED, then=Value(ZERO)),
            default=Greatest(F("total") - F("paid_amount") - F("returned_amount"), Value(ZERO),
                             output_field=MONEY_SUM),
            output_field=MONEY_SUM,
        )
    )


# --- balances the services bound every payment and credit by ------------------------------

def _sum(qs: QuerySet, field: str = "amount") -> Decimal:
    total = qs.aggregate(s=Sum(field, output_field=MONEY_SUM))["s"]
    return NOTHING if total is None else Decimal(total).quantize(CENT)


@dataclass(frozen=True)
class Balance:
    """What is owed on an order or by a customer, and how much can still be credited.

    `total` is what was ordered (cancelled orders excluded), `credited` the approved returns,
    claims and discounts, `pending` those awaiting approval.
    """

    total: Decimal
    paid: Decimal
    credited: Decimal
    pending: Decimal

    @property
    def outstanding(self) -> Decimal:
        """Still owed: what a payment, or an approval, may cover at most."""
        return max(self.total - self.paid - self.credited, NOTHING)

    @property
    def creditable(self) -> Decimal:
        """What a new return, claim or discount may cover: what is owed, less what already
        waits for approval (so two pending credits cannot together pass the bound)."""
        return max(self.outstanding - self.pending, NOTHING)


def _credits(qs: QuerySet) -> tuple[Decimal, Decimal]:
    sums = qs.aggregate(
        credited=Sum("amount", filter=Q(status=APPROVED), output_field=MONEY_SUM),
        pending=Sum("amount", filter=Q(status=PENDING), output_field=MONEY_SUM))
    return tuple(NOTHING if sums[k] is None else Decimal(sums[k]).quantize(CENT)
                 for k in ("credited", "pending"))


def order_balance(order: Order) -> Balance:
    """An order's balance (nothing is owed on a cancelled order)."""
    if order.status == OrderStatus.CANCELLED:
        return Balance(NOTHING, NOTHING, NOTHING, NOTHING)
    credited, pending = _credits(ReturnClaim.objects.filter(order=order))
    return Balance(total=order.total, paid=_sum(Payment.objects.filter(order=order)),
                   credited=credited, pending=pending)


def customer_balance(customer_id: int) -> Balance:
    """A customer's balance over all live orders, payments and credits (with or without an
    order)."""
    live = Order.objects.filter(customer_id=customer_id).exclude(status=OrderStatus.CANCELLED)
    credited, pending = _credits(ReturnClaim.objects.filter(customer_id=customer_id))
    return Balance(total=_sum(live, "total"),
                   paid=_sum(Payment.objects.filter(customer_id=customer_id)),
                   credited=credited, pending=pending)


def order_list(*, user: User, customer: Customer | None = None,
               filters: OrderFilters | None = None) -> QuerySet:
    """Orders the user may see (through the customer's scope), newest first, with balances."""
    qs = scoping.restrict(Order.objects.all(), user, via="customer__")
    if customer is not None:
        qs = qs.filter(customer=customer)
    qs = filter_orders(qs, filters or OrderFilters())
    return with_balance(qs).select_related("customer", "rep", "visit_link").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product"))
    ).order_by("-ordered_at", "-pk")


def filter_orders(qs: QuerySet, f: OrderFilters) -> QuerySet:
    """Narrow an (already scoped) order queryset by the list's filters."""
    if f.customer:
        qs = qs.filter(customer_id=f.customer)
    if f.rep:
        qs = qs.filter(rep_id=f.rep)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.date_from:
        qs = qs.filter(ordered_at__gte=_start_of(f.date_from))
    if f.date_to:
        qs = qs.filter(ordered_at__lt=_start_of(f.date_to + datetime.timedelta(days=1)))
    q = (f.q or "").strip()
    if q:
        term = search_term(q)
        condition = Q(code__iexact=q)
        if term:
            condition |= Q(customer__search_text__contains=term)
        qs = qs.filter(condition)
    return qs


def order_get(*, user: User, pk) -> Order:
    """One order in scope with its lines, payments, returns and visit, or Http404."""
    qs = with_balance(Order.objects.all()).select_related(
        "customer", "rep", "visit_link__visit",
    ).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
        Prefetch("payments", queryset=Payment.objects.select_related("collected_by")
                 .order_by("paid_at", "pk")),
        Prefetch("returns", queryset=ReturnClaim.objects.select_related("recorded_by",
                                                                         "decided_by")
                 .order_by("recorded_at", "pk")),
    ).select_related("confirmed_by", "delivered_by", "cancelled_by")
    return scoping.get_in_scope(qs, user, via="customer__", pk=pk)


def order_by_client_id(*, user: User, client_id) -> Order | None:
    """The order a device already uploaded under `client_id`, if the user may see it."""
    try:
        client_id = uuid.UUID(str(client_id))
    except (TypeError, ValueError):
        return None
    return order_list(user=user).filter(client_id=client_id).first()


def payment_list(*, user: User, order: Order | None = None,
                 customer: Customer | None = None) -> QuerySet:
    """Payments the user may see, newest first."""
    qs = scoping.restrict(Payment.objects.all(), user, via="customer__")
    if order is not None:
        qs = qs.filter(order=order)
    if customer is not None:
        qs = qs.filter(customer=customer)
    return qs.select_related("order", "collected_by").order_by("-paid_at", "-pk")


def return_list(*, user: User, customer: Customer | None = None,
                order: Order | None = None, status: str = "") -> QuerySet:
    """Returns, claims and discounts the user may see (any approval status), newest first."""
    qs = scoping.restrict(ReturnClaim.objects.all(), user, via="customer__")
    if customer is not None:
        qs = qs.filter(customer=customer)
    if order is not None:
        qs = qs.filter(order=order)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("customer", "order", "recorded_by", "decided_by").order_by(
        "-recorded_at", "-pk")


def return_get(*, user: User, pk) -> ReturnClaim:
    """One return, claim or discount in scope, or Http404."""
    qs = ReturnClaim.objects.select_related("customer", "order", "recorded_by", "decided_by")
    return scoping.get_in_scope(qs, user, via="customer__", pk=pk)


# --- what waits for a second pair of eyes (segregation of duties, core.scoping) -----------

def _countersignable(qs: QuerySet, user: User, author: str) -> QuerySet:
    """Records in scope whose `author` is someone else `user` may countersign (the list form
    of scoping.can_countersign: same roles, same scope)."""
    roles = scoping.countersign_roles(user)
    if not roles:
        return qs.none()
    return (scoping.restrict(qs, user, via="customer__").exclude(**{author: user})
            .filter(**{f"{author}__role__in": roles}))


def credits_to_decide(user: User) -> QuerySet:
    """Returns, claims and discounts awaiting approval that `user` may approve or refuse,
    oldest first."""
    qs = ReturnClaim.objects.filter(status=PENDING)
    return _countersignable(qs, user, "recorded_by").select_related(
        "customer", "order", "recorded_by").order_by("recorded_at", "pk")


def orders_to_move_on(user: User) -> QuerySet:
    """Submitted orders to confirm and confirmed ones to deliver that `user` may act on,
    oldest first, with balances."""
    qs = Order.objects.filter(status__in=[OrderStatus.SUBMITTED, OrderStatus.CONFIRMED])
    return with_balance(_countersignable(qs, user, "rep")).select_related(
        "customer", "rep").order_by("ordered_at", "pk")


# --- the credit record (brief §4: payment punctuality and delays over the last year) -------

@dataclass
class CreditRecord:
    """A customer's balance and payment punctuality over the last 12 months (brief §4).

    Balance: everything ordered (cancelled orders excluded) minus everything paid, returned,
    claimed or discounted (approved; `pending` is what awaits approval). Punctuality counts the orders whose due date fell in the 12 months up
    to today: an order is settled on the day payments and returns first cover its total; days
    late = settlement day − due date (0 if settled by the due date), or today − due date while
    it is still unpaid. An unpaid order is counted only once its due date has passed.
    """

    ordered: Decimal
    paid: Decimal
    returned: Decimal
    outstanding: Decimal
    orders_due: int
    paid_on_time: int
    average_days_late: float
    max_days_late: int
    settled_late: int = 0
    still_overdue: int = 0
    overdue_amount: Decimal = ZERO
    since: datetime.date | None = None
    today: datetime.date | None = None
    pending: Decimal = ZERO

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.paid_on_time / self.orders_due, 2) if self.orders_due else None


def _days_late(order: Order, today: datetime.date) -> tuple[int, Decimal] | None:
    """(days late, amount still owed) for an order due by today, or None if not counted."""
    # A credit settles from the day it counted: when approved, or when recorded if it
    # needed no approval.
    events = sorted(
        [(timezone.localdate(p.paid_at), p.amount) for p in order.payments.all()]
        + [(timezone.localdate(r.decided_at or r.recorded_at), r.amount)
           for r in order.returns.all() if r.status == APPROVED],
        key=lambda event: event[0],
    )
    remaining = order.total
    settled_on = timezone.localdate(order.ordered_at) if remaining <= 0 else None
    for day, amount in events:
        if settled_on is not None or day > today:
            break
        remaining -= amount
        if remaining <= 0:
            settled_on = day
    if settled_on is not None:
        return max((settled_on - order.due_date).days, 0), ZERO
    if today <= order.due_date:
        return None  # unpaid but not yet overdue: not counted
    return (today - order.due_date).days, remaining


def customer_credit(customer: Customer, *, today: datetime.date | None = None) -> CreditRecord:
    """Balance and punctuality: days late = settlement day (or today) minus the due date."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=CREDIT_WINDOW_DAYS)
    live = Order.objects.filter(customer=customer).exclude(status=OrderStatus.CANCELLED)
    balance = customer_balance(customer.pk)
    ordered, paid, returned = balance.total, balance.paid, balance.credited
    due_orders = live.filter(due_date__gt=since, due_date__lte=today).prefetch_related(
        "payments", "returns")
    lateness: list[int] = []
    still_overdue = 0
    overdue_amount = ZERO
    for order in due_orders:
        counted = _days_late(order, today)
        if counted is None:
            continue
        days, owed = counted
        lateness.append(days)
        if owed > 0:
            still_overdue += 1
            overdue_amount += owed
    paid_on_time = sum(1 for d in lateness if d == 0)
    outstanding = balance.outstanding
    return CreditRecord(
        ordered=ordered, paid=paid, returned=returned, outstanding=outstanding,
        orders_due=len(lateness), paid_on_time=paid_on_time,
        average_days_late=round(sum(lateness) / len(lateness), 1) if lateness else 0.0,
        max_days_late=max(lateness, default=0),
        settled_late=len(lateness) - paid_on_time - still_overdue,
        # A discount or claim not tied to an order lowers the balance, so what is overdue can
        # never be more than what the customer owes in all.
        still_overdue=still_overdue, overdue_amount=min(overdue_amount, outstanding),
        since=since, today=today, pending=balance.pending,
    )


# --- the archive's trading categories (brief §7) ------------------------------------------

@dataclass
class MonthTotal:
    month: datetime.date  # first day of the month
    amount: Decimal
    orders: int
    percent: int = 0  # of the busiest month, for a bar


def _month_starts(today: datetime.date, months: int) -> list[datetime.date]:
    year, month = today.year, today.month
    starts = []
    for _i in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def monthly_purchases(customer: Customer, *, today: datetime.date | None = None,
                      months: int = 12) -> list[MonthTotal]:
    """Order amounts per month over the last `months` months, oldest first, zeros included."""
    starts = _month_starts(today or timezone.localdate(), months)
    rows = (Order.objects.filter(customer=customer, ordered_at__gte=_start_of(starts[0]))
            .exclude(status=OrderStatus.CANCELLED)
            .annotate(month=TruncMonth("ordered_at")).order_by().values("month")
            .annotate(amount=Sum("total", output_field=MONEY_SUM), orders=Count("pk")))
    found = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = (timezone.localtime(month) if timezone.is_aware(month) else month).date()
        found[month.replace(day=1)] = row
    result = [MonthTotal(month=m, amount=found.get(m, {}).get("amount") or ZERO,
                         orders=found.get(m, {}).get("orders") or 0) for m in starts]
    busiest = max((r.amount for r in result), default=ZERO)
    for r in result:
        r.percent = int(r.amount * 100 / busiest) if busiest else 0
    return result


@dataclass
class CustomerTrading:
    """What the customer page shows in the archive's trading categories (brief §7)."""

    customer: Customer
    credit: CreditRecord
    orders: list
    order_count: int
    payments: list
    returns: list
    months: list[MonthTotal] = field(default_factory=list)
    more_returns: bool = False
    decidable: set[int] = field(default_factory=set)  # credits the user may approve or refuse
    can_trade: bool = False

    @property
    def year_total(self) -> Decimal:
        return sum((m.amount for m in self.months), ZERO)


def customer_trading(*, user: User, customer: Customer, today: datetime.date | None = None,
                     limit: int = 10) -> CustomerTrading | None:
    """Orders, receivables, history, returns and credit of a customer, or None out of scope."""
    if not scoping.restrict(Customer.objects.filter(pk=customer.pk), user).exists():
        return None
    orders = order_list(user=user, customer=customer)
    # Those awaiting approval first, so the tab shows them whatever their age.
    returns = return_list(user=user, customer=customer).order_by(
        Case(When(status=PENDING, then=Value(0)), default=Value(1)), "-recorded_at", "-pk")
    returns_shown = list(returns[:limit + 1])  # one more tells whether there are more
    return CustomerTrading(
        customer=customer,
        credit=customer_credit(customer, today=today),
        orders=list(orders[:limit]),
        order_count=orders.count(),
        payments=list(payment_list(user=user, customer=customer)[:limit]),
        returns=returns_shown[:limit],
        more_returns=len(returns_shown) > limit,
        months=monthly_purchases(customer, today=today),
        decidable=set(credits_to_decide(user).filter(customer=customer)
                      .values_list("pk", flat=True)),
        can_trade=scoping.can_trade(user),
    )
