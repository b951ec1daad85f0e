"""Write the demo company to the database, wipe it, and retire its logins.

Seeding bypasses the per-customer services on purpose: 2,000 outlets must load in seconds and
100,000 for the benchmark in minutes, so rows go in with bulk_create. Everything the services
would add is still written, computed the same way: the search keys (customers.text), the
denormalised team/region the data scope filters on, one "created" history entry and one
timeline entry per customer.
"""

import contextlib
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.core import i18n
from outletcrm.core.history import snapshot
from outletcrm.core.models import ChangeLog, TimelineEntry
from outletcrm.customers.models import (
    CompetitorEntry,
    Contact,
    Customer,
    CustomerClass,
    OutletType,
    Tag,
)
from outletcrm.customers.text import build_search_text, name_sort_key, normalise
from outletcrm.demo.generator import DemoPlan, OutletPlan, generate
from outletcrm.demo.plan import DEMO_REGION_CODES, REGIONS, TEAMS
from outletcrm.org.models import Region, Team, User
from outletcrm.org.services import region_create, team_create, user_create

if TYPE_CHECKING:  # demo.field imports this module; only the annotation needs it here
    from outletcrm.demo.field import FieldSummary

# The fields of a demo customer's "created" history entry (what a rep fills in first).
CREATED_FIELDS = ["name", "outlet_type", "district", "address", "status", "customer_class",
                  "owner", "source"]

DEMO_PASSWORD = "outletcrm-demo"  # noqa: S105 - shown on screen by design; demo mode only


def default_password() -> str:
    """The shared demo password; settings.DEMO_PASSWORD wins so the login page hint agrees."""
    return getattr(settings, "DEMO_PASSWORD", "") or DEMO_PASSWORD


BATCH = 2000


class DemoNotAllowed(Exception):
    """Demo data may only be loaded in demo or test mode."""


class DemoDataExists(Exception):
    """The database already holds demo data; reset it first."""


@dataclass
class SeedResult:
    """What a seed wrote, for the command to report."""

    outlets: int
    contacts: int
    competitors: int
    people: list[User]
    password: str
    field: "FieldSummary | None" = None  # routes, plans and visit history (demo.field)


def demo_allowed() -> bool:
    """Demo rows (and their shared password) belong in demo mode or tests, never in production."""
    return bool(settings.DEMO_MODE) or settings.ENVIRONMENT == "test"


def require_demo_allowed() -> None:
    """Raise DemoNotAllowed outside demo and test mode."""
    if not demo_allowed():
        raise DemoNotAllowed(
            _(
                "Demo data can only be loaded with OUTLETCRM_ENV=demo; this is a %(env)s "
                "installation."
            )
            % {"env": settings.ENVIRONMENT}
        )


def demo_exists() -> bool:
    """Whether demo logins or the demo region tree are in the database."""
    return (
        User.objects.filter(is_demo=True).exists()
        or Region.objects.filter(code__in=DEMO_REGION_CODES).exists()
    )


@contextlib.contextmanager
def _explicit_timestamps(*fields):
    """Let bulk_create keep the given creation dates instead of stamping 'now'.

    The demo spreads customers over three years so lists, histories and timelines look lived
    in; auto_now/auto_now_add would overwrite that. Only used while seeding, in one process.
    """
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f, _now, _add in saved:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _org(plan: DemoPlan, password: str) -> dict[str, User]:
    """Regions (through region_create, so paths are right), teams and the demo logins."""
    regions: dict[str, Region] = {}
    for region in REGIONS:
        regions[region.code] = region_create(
            name=region.name,
            code=region.code,
            parent=regions[region.parent] if region.parent else None,
        )
    teams: dict[str, Team] = {
        team.key: team_create(name=team.name, region=regions[team.region]) for team in TEAMS
    }
    users = {}
    for person in plan.people:
        users[person.username] = user_create(
            username=person.username,
            password=None,
            role=person.role,
            display_name=person.display_name,
            mobile=person.mobile,
            team=teams[person.team] if person.team else None,
            region=regions[person.region] if person.region else None,
            is_demo=True,
        )
    # One hash for the one shared password: hashing it per user would cost seconds for nothing.
    User.objects.filter(pk__in=[u.pk for u in users.values()]).update(
        password=make_password(password)
    )
    return users


