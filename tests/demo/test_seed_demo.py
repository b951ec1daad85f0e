"""The demo company: what seed-demo writes, where it puts outlets, and when it refuses."""

import io
from collections import Counter, defaultdict

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from outletcrm.core import scoping
from outletcrm.core.checks import refuse_unsafe_production
from outletcrm.core.models import ChangeLog, TimelineEntry
from outletcrm.customers.models import Contact, Customer
from outletcrm.customers.selectors import CustomerFilters, customer_list
from outletcrm.customers.text import pinyin_keys
from outletcrm.customers.validators import validate_mobile, validate_phone
from outletcrm.demo import geo
from outletcrm.demo.data.hangzhou import LAT_RANGE, LNG_RANGE, STREETS
from outletcrm.demo.generator import generate
from outletcrm.demo.services import default_password
from outletcrm.org.models import Region, Role, Team, User
from tests.factories import CustomerFactory

OUTLETS = 200


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return seed(outlets=OUTLETS)


def test_seed_writes_the_company_and_prints_the_logins(seeded):
    # The generated outlets, and the one outlet the pipeline's demo files from a referral.
    referrals = Customer.objects.filter(name="佳乐多便利店（转介绍）").count()
    assert referrals == 1
    filed = OUTLETS + referrals
    assert Customer.objects.count() == filed
    assert Region.objects.count() == 10 and Team.objects.count() == 6
    users = User.objects.all()
    assert all(u.is_demo and u.is_active for u in users)
    assert Counter(u.role for u in users) == {
        Role.REP: 18,
        Role.SUPERVISOR: 6,
        Role.MANAGER: 3,
        Role.CUSTODIAN: 1,
        Role.ADMIN: 1,
        Role.CUSTOMER_SERVICE: 1,
    }
    assert users.get(username="rep01").check_password(default_password())
    assert sorted(Customer.objects.values_list("code", flat=True))[:2] == ["C0000001", "C0000002"]
    # One "created" history entry and one timeline entry per customer, dated at its creation.
    assert (
        ChangeLog.objects.filter(action=ChangeLog.Action.CREATE, object_type="customer").count()
        == filed
    )
    assert TimelineEntry.objects.filter(kind="archive").count() == filed
    first = Customer.objects.get(code="C0000001")
    assert ChangeLog.objects.get(customer_id=first.pk, action=ChangeLog.Action.CREATE).at == first.created_at
    assert Contact.objects.count() >= OUTLETS
    for login in ("admin", "custodian", "mgr01", "sup06", "rep01", "rep18", default_password()):
        assert login in seeded
    # Seeded rows carry explicit ids; the next customer filed must still get a fresh one
    # (PostgreSQL's sequence is moved past them).
    extra = CustomerFactory(owner=users.get(username="rep01"), name="新开便利店")
    assert extra.pk == filed + 1


def test_every_record_passes_model_validation(seeded):
    for customer in Customer.objects.select_related("owner__team"):
        customer.full_clean()
        # The data scope columns follow the owner, as the customer services keep them.
        assert customer.team_id == customer.owner.team_id
        assert customer.region_id == customer.owner.team.region_id
        if customer.referred_by_id:
            referrer = Customer.objects.get(pk=customer.referred_by_id)
            assert referrer.owner_id == customer.owner_id and referrer.code < customer.code
    for contact in Contact.objects.all():
        contact.full_clean()
        validate_mobile(contact.mobile)
        assert len(contact.mobile) == 11
    for phone in Customer.objects.exclude(phone="").values_list("phone", flat=True):
        validate_phone(phone)


def test_outlets_sit_on_their_hangzhou_street(seeded):
    streets = defaultdict(list)
    for street in STREETS:
        streets[(street.name, street.district)].append(street.points)
    for customer in Customer.objects.all():
        lat, lng = float(customer.latitude), float(customer.longitude)
        assert LAT_RANGE[0] < lat < LAT_RANGE[1] and LNG_RANGE[0] < lng < LNG_RANGE[1]
        street_name = customer.address.split(" ")[0]
        assert customer.city == "杭州市" and customer.district
        metres = min(
            geo.distance_to_polyline_m((lat, lng), points)
            for points in streets[(street_name, customer.district)]
        )
        assert metres <= 40, (customer.name, customer.address, metres)


