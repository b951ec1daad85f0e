"""Every README example that names a login works for that login (issue 7, §4).

The demo company is seeded once for this module, at the smallest size that keeps every example
meaningful: all 29 logins of the README's table (18 reps, so 18 territories), 320 outlets (about
18 a rep: ten route days, a plan today with at least three stops, a month of visits) and its
field work, on a fixed working day (the demo's routes run Monday to Friday). `make demo` loads 2,000 outlets with the same generator; the examples
that depend on the data (rep01's 联华超市) are checked on that plan too, without the database.

A guard test reads README.md: a login or a "What to try first" item that appears there without
a check here fails the suite, so the README and this file move together.
"""

import datetime
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from outletcrm.core.models import TimelineEntry
from outletcrm.customers.models import Customer
from outletcrm.customers.text import pinyin_keys
from outletcrm.demo.generator import generate
from outletcrm.demo.services import DEMO_PASSWORD, demo_seed
from outletcrm.org.models import Role, User
from outletcrm.visits.kpis import DEFINITIONS
from outletcrm.visits.models import PlannedStop, Route

README = Path(__file__).resolve().parents[2] / "README.md"
NOW = datetime.datetime(2025, 6, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday
TODAY = NOW.date()
# 300 outlets leave rep01 two stops today; 320 is the smallest size with a real day to run.
OUTLETS, REPS = 320, 18

# The login table: login -> role, as README.md lists them.
LOGINS = {
    "admin": Role.ADMIN,
    "custodian": Role.CUSTODIAN,
    "kefu01": Role.CUSTOMER_SERVICE,
    **{f"mgr{n:02d}": Role.MANAGER for n in range(1, 4)},
    **{f"sup{n:02d}": Role.SUPERVISOR for n in range(1, 7)},
    **{f"rep{n:02d}": Role.REP for n in range(1, 19)},
}
# The items of "What to try first" and the test that checks each (by number).
CHECKED_ITEMS = {
    1: "test_1_rep01_finds_lhcs_opens_the_card_edits_and_sees_the_history",
    2: "test_2_a_duplicate_phone_is_refused_and_the_custodian_merges",
    3: "test_3_template_import_and_export",
    4: "test_4_rep01_has_a_plan_today_on_the_phone",
    5: "test_5_sup01_sees_routes_the_day_and_the_kpis_with_definitions",
    6: "test_6_a_supervisor_optimises_a_day_and_designs_routes",
    7: "test_7_the_rest_api_with_a_token",
    8: "test_8_customer_service_sees_complaints_near_and_past_their_deadline",
    9: "test_9_sup01_sees_churn_flags_with_their_evidence",
    10: "test_10_a_manager_and_customer_service_see_personal_details_masked",
    11: "test_11_rep01_sees_the_pipeline_and_its_funnel",
    12: "test_12_sup01_approves_a_class_change_with_its_reasons",
    13: "test_13_rep01_sweeps_on_the_phone_and_sup01_reads_the_reports",
}


# --- the demo, once -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The seeded demo for every test here, rolled back when the module is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(NOW, tick=False):
            demo_seed(outlets=OUTLETS, reps=REPS, now=NOW, field=True)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def at_seed_time(demo, db):
    """Each test runs on the seeded day, after the demo was loaded."""
    with time_machine.travel(NOW + datetime.timedelta(minutes=5), tick=True):
        yield


def log_in(username: str) -> Client:
    """Log in through the login page with the README's shared password, as a person would."""
    client = Client()
    response = client.post(
        reverse("login"), {"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, f"{username} cannot log in with the README's password"
    return client


def readme() -> str:
    return README.read_text(encoding="utf-8")


# --- the README itself ------------------------------------------------------------------------


def test_the_readme_names_only_logins_and_examples_checked_here():
    text = readme()
    assert f"**`{DEMO_PASSWORD}`**" in text
    table = re.findall(r"^\| `([a-z0-9]+)`(?: … `([a-z0-9]+)`)? \|", text, re.M)
    named = set()
    for first, last in table:
        if last:
            prefix = first.rstrip("0123456789")
            start, end = int(first[len(prefix):]), int(last[len(prefix):])
            named |= {f"{prefix}{n:02d}" for n in range(start, end + 1)}
        else:
            named.add(first)
    assert named == set(LOGINS)
    section = text.split("## What to try first", 1)[1].split("\n## ", 1)[0]
    items = [int(n) for n in re.findall(r"^(\d+)\. ", section, re.M)]
    assert items == list(CHECKED_ITEMS), "a README item without a check in tests/demo"
    for login in re.findall(r"`([a-z]+\d*)`", section):
        assert login in LOGINS or login in {"lhcs", "username", "password"}, login


def test_make_demo_gives_rep01_a_lianhua_supermarket_at_full_size():
    plan = generate(outlets=2000, reps=18, seed=42)  # what `make demo` loads
    found = [o for o in plan.outlets if o.owner == "rep01" and "lhcs" in pinyin_keys(o.name)[1]]
    assert found and found[0].contacts and found[0].competitors


def test_every_login_in_the_table_logs_in_and_sees_its_scope(at_seed_time):
    everyone = Customer.objects.count()
    for username, role in LOGINS.items():
        user = User.objects.get(username=username)
        assert user.role == role, username
        client = log_in(username)
        page = client.get(reverse("customers:list"))
        assert page.status_code == 200, username
        seen = page.context["page"].paginator.count
        if role == Role.REP:
            assert seen == Customer.objects.filter(owner=user).count() > 0, username
        elif role == Role.SUPERVISOR:
            assert seen == Customer.objects.filter(team=user.team).count() > 0, username
        elif role == Role.MANAGER:
            assert 0 < seen < everyone, username
        else:
            assert seen == everyone, username


# --- "What to try first" --------------------------------------------------------------------


def test_1_rep01_finds_lhcs_opens_the_card_edits_and_sees_the_history(at_seed_time):
    client = log_in("rep01")
    found = client.get(reverse("customers:list") + "?q=lhcs").context["page"].object_list
    assert found, "rep01 finds nothing for lhcs"
    customer = found[0]
    assert customer.name.startswith("联华超市") and customer.owner.username == "rep01"
    # "or part of a name, address or phone"
    street = customer.address.split(" ")[0]
    for part in (customer.name[:4], street, customer.phone[-6:]):
        hits = client.get(reverse("customers:list"), {"q": part}).context["page"].object_list
        assert customer in hits, part
    # "open a customer: the card, contacts, competitor file, timeline and history"
    page = client.get(reverse("customers:detail", args=[customer.pk]))
    assert page.status_code == 200
    assert list(page.context["contacts"]) and list(page.context["competitors"])
    assert page.context["timeline"] and page.context["history"]
    assert TimelineEntry.objects.filter(customer_id=customer.pk).exclude(kind="archive").exists()
    # "Edit it and look at the History tab"
    url = reverse("customers:edit", args=[customer.pk])
    form = client.get(url).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        data[name] = "" if value is None else value
        if field.show_hidden_initial:
            data[form[name].html_initial_name] = data[name]
    data["notes"] = "README 试一试"
    assert client.post(url, data).status_code == 302
    history = client.get(reverse("customers:detail", args=[customer.pk])).context["history"]
    assert history[0].actor.username == "rep01" and "notes" in history[0].changes


def test_2_a_duplicate_phone_is_refused_and_the_custodian_merges(at_seed_time):
    client = log_in("rep01")
    existing = Customer.objects.exclude(phone="").order_by("code").first()
    before = Customer.objects.count()
    response = client.post(
        reverse("customers:create"),
        {
            "name": "新开的店",
            "outlet_type": existing.outlet_type_id,
            "channel": "traditional",
            "status": "potential",
            "source": "street_sweep",
            "owner": User.objects.get(username="rep01").pk,
            "phone": existing.phone,
        },
    )
    assert response.status_code == 200 and response.context["duplicates"]
    assert Customer.objects.count() == before
    # "Log in as custodian to merge two records"
    custodian = log_in("custodian")
    keep, merge = Customer.objects.order_by("code")[:2]
    url = reverse("customers:merge", args=[keep.pk])
    assert custodian.get(url, {"other": merge.pk}).context["compare"]
    done = custodian.post(url, {"other": merge.pk, "keep": "this", "confirm": "on"})
    assert done.status_code == 302
    merge.refresh_from_db()
    assert merge.merged_into_id == keep.pk


def test_3_template_import_and_export(at_seed_time):
    client = log_in("rep01")
    template = client.get(reverse("customers:import-template"))
    assert template.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)
                                                 if template.streaming else template.content))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    row = [None] * len(headers)
    row[headers.index("客户名称*")] = "试一试便利店"
    row[headers.index("终端类型*")] = "便利店"
    row[headers.index("门店电话")] = "0571-80000001"
    bad = list(row)
    bad[headers.index("客户名称*")] = "坏行便利店"
    bad[headers.index("终端类型*")] = "不存在"
    sheet.append(row)
    sheet.append(bad)
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "试一试.xlsx"
    # All-or-nothing by default: nothing goes in.
    refused = client.post(reverse("customers:import"), {"file": upload})
    assert refused.status_code == 200 and refused.context["result"].created_count == 0
    upload.seek(0)
    skipped = client.post(reverse("customers:import"), {"file": upload, "skip_invalid": "on"})
    assert skipped.context["result"].created_count == 1 and skipped.context["rejected_token"]
    export = client.get(reverse("customers:export"))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_4_rep01_has_a_plan_today_on_the_phone(at_seed_time):
    client = log_in("rep01")
    response = client.get(reverse("mobile:today"))
    assert response.status_code == 200
    snapshot = response.context["snapshot"]
    assert snapshot["date"] == TODAY.isoformat()
    assert len(snapshot["stops"]) >= 3, "rep01's phone shows (almost) no plan today"
    assert {s["customer"]["id"] for s in snapshot["stops"]} <= set(
        Customer.objects.filter(owner__username="rep01").values_list("pk", flat=True)
    )


