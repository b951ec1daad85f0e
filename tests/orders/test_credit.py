"""The credit record (brief §4): balance and payment punctuality over the last 12 months.

Hand-made dates, as of 2026-06-30. Each order is ¥100 (10 × ¥10) unless said otherwise.
"""

import datetime
from decimal import Decimal

import pytest

from outletcrm.orders.models import ReturnClaim
from outletcrm.orders.selectors import customer_credit, monthly_purchases
from outletcrm.orders.services import order_cancel, payment_record, return_record
from tests.orders.conftest import at

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 30)


def d(month: int, day: int, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, day)


@pytest.fixture
def history(cast, make_order):
    rep, customer = cast.alice, cast.alice_customer

    def order(ordered, due, **kwargs):
        return make_order(rep, customer, day=ordered, due=due, **kwargs)

    def pay(o, day, amount):
        payment_record(actor=rep, order=o, amount=amount, paid_at=at(day, 15))

    on_time = order(d(3, 1), d(3, 31))
    pay(on_time, d(3, 25), "100")                          # settled 6 days early → 0
    late = order(d(4, 1), d(4, 30))
    pay(late, d(4, 28), "50")
    pay(late, d(5, 10), "50")                              # settled on 05-10 → 10 days late
    partial = order(d(5, 1), d(5, 31))
    pay(partial, d(5, 20), "30")                           # ¥70 still owed → 30 days late
    unpaid = order(d(6, 1), d(6, 15))                      # unpaid, overdue → 15 days late
    order(d(6, 20), d(7, 20))                              # not yet due → not counted
    order(d(6, 25), TODAY)                                 # due today, unpaid → not counted
    order(d(5, 1, 2025), d(6, 1, 2025))                    # due over a year ago → not counted
    order(d(6, 1), None)                                   # no due date → not counted
    by_return = order(d(6, 1), d(6, 10))
    pay(by_return, d(6, 5), "60")
    claim = return_record(actor=rep, customer=customer, order=by_return, amount="40",
                          reason="破损退货")
    ReturnClaim.objects.filter(pk=claim.pk).update(recorded_at=at(d(6, 12)))  # → 2 days late
    free = order(d(5, 1), d(6, 1), price="0")              # nothing to pay → on time
    cancelled = order(d(4, 1), d(4, 15))
    order_cancel(actor=rep, order=cancelled, reason="客户取消")  # cancelled → not counted
    later = order(d(6, 1), d(6, 20))
    pay(later, d(6, 28), "100")                            # 8 days late
    return locals()


def test_punctuality_counts_only_orders_due_in_the_last_year(cast, history):
    credit = customer_credit(cast.alice_customer, today=TODAY)
    # counted: on_time 0, late 10, partial 30, unpaid 15, by_return 2, free 0, later 8
    assert credit.orders_due == 7
    assert credit.paid_on_time == 2
    assert credit.on_time_rate == 28.57
    assert credit.average_days_late == round(65 / 7, 1) == 9.3
    assert credit.max_days_late == 30
    assert credit.settled_late == 3  # late, by_return, later
    assert credit.still_overdue == 2  # partial, unpaid
    assert credit.overdue_amount == Decimal("170.00")


def test_balance_is_everything_ordered_minus_paid_and_returned(cast, history):
    credit = customer_credit(cast.alice_customer, today=TODAY)
    # 10 live orders of ¥100 and one of ¥0; the cancelled one is not owed
    assert credit.ordered == Decimal("1000.00")
    assert credit.paid == Decimal("390.00")
    assert credit.returned == Decimal("40.00")
    assert credit.outstanding == Decimal("570.00")


def test_payments_after_the_as_of_day_do_not_count(cast, history):
    credit = customer_credit(cast.alice_customer, today=d(5, 5))
    # as of 05-05: on_time (0), late (half paid by then: 5 days) and the 2025 order, which
    # was due less than a year before (338 days); the rest were not due yet
    assert (credit.orders_due, credit.paid_on_time, credit.max_days_late) == (3, 1, 338)
    assert credit.still_overdue == 2 and credit.overdue_amount == Decimal("150.00")


def test_no_orders_means_no_rate(cast, catalogue):
    credit = customer_credit(cast.bob_customer, today=TODAY)
    assert credit.orders_due == 0 and credit.on_time_rate is None
    assert credit.outstanding == 0 and credit.average_days_late == 0.0


def test_monthly_purchases_cover_twelve_months_without_cancelled(cast, history):
    months = monthly_purchases(cast.alice_customer, today=TODAY)
    assert [m.month for m in months][:2] == [d(7, 1, 2025), d(8, 1, 2025)]
    assert months[-1].month == d(6, 1)
    by_month = {m.month: (m.amount, m.orders) for m in months}
    assert by_month[d(3, 1)] == (Decimal("100.00"), 1)
    assert by_month[d(4, 1)] == (Decimal("100.00"), 1)  # the cancelled April order is left out
    assert by_month[d(5, 1)] == (Decimal("100.00"), 2)  # partial and the free one
    assert by_month[d(6, 1)] == (Decimal("600.00"), 6)
    assert by_month[d(7, 1, 2025)] == (0, 0)  # the May 2025 order is older than a year
    assert max(m.percent for m in months) == 100


def test_overdue_money_is_never_more_than_the_balance(cast, make_order):
    overdue = make_order(cast.alice, cast.alice_customer, day=d(5, 1), due=d(5, 31))  # ¥100
    return_record(actor=cast.alice, customer=cast.alice_customer, amount="30",
                  reason="年度返利", kind=ReturnClaim.Kind.DISCOUNT)  # not tied to the order
    credit = customer_credit(cast.alice_customer, today=TODAY)
    assert credit.outstanding == Decimal("70.00")
    assert credit.overdue_amount == Decimal("70.00")  # not the order's ¥100
    assert credit.still_overdue == 1 and credit.max_days_late == 30
    assert overdue.total == Decimal("100.00")
