"""A small world of real records for the schema fuzz run (tests/api/test_fuzz_schema.py).

The cast of tests/conftest.py plus one of everything the API serves: a catalogue, an order
with a payment and a return, a contact and a competitor entry, a route, today's plan, a visit,
a finished route design and territory split. `path_value` maps a path parameter to the id of
the matching record, so generated requests reach the code behind "not found".
"""

import datetime
import re
import uuid
import zlib
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.authtoken.models import Token

from outletcrm.care.models import CareRule
from outletcrm.churn.models import ChurnFlag
from outletcrm.customers.models import CustomerClass, OutletType, Tag
from outletcrm.notifications.services import notify
from outletcrm.orders.models import PriceList, PriceListItem
from outletcrm.orders.services import order_create, payment_record, return_create
from outletcrm.org.models import Region, Role, Team
from outletcrm.visits.routes import route_create
from outletcrm.visits.services import plan_add_stop, task_add, visit_check_in
from tests.factories import (
    CompetitorFactory,
    ContactFactory,
    CustomerFactory,
    ProductFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
)

HOME = (Decimal("30.270000"), Decimal("120.150000"))


def _shop(owner, name, km):
    return CustomerFactory(owner=owner, name=name, latitude=HOME[0],
                           longitude=HOME[1] + Decimal(str(round(km / 96.1, 6))))


def build_world(*, design: bool = False, territory: bool = False) -> SimpleNamespace:
    east = RegionFactory(name="华东大区", code="east")
    zhejiang = RegionFactory(name="浙江省区", code="zhejiang", parent=east)
    hangzhou = RegionFactory(name="杭州办事处", code="hangzhou", parent=zhejiang)
    team = TeamFactory(name="杭州一组", region=hangzhou)
    alice = UserFactory(username="alice", display_name="王丽", team=team)
    bob = UserFactory(username="bob", display_name="李波", team=team)
    sup = UserFactory(username="sup", display_name="张主管", role=Role.SUPERVISOR, team=team)
    shop = _shop(alice, "联华超市", 1)
    shops = [shop] + [_shop(alice, f"东{km}号店", km) for km in (2, 3)]
    shops += [_shop(bob, f"西{km}号店", -km) for km in (1, 2)]
    tag = Tag.objects.create(name="社区店")
    shop.tags.set([tag])
    contact = ContactFactory(customer=shop, name="王老板")
    competitor = CompetitorFactory(customer=shop)

    water = ProductFactory(code="W500", name="天然矿泉水", spec="500ml×24")
    price_list = PriceList.objects.create(name="标准价", is_default=True)
    PriceListItem.objects.create(price_list=price_list, product=water, unit_price=Decimal("10"))
    order, _ = order_create(actor=alice, customer=shop, lines=[{"product": water,
                                                                "quantity": 10}])
    payment, _ = payment_record(actor=alice, order=order, amount=Decimal("30"))
    claim, _ = return_create(actor=alice, customer=shop, order=order, amount=Decimal("10"),
                             reason="破损")

    today = timezone.localdate()
    route = route_create(actor=sup, rep=alice, name="周一路线", weekday=today.weekday(),
                         customer_ids=[s.pk for s in shops[:3]])
    stop = plan_add_stop(actor=sup, rep=alice, date=today, customer=shop)
    own_stop = plan_add_stop(actor=alice, rep=alice, date=today, customer=shops[1])
    visit, _ = visit_check_in(actor=alice, customer=shop, client_id=uuid.uuid4(),
                              device_time=timezone.now() - datetime.timedelta(minutes=5),
                              lat=HOME[0], lng=HOME[1], accuracy_m=10, fix_age_s=2)

    notification = notify(user=sup, kind="task.due", title=gettext_lazy("A task is due"),
                          link=f"/customers/{shop.pk}/")

    task, _ = task_add(actor=alice, rep=alice, title="送海报", customer=shop, due_date=today)

    from outletcrm.complaints.models import ServiceTarget
    from outletcrm.complaints.services import complaint_intake

    complaint = complaint_intake(actor=alice, customer=shop, contact=contact, channel="phone",
                                 category="product", severity="high", description="漏液")
    target = ServiceTarget.objects.order_by("pk").first()
    churn_flag = ChurnFlag.objects.create(
        customer=shop, raised_on=today, reasons=["interval"],
        evidence={"last_order": (today - datetime.timedelta(days=30)).isoformat(),
                  "days_since": 30, "usual_interval_days": 7.0, "order_days_12m": 40,
                  "value_last_90": "100.00", "value_previous_90": "300.00",
                  "drop_percent": 66.7, "interval_multiple": "2.0", "drop_threshold": 50})
    from outletcrm.care.services import family_event_add, gift_record

    family_event = family_event_add(actor=alice, contact=contact, kind="wedding",
                                    date=today + datetime.timedelta(days=30))
    gift, _ = gift_record(actor=alice, customer=shop, contact=contact, date=today,
                          description="西湖龙井", value=Decimal("200"), story="老板爱喝茶")

    from outletcrm.pipeline.services import prospect_open

    prospect = prospect_open(actor=alice, customer=shops[2])

    world = SimpleNamespace(**{k: v for k, v in locals().items() if k != "_"})
    world.design = world.territory = None
    # Running the optimiser costs seconds: only the operations on its jobs get them.
    if design:
        from outletcrm.optimise.services import design_start

        world.design = design_start(actor=sup, rep=alice, cycle_weeks=1)
    if territory:
        from outletcrm.optimise.services import territory_start

        world.territory = territory_start(actor=sup, team=team, cycle_weeks=1)

    def token_for(user):
        return Token.objects.get_or_create(user=user)[0].key

    world.token_for = token_for
    return world