def test_the_street_table_is_inside_hangzhou():
    for street in STREETS:
        for lat, lng in street.points:
            assert LAT_RANGE[0] < lat < LAT_RANGE[1] and LNG_RANGE[0] < lng < LNG_RANGE[1], (
                street.name
            )
        assert geo.polyline_length_m(street.points) > 300, street.name


def test_house_numbers_grow_along_the_street():
    plan = generate(outlets=3000, reps=18, seed=3)
    sides = defaultdict(list)
    for outlet in plan.outlets:
        sides[(outlet.street, outlet.side)].append((outlet.fraction, outlet.number))
    for (street, side), numbers in sides.items():
        ordered = [n for _, n in sorted(numbers)]
        assert ordered == sorted(ordered), STREETS[street].name
        assert all(n % 2 == (1 if side == 1 else 0) for n in ordered)


def test_generator_is_repeatable_and_keeps_the_class_shares():
    first, second = generate(outlets=1000, seed=5), generate(outlets=1000, seed=5)
    assert [o.name for o in first.outlets] == [o.name for o in second.outlets]
    assert Counter(o.customer_class for o in first.outlets) == {
        "key": 100,
        "ordinary": 300,
        "potential": 600,
    }
    # Territories: every rep works inside one team's streets, and a team's reps get equal shares.
    team_of = {p.username: p.team for p in first.people if p.role == Role.REP}
    by_rep = Counter(o.owner for o in first.outlets)
    assert set(by_rep) == set(team_of)
    assert all(team_of[o.owner] == o.team for o in first.outlets)
    for team in set(team_of.values()):
        sizes = [n for rep, n in by_rep.items() if team_of[rep] == team]
        assert max(sizes) - min(sizes) <= 1


def test_pinyin_initials_find_a_seeded_outlet(seeded):
    customer = Customer.objects.filter(name__contains="(").order_by("code").first()
    _, initials = pinyin_keys(customer.name)
    owner = customer.owner
    for user in (owner, User.objects.get(username="custodian")):
        found = customer_list(user=user, filters=CustomerFilters(q=initials[:6]))
        assert customer in found


def test_data_scope_follows_the_org_chart(seeded):
    mgr = User.objects.get(username="mgr01")  # 杭州西区: 西湖 and 三墩 offices
    west_teams = Team.objects.filter(region__parent__code="hz-west")
    visible = scoping.restrict(Customer.objects.all(), mgr)
    assert visible.count() == Customer.objects.filter(team__in=west_teams).count() > 0
    rep = User.objects.get(username="rep01")
    assert set(scoping.restrict(Customer.objects.all(), rep).values_list("owner", flat=True)) == {
        rep.pk
    }


def test_second_seed_refuses_and_reset_replaces(seeded):
    with pytest.raises(CommandError):
        seed(outlets=10)
    out = seed(outlets=50, reset=True, seed=9)
    assert Customer.objects.count() == 50 and User.objects.filter(is_demo=True).count() == 30
    assert "50" in out
    seed(outlets=10, if_empty=True)  # already has data: does nothing
    assert Customer.objects.count() == 50


def test_production_refuses_to_seed(db, settings):
    settings.ENVIRONMENT = "production"
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="OUTLETCRM_ENV=demo"):
        seed(outlets=10)
    assert not User.objects.exists() and not Customer.objects.exists()


def test_deactivating_demo_users_lets_production_start(db, settings):
    seed(outlets=20)
    settings.ENVIRONMENT = "production"
    settings.DEMO_MODE = False
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured):
        refuse_unsafe_production()
    out = io.StringIO()
    call_command("deactivate_demo_users", stdout=out)
    assert "30" in out.getvalue()
    assert not User.objects.filter(is_demo=True, is_active=True).exists()
    refuse_unsafe_production()
