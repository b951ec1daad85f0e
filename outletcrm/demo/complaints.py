"""Demo complaints (issue 9 item 2): for the first demo reps, one open complaint near its
response deadline, one past its deadline (marked breached, with its notifications) and one
resolved and closed, with the satisfaction call on the rep's list; and the demo
customer-service login `kefu01` (客服) who logged them.

Everything goes through the complaints services, so targets, log, timeline and tasks are what
the product itself would have written.
"""

import datetime

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from outletcrm.complaints import services
from outletcrm.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto
from outletcrm.core import workcal
from outletcrm.customers.models import Customer
from outletcrm.org.models import Role, User
from outletcrm.org.services import user_create

KEFU = "kefu01"


def working_minutes_ago(now: datetime.datetime, minutes: int) -> datetime.datetime:
    """The moment `minutes` working minutes before `now` (10-minute steps, bounded)."""
    moment = now
    for _ in range(6 * 24 * 30):
        if workcal.working_minutes_between(moment, now) >= minutes:
            return moment
        moment -= datetime.timedelta(minutes=10)
    return moment


def _kefu(password: str | None) -> User:
    user = User.objects.filter(username=KEFU).first()
    if user is None:
        user = user_create(username=KEFU, password=None, role=Role.CUSTOMER_SERVICE,
                           display_name="客服周婷", is_demo=True)
        if password:
            User.objects.filter(pk=user.pk).update(password=make_password(password))
    return user


def seed_complaints(*, now: datetime.datetime | None = None, password: str | None = None,
                    reps: list[User] | None = None) -> dict:
    """Three complaints for each of the first two demo reps; returns counts and the login."""
    now = now or timezone.now()
    kefu = _kefu(password)
    if reps is None:
        reps = list(User.objects.filter(is_demo=True, role=Role.REP, is_active=True)
                    .order_by("username")[:2])
    made = 0
    for rep in reps:
        customers = list(Customer.objects.filter(owner=rep).order_by("pk")[:3])
        if len(customers) < 3:
            continue
        # Near its deadline: a high-severity complaint, 100 of its 120 response minutes gone.
        services.complaint_intake(
            actor=kefu, customer=customers[0], channel="hotline", category="delivery",
            severity="high", description="昨天的货少了两箱矿泉水，店里已经断货，请尽快补送。",
            received_at=working_minutes_ago(now, 100))
        # Past its deadline: received two working days ago and never answered.
        services.complaint_intake(
            actor=kefu, customer=customers[1], channel="wechat", category="product",
            severity="normal", description="一箱饮料里有三瓶漏液，包装箱都湿了。",
            received_at=working_minutes_ago(now, 2 * 480 + 60))
        # Resolved and closed: the satisfaction call is on the rep's list.
        closed = services.complaint_intake(
            actor=kefu, customer=customers[2], channel="phone", category="price",
            severity="low", description="老板说隔壁批发部同款便宜两块，觉得我们价格太高。",
            received_at=working_minutes_ago(now, 240))
        services.complaint_respond(actor=rep, complaint=closed, text="已电话回复，明天上门说明。")
        services.complaint_resolve(
            actor=rep, complaint=closed, resolution_type="explained",
            note="核对了市场价，说明了我们的配送和退换服务，老板接受。",
            market_price=40, competitor_quote=38, competitor_brand="农夫山泉")
        services.complaint_close(actor=kefu, complaint=closed)
        made += 3
    breaches = services.scan_breaches(now=now)
    return {"complaints": made, "breaches": breaches, "login": kefu}


def complaints_reset() -> int:
    """Delete the demo customers' complaints (they protect the customers) before a reset."""
    ids = Customer.objects.filter(owner__is_demo=True).values("pk")
    ComplaintPhoto.objects.filter(complaint__customer_id__in=ids).delete()
    ComplaintEvent.objects.filter(complaint__customer_id__in=ids).delete()
    return Complaint.objects.filter(customer_id__in=ids).delete()[0]