def test_5_sup01_sees_routes_the_day_and_the_kpis_with_definitions(at_seed_time):
    client = log_in("sup01")
    supervisor = User.objects.get(username="sup01")
    team_reps = User.objects.filter(team=supervisor.team, role=Role.REP)
    routes = client.get(reverse("visits:routes"))
    assert routes.status_code == 200
    assert Route.objects.filter(rep__in=team_reps).count() == 10 * team_reps.count()
    day = client.get(reverse("visits:day"))
    assert day.status_code == 200
    assert PlannedStop.objects.filter(rep__in=team_reps, date=TODAY).exists()
    kpis = client.get(reverse("visits:kpis"))
    assert kpis.status_code == 200
    page = kpis.content.decode()
    with translation.override("zh-hans"):  # the page's language by default
        for definition in DEFINITIONS:
            assert str(definition.name) in page, definition.key
    # A month of field work shows figures, not an empty report.
    assert kpis.context["report"]["scope"]["reps"] >= team_reps.count()
    assert kpis.context["report"]["total"]


def test_6_a_supervisor_optimises_a_day_and_designs_routes(at_seed_time):
    client = log_in("sup01")
    supervisor = User.objects.get(username="sup01")
    rep = (
        User.objects.filter(team=supervisor.team, role=Role.REP).order_by("username").first()
    )
    assert PlannedStop.objects.filter(rep=rep, date=TODAY).count() >= 3
    day = client.get(reverse("optimise:day"), {"rep": rep.pk})
    assert day.status_code == 200 and day.context["rep"] == rep
    design = client.get(reverse("optimise:design"), {"rep": rep.pk})
    assert design.status_code == 200 and design.context["rep"] == rep


