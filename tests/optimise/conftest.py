"""Shared fixtures of the optimiser tests: a small city territory east of alice's home.

The engine's time budget is kept tiny (settings) so the whole module runs in seconds; the
results do not depend on it, since small days and territories stop on the no-improvement rule.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from outletcrm.optimise.models import RepBase
from outletcrm.visits.models import DailyPlan, PlannedStop
from tests.factories import CustomerFactory, customer_class

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HOME = (Decimal("30.270000"), Decimal("120.150000"))
# A future working day far from any holiday question, and "now" on it for mid-day tests.
DAY = datetime.date(2030, 5, 7)  # a Tuesday


def east(km: float) -> Decimal:
    """Longitude `km` kilometres east of HOME (at 30.27° N one degree is about 96.1 km)."""
    return (HOME[1] + Decimal(str(round(km / 96.1, 6)))).quantize(Decimal("0.000001"))


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture(autouse=True)
def fast_engine(settings):
    settings.ROUTING_DAY_SECONDS = 0.3
    settings.ROUTING_DESIGN_SECONDS = 0.6
    settings.ROUTING_TRAVEL_PROVIDER = "haversine"
    settings.ROUTING_WORK_START = "08:30"
    settings.ROUTING_WORK_END = "17:30"
    settings.ROUTING_OFFICE = ""
    settings.ROUTING_SERVICE_MINUTES = ""


@pytest.fixture(autouse=True)
def empty_day_cache():
    """Day plans are cached by problem (services._engine_day); row ids repeat between tests
    on SQLite, so each test starts with an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice_home(cast):
    return RepBase.objects.create(user=cast.alice, home_lat=HOME[0], home_lng=HOME[1])


@pytest.fixture
def line_shops(cast):
    """Four of alice's shops on a line 1–4 km east of her home (key class, open all day)."""
    return [CustomerFactory(owner=cast.alice, name=f"东{km}号店", latitude=HOME[0],
                            longitude=east(km), customer_class=customer_class("ordinary"))
            for km in (1, 2, 3, 4)]


def make_plan(rep, date, customers) -> DailyPlan:
    plan = DailyPlan.objects.create(rep=rep, date=date, generated_at=timezone.now())
    for position, customer in enumerate(customers, start=1):
        PlannedStop.objects.create(plan=plan, rep=rep, date=date, customer=customer,
                                   position=position)
    return plan


def names_in_order(plan: DailyPlan) -> list[str]:
    return list(plan.stops.order_by("position").values_list("customer__name", flat=True))
