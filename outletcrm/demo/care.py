"""The demo company's customer care: what `make demo` shows on rep01's to-do list.

A few of rep01's customers get what care needs to show itself today: a lunar birthday within
its rule's days ahead (on a key customer: a gift, due today), a solar birthday later this week, a
wedding coming up in a contact's family, busy hours, and two gifts with their story. Then the
nightly care job runs for today, so the list is filled as it will be every night at 01:00:
birthdays, return visits, emotional calls, a festival greeting when one is near.
"""

import datetime
from decimal import Decimal

from django.utils import timezone
from lunar_python import Solar

from outletcrm.care import services as care
from outletcrm.care.choices import CareKind, FamilyEventKind
from outletcrm.customers.models import Contact, Customer, CustomerClass
from outletcrm.demo.services import require_demo_allowed
from outletcrm.org.models import Role, User

ONE_DAY = datetime.timedelta(days=1)


def _lunar_birthday_on(day: datetime.date) -> datetime.date | None:
    """A birthday stored as a lunar month/day that falls on `day` this year (None when `day`
    is in a leap month or the lunar day cannot be stored as a date)."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    if lunar.getMonth() < 0:  # a leap month: a stored birthday means the ordinary month
        return None
    try:
        return datetime.date(1966, lunar.getMonth(), lunar.getDay())
    except ValueError:
        return None


def seed_care(*, now: datetime.datetime | None = None) -> dict:
    """Care data for rep01's customers, then today's care tasks for everyone."""
    require_demo_allowed()
    today = timezone.localdate(now)
    rep = (User.objects.filter(is_demo=True, role=Role.REP, is_active=True)
           .order_by("username").first())
    if rep is None:
        return {"created": 0}
    supervisor = User.objects.filter(is_demo=True, role=Role.SUPERVISOR,
                                     team_id=rep.team_id).first()
    key = CustomerClass.objects.filter(code="key").first()
    # Customers with contacts, key customers first (their birthdays are a gift, days ahead).
    # Classes stay as the archive has them: the routes were designed for them.
    customers = sorted(Customer.objects.live().filter(owner=rep, contacts__isnull=False)
                       .distinct().order_by("pk")[:40],
                       key=lambda c: (c.customer_class_id != getattr(key, "pk", None), c.pk))
    if len(customers) < 4:
        return {"created": 0}
    lunar_customer, solar_customer, family_customer, gift_customer = customers[:4]
    # Greetings and gifts only for customers who consented to marketing use (privacy).
    Customer.objects.filter(pk__in=[c.pk for c in customers[:4]]).update(
        marketing_consent=True, marketing_consent_on=today - 30 * ONE_DAY,
        marketing_consent_source="written")
    # The lunar birthday falls within the rule's days ahead, so its task is due today.
    rule = care._Rules().get(CareKind.BIRTHDAY, lunar_customer.customer_class_id)
    lead = rule.lead_days if rule else 0
    for offset in range(lead, -1, -1):
        stored = _lunar_birthday_on(today + offset * ONE_DAY)
        if stored:
            contact = lunar_customer.contacts.order_by("-is_primary", "pk").first()
            Contact.objects.filter(pk=contact.pk).update(birthday=stored, birthday_is_lunar=True)
            break
    solar_day = today + 4 * ONE_DAY
    contact = solar_customer.contacts.order_by("-is_primary", "pk").first()
    Contact.objects.filter(pk=contact.pk).update(
        birthday=datetime.date(1979, solar_day.month, min(solar_day.day, 28)),
        birthday_is_lunar=False)
    family_contact = family_customer.contacts.order_by("-is_primary", "pk").first()
    care.family_event_add(actor=rep, contact=family_contact, kind=FamilyEventKind.WEDDING,
                          date=today + 5 * ONE_DAY, note="女儿出嫁，想请我们的人到场")
    care.family_event_add(actor=rep, contact=family_contact, kind=FamilyEventKind.OPENING,
                          date=datetime.date(2012, 6, 18), recurs_yearly=True,
                          note="开业纪念日")
    care.care_profile_save(actor=rep, customer=gift_customer, busy_from=datetime.time(9),
                           busy_to=datetime.time(11), busy_weekdays=[5, 6])
    gift_contact = gift_customer.contacts.order_by("-is_primary", "pk").first()
    care.gift_record(actor=rep, customer=gift_customer, contact=gift_contact,
                     date=today - 60 * ONE_DAY, description="西湖龙井一盒",
                     value=Decimal("380"), chosen_by=supervisor or rep,
                     story="老板爱喝茶，上次拜访时聊起明前龙井；主管亲自去茶庄挑的。")
    care.gift_record(actor=rep, customer=gift_customer, contact=gift_contact,
                     date=today - 10 * ONE_DAY, description="孩子的绘本套装",
                     value=Decimal("160"), chosen_by=rep,
                     story="老板娘说孩子刚上小学，爱看书。")
    return care.generate_care_tasks(today)
