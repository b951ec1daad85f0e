"""The demo company's development pipeline (issue 8 items 3, 4, 7): what `make demo` shows.

rep01's potential and intent customers go into the pipeline and are spread over every stage
with their output records, as if worked over the last weeks (stays with dates, so the funnel
has times in stage); one is lost with a reason, one won (now active), and one new customer
came by referral from an active customer of rep01, with an order, so the referrer's page shows
whom it brought. Everyone else's undeveloped prospects enter the first stage (`sync`).
"""

import datetime
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from outletcrm.customers.models import Customer
from outletcrm.customers.services import customer_create
from outletcrm.demo.data.products import CORE_PRODUCTS
from outletcrm.demo.services import require_demo_allowed
from outletcrm.orders.services import order_create
from outletcrm.org.models import Role, User
from outletcrm.pipeline import services
from outletcrm.pipeline.models import OutputRecord, Prospect, StageEntry
from outletcrm.visits.models import RouteStop

TEXTS = {
    "identified": "门店面积约200平，经营理念相近，老板有合作意愿；初定为普通经销商。",
    "phone_invitation": "电话邀约成功，约定周三上午10点上门；老板关心返利政策。",
    "visit_recommend": "已上门拜访并推荐主推品，产品手册已送达；店长反馈价格偏高。",
    "technical_exchange": "与老板及店长交流陈列与配送方案，会议纪要已确认。",
    "negotiation": "商务谈判：首单3万元，账期30天，返利2%，待老板确认。",
    "contract": "合同已签订，编号 HT-2026-018。",
}


def pipeline_exists() -> bool:
    return Prospect.objects.exists()


@transaction.atomic
def seed_pipeline(*, now: datetime.datetime | None = None) -> dict:
    """Prospects in every stage with records, a lost one, a won one, a referral."""
    require_demo_allowed()
    now = now or timezone.now()
    rep = (User.objects.filter(is_demo=True, role=Role.REP, is_active=True)
           .order_by("username").first())
    if rep is None:
        return {}
    stages = services.active_stages()
    candidates = list(Customer.objects.live().filter(owner=rep, status__in=["potential", "intent"])
                      .order_by("pk")[:len(stages) + 3])
    if len(candidates) < len(stages) + 1:
        return {}
    referral = _referral(rep, now)
    worked = []
    # One prospect per stage (the last, winning stage: won), then one lost at negotiation.
    for index, customer in enumerate(candidates[:len(stages)] + candidates[len(stages):][:1]):
        target = min(index, len(stages) - 1) if index < len(stages) else 4
        prospect = services.prospect_open(actor=rep, customer=customer)
        for stage in stages[1:target + 1]:
            services.output_add(actor=rep, prospect=prospect,
                                text=TEXTS.get(prospect.stage.code, "记录"))
            services.prospect_move(actor=rep, prospect=prospect, to_stage=stage)
            prospect.refresh_from_db()
        if index >= len(stages):
            services.prospect_close_lost(actor=rep, prospect=prospect, reason="competitor",
                                         note="老板与竞品签了年度协议，明年到期再跟进。")
        elif not prospect.stage.wins:
            services.prospect_set_next_action(
                actor=rep, prospect=prospect, next_action="下周回访，带样品",
                next_action_on=timezone.localdate(now) + datetime.timedelta(days=3))
        worked.append(prospect.pk)
    _spread_in_time(worked, now)
    opened = services.prospects_open_missing()
    return {"prospects": len(worked) + opened, "referral": referral}


def _spread_in_time(prospect_ids: list[int], now) -> None:
    """Date the demo's stays as if each stage took a few days, ending today."""
    for n, prospect_id in enumerate(prospect_ids):
        entries = list(StageEntry.objects.filter(prospect_id=prospect_id).order_by("pk"))
        at = now - datetime.timedelta(days=3 + 4 * len(entries) + n)
        start = at
        for i, entry in enumerate(entries):
            entry.entered_at = at
            at = at + datetime.timedelta(days=2 + (i + n) % 4, hours=3)
            if entry.left_at is not None:
                entry.left_at = min(at, now)
                entry.seconds = int((entry.left_at - entry.entered_at).total_seconds())
            entry.save(update_fields=["entered_at", "left_at", "seconds"])
        last = entries[-1]
        Prospect.objects.filter(pk=prospect_id).update(
            created_at=start, entered_stage_at=last.entered_at)
        OutputRecord.objects.filter(prospect_id=prospect_id).update(created_at=last.entered_at)


def _referral(rep: User, now) -> int | None:
    """A new outlet referred by one of the rep's active customers, with its first order."""
    referrer = Customer.objects.live().filter(owner=rep, status="active").order_by("pk").first()
    if referrer is None:
        return None
    # Next door to the referrer, on the same street (the demo's outlets all sit on real streets).
    street = referrer.address.split(" ")[0]
    position = {}
    if referrer.latitude is not None and referrer.longitude is not None:
        position = {"latitude": referrer.latitude + Decimal("0.00002"),
                    "longitude": referrer.longitude}
    customer = customer_create(
        actor=rep, name="佳乐多便利店（转介绍）", outlet_type=referrer.outlet_type,
        province=referrer.province, city=referrer.city, district=referrer.district,
        address=f"{street} 8-1 号", source="referral", referred_by=referrer, status="active",
        customer_class=referrer.customer_class, check_duplicates=False, **position)
    # On the referrer's route days, right after it, so the new customer is visited as often as
    # its class asks (the demo's routes meet every class's frequency).
    RouteStop.objects.bulk_create(
        RouteStop(route_id=stop.route_id, customer=customer, position=stop.position)
        for stop in RouteStop.objects.filter(customer=referrer))
    # Its first order, through the orders service (lines, totals and code as any order's).
    order_create(actor=rep, customer=customer, client_id=uuid.uuid4(),
                 ordered_at=now - datetime.timedelta(days=2),
                 lines=[{"product_code": CORE_PRODUCTS[0], "quantity": 12},
                        {"product_code": CORE_PRODUCTS[2], "quantity": 6}])
    return customer.pk
