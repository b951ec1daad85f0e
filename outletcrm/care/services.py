"""Customer care writes: rules, family events, gifts, busy hours, and the nightly care tasks.

`generate_care_tasks(day)` is the periodic job (care/tasks.py, settings.SCHEDULE "care-tasks"):
it puts on each owner's to-do list the care tasks due within the look-ahead window
(settings.CARE_LOOKAHEAD_DAYS) — birthdays, festivals, periodic return visits, emotional calls
and family events — through visits.services.tasks_create_system. Each task carries a key that
names its rule, its subject and its occurrence ("care:bday:c12:2027-03-04"), so a second run,
or a rerun after a crash, creates nothing twice (docs/care.md).
"""

import datetime
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from outletcrm.care import dates
from outletcrm.care.choices import (
    TASK_BIRTHDAY,
    TASK_CALL,
    TASK_FAMILY_EVENT,
    TASK_FESTIVAL,
    TASK_RETURN_VISIT,
    CareAction,
    CareKind,
    FamilyEventKind,
    Festival,
)
from outletcrm.care.models import CareProfile, CareRule, FamilyEvent, Gift
from outletcrm.core import i18n, scoping, workcal
from outletcrm.core.timeline import timeline_add
from outletcrm.customers.choices import Status
from outletcrm.customers.models import Contact, Customer
from outletcrm.org.models import User
from outletcrm.visits.choices import VisitStatus
from outletcrm.visits.models import FollowUpTask, Visit
from outletcrm.visits.services import SystemTask, tasks_create_system

# --- rules --------------------------------------------------------------------------------

RULE_FIELDS = ("name", "kind", "festival", "action", "lead_days", "every_days", "is_active",
               "sort_order")


@transaction.atomic
def care_rule_save(*, actor: User, rule: CareRule | None = None, customer_classes=None,
                   **fields) -> CareRule:
    """Create or change a care rule (managers and administrators)."""
    if not scoping.can_manage_care_rules(actor):
        raise PermissionDenied(_("Only managers and administrators change care rules."))
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    rule = rule or CareRule()
    for name, value in fields.items():
        setattr(rule, name, value)
    if rule.kind != CareKind.FESTIVAL:
        rule.festival = ""
    rule.full_clean()
    rule.save()
    if customer_classes is not None:
        rule.customer_classes.set(customer_classes)
    return rule


@transaction.atomic
def care_rule_set_active(*, actor: User, rule: CareRule, active: bool) -> CareRule:
    """Switch a rule on or off."""
    if not scoping.can_manage_care_rules(actor):
        raise PermissionDenied(_("Only managers and administrators change care rules."))
    rule.is_active = active
    rule.save(update_fields=["is_active"])
    return rule


# --- family events, gifts, busy hours -----------------------------------------------------

@transaction.atomic
def family_event_add(*, actor: User, contact: Contact, kind: str, date: datetime.date,
                     is_lunar: bool = False, recurs_yearly: bool = False, note: str = ""
                     ) -> FamilyEvent:
    """Record a family event of a contact; it reaches the customer's timeline."""
    event = FamilyEvent(customer_id=contact.customer_id, contact=contact, kind=kind, date=date,
                        is_lunar=is_lunar, recurs_yearly=recurs_yearly, note=note.strip(),
                        created_by=actor if getattr(actor, "pk", None) else None)
    event.full_clean()
    event.save()
    timeline_add(customer_id=contact.customer_id, kind="care", actor=actor, source=event,
                 title=gettext_lazy("Family event of %(contact)s: %(event)s on %(date)s"),
                 params={"contact": contact.name, "event": i18n.label(event, "kind"),
                         "date": date.isoformat()},
                 body=event.note)
    return event


@transaction.atomic
def family_event_delete(*, actor: User, event: FamilyEvent) -> None:
    event.delete()


def gift_budget(customer: Customer) -> Decimal:
    """The customer's yearly gift budget in yuan: by class (settings.CARE_GIFT_BUDGET_BY_CLASS,
    keyed by class code), else settings.CARE_GIFT_BUDGET_YUAN."""
    by_class = getattr(settings, "CARE_GIFT_BUDGET_BY_CLASS", {}) or {}
    code = customer.customer_class.code if customer.customer_class_id else None
    value = by_class.get(code, getattr(settings, "CARE_GIFT_BUDGET_YUAN", 1000))
    return Decimal(str(value))