def test_7_the_rest_api_with_a_token(at_seed_time):
    client = Client()
    token = client.post(
        "/api/v1/auth/token", {"username": "rep01", "password": DEMO_PASSWORD}
    )
    assert token.status_code == 200, token.content
    key = token.json()["token"]
    customers = client.get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {key}")
    assert customers.status_code == 200 and customers.json()["count"] > 0
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_8_customer_service_sees_complaints_near_and_past_their_deadline(at_seed_time):
    page = log_in("kefu01").get("/complaints/")
    assert page.status_code == 200
    rows = [remaining for _, remaining in page.context["rows"]]
    assert any(r and not r["overdue"] and r["minutes"] <= 30 for r in rows)
    assert any(r and r["overdue"] for r in rows)
    assert 'data-testid="breached"' in page.content.decode()
    phone = log_in("rep01").get("/m/complaints/")
    assert phone.status_code == 200 and phone.context["rows"]


def test_9_sup01_sees_churn_flags_with_their_evidence(at_seed_time):
    from outletcrm.churn.models import ChurnFlag
    from outletcrm.demo.churn import seed_churn

    seed_churn(now=NOW)  # what seed_demo runs after the field month
    client = log_in("sup01")
    page = client.get("/churn/")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert rows, "sup01's churn list is empty"
    supervisor = User.objects.get(username="sup01")
    assert all(row["flag"].customer.team_id == supervisor.team_id for row in rows)
    assert all(row["evidence"] for row in rows)
    assert client.get("/churn/rules/").status_code == 200
    flagged = ChurnFlag.objects.filter(customer__owner__username="rep01").first()
    if flagged:
        detail = log_in("rep01").get(reverse("customers:detail", args=[flagged.customer_id]))
        assert 'data-testid="churn-banner"' in detail.content.decode()