def _customer(outlet: OutletPlan, pk: int, *, owner: User, refs: dict) -> Customer:
    code = f"C{pk:07d}"
    customer = Customer(
        pk=pk,
        code=code,
        name=outlet.name,
        outlet_type=refs["types"][outlet.outlet_type],
        channel=outlet.channel,
        province=outlet.province,
        city=outlet.city,
        district=outlet.district,
        address=outlet.address,
        latitude=outlet.latitude,
        longitude=outlet.longitude,
        phone=outlet.phone,
        opens_at=outlet.opens_at,
        closes_at=outlet.closes_at,
        floor_area=outlet.floor_area,
        staff_count=outlet.staff_count,
        years_in_business=outlet.years_in_business,
        brands=outlet.brands,
        source=outlet.source,
        status=outlet.status,
        customer_class=refs["classes"][outlet.customer_class],
        abc_class=refs["classes"][outlet.abc_class] if outlet.abc_class else None,
        owner=owner,
        notes=outlet.notes,
        created_by=owner,
        created_at=outlet.created_at,
        updated_at=outlet.created_at,
    )
    # Same keys and scope columns as customers.services._refresh_keys / _sync_owner_scope.
    customer.team_id = owner.team_id
    customer.region_id = refs["team_region"][owner.team_id]
    customer.name_norm = normalise(customer.name)[:100]
    customer.name_sort = name_sort_key(customer.name)
    customer.address_norm = normalise(customer.full_address)[:200]
    customer.search_text = build_search_text(
        name=customer.name,
        address=customer.full_address,
        code=code,
        phones=[outlet.phone],  # contacts' mobiles are found through their hash (privacy)
    )
    # Four customers in five gave their consent to marketing use (greetings, gifts) when the
    # record was made; the rest get no festival greetings from the care rules (docs/privacy.md).
    if pk % 5:
        customer.marketing_consent = True
        customer.marketing_consent_on = outlet.created_at.date()
        customer.marketing_consent_source = ("written", "verbal", "wechat")[pk % 3]
    return customer


def _created_entry(customer: Customer) -> ChangeLog:
    """The history entry customer_create would write (the fields a rep fills in first), its
    labels language-neutral as core.history keeps them."""
    values = snapshot(customer, CREATED_FIELDS)
    return ChangeLog(
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        object_repr=customer.name[:200],
        action=ChangeLog.Action.CREATE,
        changes={k: [None, v] for k, v in values.items() if v},
        actor=customer.owner,
        at=customer.created_at,
    )