def gift_year_total(customer: Customer, year: int) -> Decimal:
    """What the customer's gifts of `year` were worth."""
    total = Gift.objects.filter(customer=customer, date__year=year).aggregate(s=Sum("value"))["s"]
    return total or Decimal("0")


@dataclass(frozen=True)
class GiftBudget:
    """A customer's gift spending in a year against the budget (a warning, never a refusal)."""

    year: int
    total: Decimal
    budget: Decimal

    @property
    def over(self) -> bool:
        return self.total > self.budget

    @property
    def left(self) -> Decimal:
        return self.budget - self.total


def gift_budget_status(customer: Customer, year: int) -> GiftBudget:
    return GiftBudget(year=year, total=gift_year_total(customer, year),
                      budget=gift_budget(customer))


@transaction.atomic
def gift_record(*, actor: User, customer: Customer, date: datetime.date, description: str,
                value=Decimal("0"), contact: Contact | None = None, chosen_by: User | None = None,
                story: str = "", task: FollowUpTask | None = None) -> tuple[Gift, GiftBudget]:
    """Record a gift and its story; returns the gift and the year's budget after it.

    Over the yearly budget the gift is still recorded: the budget warns, it does not refuse
    (a leader may decide a key customer's wedding is worth it).
    """
    if contact is not None and contact.customer_id != customer.pk:
        raise ValidationError({"contact": _("Choose a contact of this customer.")})
    if task is not None and task.customer_id != customer.pk:
        raise ValidationError({"task": _("Choose a task of this customer.")})
    gift = Gift(customer=customer, contact=contact, date=date, description=description.strip(),
                value=value, chosen_by=chosen_by, story=story.strip(), task=task,
                created_by=actor if getattr(actor, "pk", None) else None)
    gift.full_clean()
    gift.save()
    timeline_add(customer_id=customer.pk, kind="care", actor=actor, source=gift,
                 title=gettext_lazy("Gift: %(gift)s (¥%(value)s), chosen by %(person)s"),
                 params={"gift": gift.description, "value": str(gift.value),
                         "person": str(chosen_by or actor)},
                 body=gift.story[:500])
    return gift, gift_budget_status(customer, date.year)


@transaction.atomic
def gift_delete(*, actor: User, gift: Gift) -> None:
    gift.delete()


@transaction.atomic
def care_profile_save(*, actor: User, customer: Customer, busy_from=None, busy_to=None,
                      busy_weekdays=None) -> CareProfile:
    """Set when the customer does not want calls (emotional calls avoid it)."""
    profile, _made = CareProfile.objects.get_or_create(customer=customer)
    profile.busy_from, profile.busy_to = busy_from, busy_to
    profile.busy_weekdays = sorted(set(busy_weekdays or []))
    profile.full_clean()
    profile.save()
    return profile


# --- the nightly care tasks -----------------------------------------------------------------

TITLES = {
    "birthday": gettext_lazy("Birthday of %(contact)s (%(customer)s) on %(date)s: %(action)s"),
    "lunar_birthday": gettext_lazy(
        "Lunar birthday of %(contact)s (%(customer)s) on %(date)s: %(action)s"),
    "festival": gettext_lazy("%(festival)s on %(date)s: %(action)s to %(customer)s"),
    "return_visit": gettext_lazy("Periodic return visit to %(customer)s: ask how satisfied "
                                 "they are and what they need"),
    "call": gettext_lazy("Call %(contact)s (%(customer)s) around %(time)s, just to ask how "
                         "things are"),
    "family_event": gettext_lazy(
        "%(event)s of %(contact)s (%(customer)s) on %(date)s: %(action)s"),
}
RETURN_VISIT_SPREAD_DAYS = 28  # customers never visited get their first return visit spread


class _Ref:
    """A record named by model and id only (a task's source), without loading it."""

    __slots__ = ("_meta", "pk")

    def __init__(self, model, pk):
        self._meta = model._meta
        self.pk = pk


class _Rules:
    """Active rules by (kind, festival), resolved per customer class: a rule naming the class
    wins over one naming none (docs/care.md)."""

    def __init__(self):
        self.tables: dict[tuple[str, str], dict] = defaultdict(dict)
        for rule in CareRule.objects.filter(is_active=True).prefetch_related("customer_classes"):
            classes = [c.pk for c in rule.customer_classes.all()] or [None]
            for class_id in classes:
                self.tables[(rule.kind, rule.festival)].setdefault(class_id, rule)

    def keys(self, kind: str) -> list[str]:
        return [festival for (k, festival) in self.tables if k == kind]

    def get(self, kind: str, class_id, festival: str = "") -> CareRule | None:
        table = self.tables.get((kind, festival))
        if not table:
            return None
        return table.get(class_id) or table.get(None)

    def all(self, kind: str) -> list[CareRule]:
        return [r for (k, _f), table in self.tables.items() if k == kind for r in table.values()]