# The record a path parameter names, by the path segment before it.
def _ids(world) -> dict[tuple[str, str], object]:
    job = world.design or world.territory
    return {
        ("customers", "id"): world.shop.pk,
        ("customers", "customer_pk"): world.shop.pk,
        ("competitors", "id"): world.competitor.pk,
        ("contacts", "id"): world.contact.pk,
        ("customer-classes", "id"): CustomerClass.objects.order_by("pk").first().pk,
        ("outlet-types", "id"): OutletType.objects.order_by("pk").first().pk,
        ("orders", "id"): world.order.pk,
        ("returns", "id"): world.claim.pk,
        ("products", "id"): world.water.pk,
        ("price-lists", "id"): world.price_list.pk,
        ("plans", "id"): world.stop.plan_id,
        ("plan-stops", "id"): world.stop.pk,
        ("stops", "stop_id"): world.own_stop.pk,
        ("routes", "id"): world.route.pk,
        ("regions", "id"): Region.objects.get(code="hangzhou").pk,
        ("teams", "id"): Team.objects.get(name="杭州一组").pk,
        ("tags", "id"): world.tag.pk,
        ("users", "id"): world.alice.pk,
        ("visits", "client_id"): str(world.visit.client_id),
        ("visits", "ref"): str(world.visit.client_id),
        ("tasks", "client_id"): str(world.task.client_id),
        ("tasks", "id"): world.task.pk,
        ("designs", "id"): world.design.pk if world.design else None,
        ("territories", "id"): world.territory.pk if world.territory else None,
        ("jobs", "id"): job.pk if job else None,
        ("notifications", "id"): world.notification.pk,
        ("complaints", "id"): world.complaint.pk,
        ("service-targets", "id"): world.target.pk,
        ("churn-flags", "id"): world.churn_flag.pk,
        ("care-rules", "id"): CareRule.objects.order_by("pk").first().pk,
        ("family-events", "id"): world.family_event.pk,
        ("gifts", "id"): world.gift.pk,
        ("prospects", "id"): world.prospect.pk,
        ("pipeline-stages", "id"): world.prospect.stage_id,
    }


def path_value(world, path: str, name: str, generated):
    """A real id for `{name}` in `path` three times out of four; else the generated value."""
    # A stable hash (str's hash() changes per process), so the run is the same every time.
    if zlib.crc32(repr(generated).encode()) % 4 == 0:
        return generated
    match = re.search(r"/([^/{}]+)/\{" + re.escape(name) + r"\}", path)
    value = _ids(world).get((match.group(1), name)) if match else None
    return generated if value is None else value


FIELD_PATHS = ("/api/v1/me", "/api/v1/visits", "/api/v1/sync")


def user_for(world, path: str):
    """The rep for the field app's operations, his supervisor for everything else."""
    return world.alice if path.startswith(FIELD_PATHS) else world.sup