def _write_outlets(
    plan: DemoPlan, users: dict[str, User], progress: Callable[[int], None] | None
) -> tuple[int, int]:
    refs = {
        "types": {t.code: t for t in OutletType.objects.all()},
        "classes": {c.code: c for c in CustomerClass.objects.all()},
        "team_region": dict(Team.objects.values_list("pk", "region_id")),
    }
    tag_names = sorted({t for o in plan.outlets for t in o.tags})
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in tag_names}
    TagLink = Customer.tags.through
    # Explicit ids: customer numbers follow them (C0000001…), referrals and history entries can
    # point at customers before they exist, and nothing has to be read back after the insert.
    first_id = (Customer.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    created_title, created_message = i18n.store(gettext_lazy("Customer record created"))
    contacts = competitors = 0
    timestamp_fields = [
        Customer._meta.get_field("created_at"),
        Customer._meta.get_field("updated_at"),
        Contact._meta.get_field("created_at"),
        Contact._meta.get_field("updated_at"),
        CompetitorEntry._meta.get_field("updated_at"),
        ChangeLog._meta.get_field("at"),
    ]
    with _explicit_timestamps(*timestamp_fields):
        for start in range(0, len(plan.outlets), BATCH):
            chunk = list(enumerate(plan.outlets[start : start + BATCH], start=start))
            customers, rows = (
                [],
                {"contacts": [], "competitors": [], "tags": [], "log": [], "timeline": []},
            )
            for index, outlet in chunk:
                pk = first_id + index
                owner = users[outlet.owner]
                customer = _customer(outlet, pk, owner=owner, refs=refs)
                if outlet.referred_by is not None:
                    customer.referred_by_id = first_id + outlet.referred_by
                customers.append(customer)
                for c in outlet.contacts:
                    contact = Contact(customer_id=pk, created_at=outlet.created_at,
                                      updated_at=outlet.created_at, **vars(c))
                    contact.set_mobile_hash()  # bulk_create skips save()
                    rows["contacts"].append(contact)
                rows["competitors"] += [
                    CompetitorEntry(customer_id=pk, updated_at=outlet.created_at, **vars(c))
                    for c in outlet.competitors
                ]
                rows["tags"] += [TagLink(customer_id=pk, tag_id=tags[t].pk) for t in outlet.tags]
                rows["log"].append(_created_entry(customer))
                rows["timeline"].append(
                    TimelineEntry(
                        customer_id=pk,
                        kind="archive",
                        title=created_title,
                        title_message=created_message,
                        actor=owner,
                        at=outlet.created_at,
                    )
                )
            Customer.objects.bulk_create(customers)
            Contact.objects.bulk_create(rows["contacts"])
            CompetitorEntry.objects.bulk_create(rows["competitors"])
            TagLink.objects.bulk_create(rows["tags"])
            ChangeLog.objects.bulk_create(rows["log"])
            TimelineEntry.objects.bulk_create(rows["timeline"])
            contacts += len(rows["contacts"])
            competitors += len(rows["competitors"])
            if progress:
                progress(start + len(chunk))
    # Explicit ids leave PostgreSQL's sequence behind; the next customer_create must not clash.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Customer]):
            cursor.execute(sql)
    return contacts, competitors


def gather_planner_statistics() -> None:
    """ANALYZE after a bulk load. SQLite never gathers statistics by itself; PostgreSQL's
    autovacuum does only after the load commits (and never inside a test's transaction, where
    rows inserted by the transaction itself still count). Without them the KPI page's joins got
    nested-loop plans that took minutes on the demo's month of visits."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@transaction.atomic
def demo_seed(
    *,
    outlets: int = 2000,
    reps: int = 18,
    seed: int = 42,
    password: str | None = None,
    now: datetime.datetime | None = None,
    progress: Callable[[int], None] | None = None,
    field: bool = False,
) -> SeedResult:
    """Load the demo company: regions, teams, demo logins and `outlets` customers.

    With `field` the company also gets its field work: catalogue, routes, plans and a month of
    visits, orders and payments (outletcrm.demo.field). `seed_demo` asks for it by default;
    here it is off so callers that only need the archive (the 100,000-outlet benchmark) keep
    loading just that.
    """
    require_demo_allowed()
    if demo_exists():
        raise DemoDataExists(_("Demo data is already loaded; use --reset to replace it."))
    plan = generate(outlets=outlets, reps=reps, seed=seed, now=now)
    password = password or default_password()
    users = _org(plan, password)
    contacts, competitors = _write_outlets(plan, users, progress)
    summary = None
    if field:
        # Imported here: demo.field builds on this module (demo mode check, timestamps).
        from outletcrm.demo.field import seed_field

        summary = seed_field(now=now, seed=seed)
        from outletcrm.demo.complaints import seed_complaints

        # Complaints near and past their deadlines, and the customer-service login (kefu01).
        # At the clock the services read (they stamp responses and closings with now).
        users["kefu01"] = seed_complaints(password=password)["login"]
        # Customer care on rep01's list: a lunar birthday, gifts, today's care tasks.
        from outletcrm.demo.care import seed_care

        seed_care(now=now)
        # The custodian's desk: suspected duplicates and a change waiting for approval.
        from outletcrm.demo.governance import seed_governance

        seed_governance()
        # The custodian's desk, access side: a borrowing request and an access anomaly.
        from outletcrm.demo.access import seed_access

        seed_access(now=now, seed=seed)
        # A completed handover in the history (privacy and handover, issue 10).
        from outletcrm.demo.handover import seed_handover

        seed_handover(now=now)
        # Customer development: a running street sweep, its surveyed outlets, daily reports.
        from outletcrm.demo.development import seed_development

        seed_development(now=now)
        # The development pipeline: prospects in every stage, a lost and a won one, a referral.
        from outletcrm.demo.pipeline import seed_pipeline

        seed_pipeline(now=now)
    gather_planner_statistics()
    return SeedResult(
        outlets=len(plan.outlets),
        contacts=contacts,
        competitors=competitors,
        people=list(users.values()),
        password=password,
        field=summary,
    )


@transaction.atomic
def demo_reset() -> dict[str, int]:
    """Delete the demo company: its customers (with their history), logins, teams and regions."""
    require_demo_allowed()
    from outletcrm.demo.complaints import complaints_reset
    from outletcrm.demo.field import field_reset  # see demo_seed
    from outletcrm.demo.handover import handover_reset

    handover_reset()  # handovers protect the departing rep's login
    complaints_reset()  # complaints protect their customers and assignees
    from outletcrm.demo.governance import governance_reset

    governance_reset()  # archive change requests protect their requesters
    from outletcrm.demo.access import access_reset

    access_reset()  # the access log keeps plain user ids: clear the demo logins' rows
    from outletcrm.demo.development import development_reset

    development_reset()  # sweeps and reports protect customers, teams and logins
    # Field rows first: plans, visits, orders and payments protect the logins and customers.
    field_deleted = field_reset()
    demo_users = User.objects.filter(is_demo=True)
    customers = Customer.objects.filter(owner__is_demo=True)
    ids = customers.values("pk")
    deleted = {
        **field_deleted,
        "history": ChangeLog.objects.filter(customer_id__in=ids).delete()[0],
        "timeline": TimelineEntry.objects.filter(customer_id__in=ids).delete()[0],
    }
    deleted["customers"] = customers.count()
    customers.delete()
    deleted["users"] = demo_users.count()
    demo_users.delete()
    Team.objects.filter(region__code__in=DEMO_REGION_CODES).delete()
    # Children before parents: the tree's foreign keys protect parents.
    for region in sorted(
        Region.objects.filter(code__in=DEMO_REGION_CODES),
        key=lambda r: r.path.count("/"),
        reverse=True,
    ):
        region.delete()
    return deleted


@transaction.atomic
def demo_users_deactivate() -> int:
    """Switch off every demo login so a production start is allowed (core.checks)."""
    return User.objects.filter(is_demo=True, is_active=True).update(is_active=False)