class _Calendar:
    """workcal.is_workday, asked once per date of a run."""

    def __init__(self):
        self.known: dict[datetime.date, bool] = {}

    def is_workday(self, day: datetime.date) -> bool:
        if day not in self.known:
            self.known[day] = workcal.is_workday(day)
        return self.known[day]

    def due(self, event: datetime.date, lead: int, today: datetime.date) -> datetime.date:
        """`lead` days before `event`, moved back to a working day, never before today."""
        due = event - datetime.timedelta(days=lead)
        while due > today and not self.is_workday(due):
            due -= dates.ONE_DAY
        return max(due, today)

    def forward(self, day: datetime.date, busy_weekdays=()) -> datetime.date:
        """`day`, or the first working day after it that is not a busy weekday."""
        for _step in range(60):
            if self.is_workday(day) and day.weekday() not in busy_weekdays:
                return day
            day += dates.ONE_DAY
        return day


def generate_care_tasks(day: datetime.date) -> dict:
    """Put the care tasks due within the look-ahead window from `day` on the owners' lists.

    Idempotent: tasks are keyed by rule, subject and occurrence, and return visits and calls
    follow from the tasks already made, so running twice creates nothing twice. Reads every
    table once (values, iterators) and creates in bulk: no query per customer.
    """
    started = time.monotonic()
    lookahead = int(getattr(settings, "CARE_LOOKAHEAD_DAYS", 7))
    horizon = day + datetime.timedelta(days=lookahead)
    rules = _Rules()
    calendar = _Calendar()
    # Customers in daily work, not lost: id → (owner, class, name); and those of them who
    # consented to marketing use, the only ones greeted or given gifts (privacy, brief §7).
    customers: dict[int, tuple] = {}
    consenting: set[int] = set()
    for pk, owner_id, class_id, name, consent in (
            Customer.objects.live().exclude(status=Status.LOST).order_by()
            .values_list("pk", "owner_id", "customer_class_id", "name", "marketing_consent")
            .iterator(chunk_size=10_000)):
        customers[pk] = (owner_id, class_id, name)
        if consent:
            consenting.add(pk)
    marketing = customers
    if getattr(settings, "CARE_REQUIRE_CONSENT", True):
        marketing = {pk: row for pk, row in customers.items() if pk in consenting}
    specs: list[SystemTask] = []
    primary: dict[int, str] = {}
    specs += _birthdays(day, horizon, rules, calendar, customers, primary, marketing)
    specs += _festivals(day, horizon, rules, calendar, marketing)
    specs += _family_events(day, horizon, rules, calendar, marketing)
    specs += _return_visits(day, horizon, rules, calendar, customers)
    specs += _calls(day, horizon, rules, calendar, customers, primary)
    counts: dict[str, int] = defaultdict(int)
    fresh = _not_yet_made(specs)
    for spec in fresh:
        counts[spec.kind] += 1
    # Big batches: fewer commits (each batch is still one transaction, so a crash leaves
    # whole tasks only).
    created = tasks_create_system(fresh, batch_size=10_000)
    return {"day": day.isoformat(), "considered": len(specs), "created": created,
            "by_kind": dict(counts), "seconds": round(time.monotonic() - started, 2)}


def _not_yet_made(specs: list[SystemTask]) -> list[SystemTask]:
    """The specs whose key no task has yet: a second run stops here, before any text is made."""
    fresh = []
    for start in range(0, len(specs), 2000):
        chunk = specs[start:start + 2000]
        known = set(FollowUpTask.objects.filter(dedupe_key__in=[s.dedupe_key for s in chunk])
                    .values_list("dedupe_key", flat=True))
        fresh += [s for s in chunk if s.dedupe_key not in known]
    return fresh


def _made_by(rules: list[CareRule]):
    """Tasks made from these rules (the task's source is its rule)."""
    return FollowUpTask.objects.filter(source_type=CareRule._meta.label_lower,
                                       source_id__in=[r.pk for r in rules],
                                       customer_id__isnull=False)


def _action(rule: CareRule):
    return dict(CareAction.choices)[rule.action]