def test_10_a_manager_and_customer_service_see_personal_details_masked(at_seed_time):
    from outletcrm.customers.models import Contact

    contact = Contact.objects.filter(customer__owner__username="rep01").exclude(
        mobile_hash="").select_related("customer").first()
    url = reverse("customers:detail", args=[contact.customer_id])
    for login in ("mgr01", "kefu01"):
        page = log_in(login).get(url)
        if page.status_code == 404:  # mgr01's region may not hold rep01's customers
            continue
        body = page.content.decode()
        assert contact.mobile not in body and f"{contact.mobile[:3]}****" in body
        assert 'data-reveal="mobile"' in body
    assert contact.mobile in log_in("rep01").get(url).content.decode()


def test_11_rep01_sees_the_pipeline_and_its_funnel(at_seed_time):
    from outletcrm.pipeline.models import Prospect

    client = log_in("rep01")
    board = client.get("/pipeline/")
    assert board.status_code == 200
    mine = Prospect.objects.filter(customer__owner__username="rep01", outcome="open")
    assert mine.exists(), "the demo gives rep01 no prospects"
    body = board.content.decode()
    assert any(p.customer.name in body for p in mine.select_related("customer"))
    assert client.get("/pipeline/funnel/").status_code == 200


def test_12_sup01_approves_a_class_change_with_its_reasons(at_seed_time):
    from outletcrm.demo.churn import seed_churn
    from outletcrm.demo.evaluation import seed_evaluation
    from outletcrm.evaluation.models import ClassProposal

    with time_machine.travel(NOW, tick=False):
        seed_churn(now=NOW)
        seed_evaluation(now=NOW)  # what seed_demo runs after the churn watch
    client = log_in("sup01")
    page = client.get("/evaluation/proposals/")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert rows, "sup01's class proposals are empty"
    assert all(row["reasons"] for row in rows)
    proposal = rows[0]["proposal"]
    evaluation = client.get(f"/evaluation/customers/{proposal.customer_id}/")
    assert 'data-testid="indicator-line"' in evaluation.content.decode()
    client.post(f"/evaluation/proposals/{proposal.pk}/approve")
    assert ClassProposal.objects.get(pk=proposal.pk).status == "approved"
    for url in ("/evaluation/", "/evaluation/pareto/", "/evaluation/rfv/"):
        assert client.get(url).status_code == 200


def test_13_rep01_sweeps_on_the_phone_and_sup01_reads_the_reports(at_seed_time):
    import json
    from io import StringIO

    from django.core.management import call_command

    from outletcrm.development.models import Report, SweepCampaign

    campaign = SweepCampaign.objects.get(name="文教片区扫街调查")
    rep = log_in("rep01")
    phones = rep.get("/m/sweeps/")
    assert phones.status_code == 200 and campaign.name in phones.content.decode()
    sweep = rep.get(f"/m/sweeps/{campaign.pk}/")
    assert sweep.status_code == 200
    assert sweep.context["sweep_data"]["outlets"], "rep01 met no outlets in the demo sweep"
    sup = log_in("sup01")
    assert campaign.name in sup.get("/development/").content.decode()
    assert sup.get(f"/development/campaigns/{campaign.pk}/").status_code == 200
    assert sup.get(f"/development/campaigns/{campaign.pk}/export.xlsx").status_code == 200
    unread = sup.get("/development/reports/?unread=1")
    assert [r.author.username for r in unread.context["reports"]] == ["rep02"]
    report = Report.objects.get(author__username="rep02")
    sup.post(f"/development/reports/{report.pk}/", {"action": "comment", "text": "收到"})
    assert report.comments.filter(text="收到").exists()
    out = StringIO()
    call_command("sweeps", "coverage", str(campaign.pk), "--as", "sup01", "--format", "json",
                 stdout=out)
    assert json.loads(out.getvalue())["outlets"] > 0