def _birthdays(day, horizon, rules, calendar, customers, primary,
               marketing) -> list[SystemTask]:
    birthday_rules = rules.all(CareKind.BIRTHDAY)
    lead = max((r.lead_days for r in birthday_rules), default=0)
    end = horizon + datetime.timedelta(days=lead)
    maps = {False: dates.occurrence_map(day, end, is_lunar=False),
            True: dates.occurrence_map(day, end, is_lunar=True)}
    specs = []
    contacts = (Contact.objects.order_by().values_list(
        "pk", "customer_id", "name", "birthday", "birthday_is_lunar", "is_primary")
        .iterator(chunk_size=10_000))
    for pk, customer_id, name, birthday, is_lunar, is_primary in contacts:
        customer = customers.get(customer_id)
        if customer is None:
            continue
        if is_primary or customer_id not in primary:
            primary[customer_id] = name
        if birthday is None or not birthday_rules or customer_id not in marketing:
            continue
        rule = rules.get(CareKind.BIRTHDAY, customer[1])
        if rule is None:
            continue
        for when in maps[is_lunar].get((birthday.month, birthday.day), ()):
            due = calendar.due(when, rule.lead_days, day)
            if due > horizon:
                continue
            specs.append(SystemTask(
                dedupe_key=f"care:bday:c{pk}:{when.isoformat()}", rep_id=customer[0],
                kind=TASK_BIRTHDAY, due_date=due, customer_id=customer_id,
                title=TITLES["lunar_birthday" if is_lunar else "birthday"],
                title_params={"contact": name, "customer": customer[2],
                              "date": when.isoformat(), "action": _action(rule)},
                source=_Ref(Contact, pk)))
    return specs


def _festivals(day, horizon, rules, calendar, customers) -> list[SystemTask]:
    specs = []
    labels = dict(Festival.choices)
    for festival in rules.keys(CareKind.FESTIVAL):
        table_rules = rules.tables[(CareKind.FESTIVAL, festival)].values()
        lead = max(r.lead_days for r in table_rules)
        for when in dates.festival_occurrences(festival, day,
                                               horizon + datetime.timedelta(days=lead)):
            for customer_id, (owner_id, class_id, name) in customers.items():
                rule = rules.get(CareKind.FESTIVAL, class_id, festival)
                if rule is None:
                    continue
                due = calendar.due(when, rule.lead_days, day)
                if due > horizon:
                    continue
                specs.append(SystemTask(
                    dedupe_key=f"care:fest:{festival}:c{customer_id}:{when.isoformat()}",
                    rep_id=owner_id, kind=TASK_FESTIVAL, due_date=due, customer_id=customer_id,
                    title=TITLES["festival"],
                    title_params={"festival": labels[festival], "customer": name,
                                  "date": when.isoformat(), "action": _action(rule)},
                    source=rule))
    return specs


def _family_events(day, horizon, rules, calendar, customers) -> list[SystemTask]:
    event_rules = rules.all(CareKind.FAMILY_EVENT)
    if not event_rules:
        return []
    lead = max(r.lead_days for r in event_rules)
    end = horizon + datetime.timedelta(days=lead)
    labels = dict(FamilyEventKind.choices)
    specs = []
    events = (FamilyEvent.objects.order_by().values_list(
        "pk", "customer_id", "contact__name", "kind", "date", "is_lunar", "recurs_yearly")
        .iterator(chunk_size=10_000))
    for pk, customer_id, contact_name, kind, date, is_lunar, recurs in events:
        customer = customers.get(customer_id)
        rule = customer and rules.get(CareKind.FAMILY_EVENT, customer[1])
        if rule is None:
            continue
        if recurs:
            whens = dates.occurrences(date.month, date.day, is_lunar, day, end)
        else:
            when = dates.lunar_to_solar(date.year, date.month, date.day) if is_lunar else date
            whens = [when] if day <= when <= end else []
        for when in whens:
            due = calendar.due(when, rule.lead_days, day)
            if due > horizon:
                continue
            specs.append(SystemTask(
                dedupe_key=f"care:fam:e{pk}:{when.isoformat()}", rep_id=customer[0],
                kind=TASK_FAMILY_EVENT, due_date=due, customer_id=customer_id,
                title=TITLES["family_event"],
                title_params={"event": labels[kind], "contact": contact_name,
                              "customer": customer[2], "date": when.isoformat(),
                              "action": _action(rule)},
                source=_Ref(FamilyEvent, pk)))
    return specs


def _return_visits(day, horizon, rules, calendar, customers) -> list[SystemTask]:
    """A customer whose last visit (or return-visit task) is older than the rule's interval
    gets a return visit (定期回访, brief §6). Customers with no contact in the interval are
    spread over the next weeks (their phase), not all put on one day."""
    visit_rules = rules.all(CareKind.RETURN_VISIT)
    if not visit_rules:
        return []
    longest = max(r.every_days for r in visit_rules)
    since = day - datetime.timedelta(days=longest)
    last: dict[int, datetime.date] = dict(
        Visit.objects.filter(date__gte=since).exclude(status=VisitStatus.REJECTED).order_by()
        .values_list("customer_id").annotate(last=Max("date")))
    # The return visits this job made (found through their rule: the (source_type,
    # source_id) index, not a scan of every task); the field's own return visits follow a
    # visit, which the visits above already count.
    for customer_id, due in (_made_by(visit_rules).filter(
            kind=TASK_RETURN_VISIT, due_date__gte=since).order_by().values_list("customer_id")
            .annotate(last=Max("due_date"))):
        if due > last.get(customer_id, datetime.date.min):
            last[customer_id] = due
    specs = []
    for customer_id, (owner_id, class_id, name) in customers.items():
        rule = rules.get(CareKind.RETURN_VISIT, class_id)
        if rule is None:
            continue
        every = datetime.timedelta(days=rule.every_days)
        previous = last.get(customer_id)
        if previous is not None and previous >= day - every:
            due = previous + every
        else:
            due = dates.phase_date(customer_id, min(rule.every_days, RETURN_VISIT_SPREAD_DAYS),
                                   day)
        due = calendar.forward(due)
        if due > horizon:
            continue
        specs.append(SystemTask(
            dedupe_key=f"care:rv:c{customer_id}:{due.isoformat()}", rep_id=owner_id,
            kind=TASK_RETURN_VISIT, due_date=due, customer_id=customer_id,
            title=TITLES["return_visit"], title_params={"customer": name}, source=rule))
    return specs


def _calls(day, horizon, rules, calendar, customers, primary) -> list[SystemTask]:
    """Emotional calls: about every N weeks, jittered (care.dates.next_emotional_call)."""
    call_rules = rules.all(CareKind.EMOTIONAL_CALL)
    if not call_rules:
        return []
    longest = max(r.every_days for r in call_rules)
    history: dict[int, list[datetime.date]] = defaultdict(list)
    for customer_id, due in (_made_by(call_rules).filter(
            kind=TASK_CALL, due_date__gte=day - datetime.timedelta(days=3 * longest))
            .order_by("customer_id", "due_date")
            .values_list("customer_id", "due_date").iterator(chunk_size=10_000)):
        history[customer_id].append(due)
    profiles = {row[0]: row[1:] for row in CareProfile.objects.values_list(
        "customer_id", "busy_from", "busy_to", "busy_weekdays")}
    periods = workcal.working_periods()
    specs = []
    for customer_id, (owner_id, class_id, name) in customers.items():
        rule = rules.get(CareKind.EMOTIONAL_CALL, class_id)
        if rule is None:
            continue
        busy_from, busy_to, busy_days = profiles.get(customer_id, (None, None, []))
        busy_days = tuple(busy_days or ())
        calls = history.get(customer_id, [])
        due = None
        if calls:
            last = calls[-1]
            gap = (last - calls[-2]).days if len(calls) > 1 else None
            due = dates.next_emotional_call(
                last=last, every_days=rule.every_days, previous_interval=gap,
                seed=f"call:{customer_id}:{last.isoformat()}", is_workday=calendar.is_workday,
                busy_weekdays=busy_days)
            if due < day:  # the rule was off for a while: start again from today
                due = None
        if due is None:
            due = calendar.forward(dates.phase_date(customer_id, rule.every_days, day),
                                   busy_days)
        if due > horizon:
            continue
        at = dates.suggest_call_time(busy_from, busy_to, periods,
                                     seed=f"time:{customer_id}:{due.isoformat()}")
        specs.append(SystemTask(
            dedupe_key=f"care:call:c{customer_id}:{due.isoformat()}", rep_id=owner_id,
            kind=TASK_CALL, due_date=due, customer_id=customer_id, title=TITLES["call"],
            title_params={"contact": primary.get(customer_id, name), "customer": name,
                          "time": at.strftime("%H:%M")},
            source=rule))
    return specs
