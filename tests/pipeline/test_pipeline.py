"""The prospect pipeline: exit checks, closing, winning, funnel arithmetic, scope, bad input,
query counts, referrals and the four-step method (issue 8 items 3, 4, 7, 8)."""

import datetime
import uuid
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outletcrm.core.models import ChangeLog, TimelineEntry
from outletcrm.customers.models import Customer
from outletcrm.orders.models import Order
from outletcrm.pipeline import selectors, services
from outletcrm.pipeline.models import OutputRecord, Prospect, Stage, StageEntry
from outletcrm.visits.models import Visit
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


@pytest.fixture
def pipe(cast):
    """alice's, bob's and charlie's customers in the pipeline at the first stage."""
    cast.p_alice = services.prospect_open(actor=cast.alice, customer=cast.alice_customer)
    cast.p_bob = services.prospect_open(actor=cast.bob, customer=cast.bob_customer)
    cast.p_charlie = services.prospect_open(actor=cast.charlie, customer=cast.charlie_customer)
    return cast


def record(prospect, user, text="客户有合作意向"):
    return services.output_add(actor=user, prospect=prospect, text=text)


# --- stage-exit checks ---------------------------------------------------------------------------

def test_cannot_leave_a_stage_without_its_output_and_the_refusal_changes_nothing(pipe):
    prospect = pipe.p_alice
    entries = StageEntry.objects.count()
    timeline = TimelineEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.prospect_move(actor=pipe.alice, prospect=prospect,
                               to_stage=stage("phone_invitation"))
    assert "目标客户识别记录" in " ".join(refused.value.messages)
    prospect.refresh_from_db()
    assert prospect.stage.code == "identified"
    assert StageEntry.objects.count() == entries and TimelineEntry.objects.count() == timeline


def test_output_record_lets_the_stage_be_left_and_history_keeps_who(pipe):
    prospect = pipe.p_alice
    record(prospect, pipe.alice)
    services.prospect_move(actor=pipe.alice, prospect=prospect, to_stage=stage("phone_invitation"))
    prospect.refresh_from_db()
    assert prospect.stage.code == "phone_invitation"
    assert prospect.furthest_stage.code == "phone_invitation"
    first, second = StageEntry.objects.filter(prospect=prospect).order_by("pk")
    assert first.left_at is not None and first.left_by == pipe.alice and first.seconds >= 0
    assert second.stage.code == "phone_invitation" and second.left_at is None
    assert second.entered_by == pipe.alice


def test_skipping_stages_needs_every_passed_output(pipe):
    prospect = pipe.p_alice
    record(prospect, pipe.alice)
    with pytest.raises(ValidationError) as refused:
        services.prospect_move(actor=pipe.alice, prospect=prospect,
                               to_stage=stage("technical_exchange"))
    assert "邀约反馈表" in " ".join(refused.value.messages)
    prospect.refresh_from_db()
    assert prospect.stage.code == "identified"


def test_moving_back_is_allowed_and_keeps_the_furthest_stage(pipe):
    prospect = pipe.p_alice
    record(prospect, pipe.alice)
    services.prospect_move(actor=pipe.alice, prospect=prospect, to_stage=stage("phone_invitation"))
    services.prospect_move(actor=pipe.alice, prospect=prospect, to_stage=stage("identified"))
    prospect.refresh_from_db()
    assert prospect.stage.code == "identified"
    assert prospect.furthest_stage.code == "phone_invitation"
    # Its earlier record still counts: it may move forward again at once.
    services.prospect_move(actor=pipe.alice, prospect=prospect, to_stage=stage("phone_invitation"))


def test_a_stage_that_requires_no_output_can_be_left(pipe):
    Stage.objects.filter(code="identified").update(requires_output=False)
    services.prospect_move(actor=pipe.alice, prospect=pipe.p_alice,
                           to_stage=stage("phone_invitation"))


# --- closing ---------------------------------------------------------------------------------------

def test_lost_needs_a_reason_and_other_needs_words(pipe):
    prospect = pipe.p_alice
    with pytest.raises(ValidationError):
        services.prospect_close_lost(actor=pipe.alice, prospect=prospect, reason="")
    with pytest.raises(ValidationError):
        services.prospect_close_lost(actor=pipe.alice, prospect=prospect, reason="other", note=" ")
    prospect.refresh_from_db()
    assert prospect.outcome == "open"
    services.prospect_close_lost(actor=pipe.alice, prospect=prospect, reason="competitor",
                                 note="与竞品签了年约")
    prospect.refresh_from_db()
    assert prospect.outcome == "lost" and prospect.lost_reason == "competitor"
    assert StageEntry.objects.get(prospect=prospect).left_at is not None
    with pytest.raises(ValidationError):
        services.prospect_move(actor=pipe.alice, prospect=prospect,
                               to_stage=stage("phone_invitation"))


def _walk_to_contract(prospect, user):
    for code in ["phone_invitation", "visit_recommend", "technical_exchange", "negotiation",
                 "contract"]:
        record(prospect, user, f"{prospect.stage.output_name}")
        services.prospect_move(actor=user, prospect=prospect, to_stage=stage(code))
        prospect.refresh_from_db()


def test_win_makes_the_customer_active_through_the_customers_service(pipe, api):
    prospect = pipe.p_alice
    _walk_to_contract(prospect, pipe.alice)
    client = api(pipe.alice)
    refused = client.post(f"/api/v1/prospects/{prospect.pk}/won", {}, format="json")
    assert refused.status_code == 400 and "合同" in str(refused.json())
    pipe.alice_customer.refresh_from_db()
    assert pipe.alice_customer.status == "potential"
    record(prospect, pipe.alice, "合同编号 HT-001")
    version = pipe.alice_customer.version
    answer = client.post(f"/api/v1/prospects/{prospect.pk}/won", {}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["outcome"] == "won"
    assert answer.json()["stage_name"] == "客户关系维护"
    customer = Customer.objects.get(pk=pipe.alice_customer.pk)
    assert customer.status == "active" and customer.version > version
    change = ChangeLog.objects.filter(customer_id=customer.pk).latest("pk")
    assert change.changes["status"][1] is not None and change.actor == pipe.alice
    # The won prospect still takes its maintenance plan.
    record(Prospect.objects.get(pk=prospect.pk), pipe.alice, "季度回访计划")


# --- funnel arithmetic on hand-made histories ---------------------------------------------------

TZ = timezone.get_current_timezone()


def _at(day: datetime.date, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


def _history(customer, owner, stays, *, outcome="open", closed=None, reason=""):
    """A prospect with stays [(stage code, entered day, left day or None)]."""
    stages = [stage(code) for code, _e, _l in stays]
    order = {s.pk: s.sort_order for s in Stage.objects.all()}
    furthest = max(stages, key=lambda s: order[s.pk])
    scope = {"owner": owner, "team_id": owner.team_id, "region_id": owner.team.region_id}
    prospect = Prospect.objects.create(
        customer=customer, stage=stages[-1], furthest_stage=furthest, **scope,
        outcome=outcome, entered_stage_at=_at(stays[-1][1]), created_at=_at(stays[0][1]),
        closed_at=_at(closed) if closed else None, lost_reason=reason)
    for (_code, entered, left), st in zip(stays, stages, strict=True):
        StageEntry.objects.create(
            prospect=prospect, stage=st, entered_at=_at(entered), **scope,
            left_at=_at(left) if left else None,
            seconds=int((_at(left) - _at(entered)).total_seconds()) if left else None)
    return prospect


def test_funnel_arithmetic(cast):
    d = datetime.date(2026, 3, 1)
    day = datetime.timedelta(days=1)
    customers = [CustomerFactory(owner=cast.alice if i < 3 else cast.bob) for i in range(5)]
    # A: identified 2 days, phone 4 days, visit: lost there.
    _history(customers[0], cast.alice, [("identified", d, d + 2 * day),
                                        ("phone_invitation", d + 2 * day, d + 6 * day),
                                        ("visit_recommend", d + 6 * day, d + 7 * day)],
             outcome="lost", closed=d + 7 * day, reason="competitor")
    # B: identified 4 days, then phone (open).
    _history(customers[1], cast.alice, [("identified", d, d + 4 * day),
                                        ("phone_invitation", d + 4 * day, None)])
    # C: still identified.
    _history(customers[2], cast.alice, [("identified", d + day, None)])
    # D (bob): won after walking every stage, one day each.
    codes = ["identified", "phone_invitation", "visit_recommend", "technical_exchange",
             "negotiation", "contract", "maintenance"]
    _history(customers[3], cast.bob,
             [(c, d + i * day, d + (i + 1) * day if i < 6 else None) for i, c in enumerate(codes)],
             outcome="won", closed=d + 6 * day)
    # E (bob): identified 6 days, lost there, reason other.
    _history(customers[4], cast.bob, [("identified", d, d + 6 * day)], outcome="lost",
             closed=d + 6 * day, reason="other")
    # Outside the period: not counted anywhere.
    _history(CustomerFactory(owner=cast.bob), cast.bob,
             [("identified", d - 60 * day, d - 55 * day)], outcome="lost", closed=d - 55 * day,
             reason="misfit")

    report = selectors.funnel(user=cast.admin, date_from=d, date_to=d + 30 * day, group="rep")
    reached = [r["reached"] for r in report["stages"]]
    assert reached == [5, 3, 2, 1, 1, 1, 1]
    conversions = [r["conversion"] for r in report["stages"]]
    assert conversions == [60.0, 66.7, 50.0, 100.0, 100.0, 100.0, None]
    identified = report["stages"][0]
    # Stays in "identified" that ended: 2, 4, 1 (D), 6 days → median 3, mean 3.25.
    assert identified["stays"] == 4
    assert identified["median_days"] == 3.0 and identified["mean_days"] == 3.2
    total = report["total"]
    assert (total.won, total.lost, total.win_rate) == (1, 2, 33.3)
    reasons = {r["reason"]: r["count"] for r in report["lost_reasons"]}
    assert reasons == {"need_mismatch": 0, "misfit": 0, "no_capability": 0, "competitor": 1,
                       "other": 1}
    by_rep = {g.label: g for g in report["groups"]}
    assert by_rep["王丽"].entered == 3 and by_rep["王丽"].win_rate == 0.0
    assert by_rep["李波"].entered == 2 and by_rep["李波"].win_rate == 50.0
    assert by_rep["李波"].reached == [2, 1, 1, 1, 1, 1, 1]

    # The rep sees only his own in the same figures.
    own = selectors.funnel(user=cast.bob, date_from=d, date_to=d + 30 * day)
    assert own["total"].entered == 2 and own["total"].won == 1


# --- scope -----------------------------------------------------------------------------------------

def test_rep_sees_own_prospects_supervisor_the_team(pipe, login, api):
    text = login(pipe.alice).get("/pipeline/").content.decode()
    assert pipe.alice_customer.name in text and pipe.bob_customer.name not in text
    text = login(pipe.sup).get("/pipeline/").content.decode()
    assert pipe.alice_customer.name in text and pipe.bob_customer.name in text
    assert pipe.charlie_customer.name not in text
    ids = {p["id"] for p in api(pipe.sup).get("/api/v1/prospects/").json()["results"]}
    assert ids == {pipe.p_alice.pk, pipe.p_bob.pk}
    assert api(pipe.charlie).get(f"/api/v1/prospects/{pipe.p_alice.pk}/").status_code == 404
    moved = api(pipe.charlie).post(f"/api/v1/prospects/{pipe.p_alice.pk}/move",
                                   {"stage": stage("phone_invitation").pk}, format="json")
    assert moved.status_code == 404
    assert login(pipe.charlie).get(f"/pipeline/{pipe.p_alice.pk}/").status_code == 404


def test_attachment_is_served_only_inside_the_scope(pipe, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("反馈表.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    rec = services.output_add(actor=pipe.alice, prospect=pipe.p_alice, text="见附件",
                              attachment=upload)
    client.force_login(pipe.sup)
    answer = client.get(f"/pipeline/outputs/{rec.pk}/file")
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == b"%PDF-1.4 test"
    assert "attachment" in answer["Content-Disposition"]
    client.force_login(pipe.charlie)
    assert client.get(f"/pipeline/outputs/{rec.pk}/file").status_code == 404


def test_an_html_attachment_is_refused(pipe):
    upload = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")
    with pytest.raises(ValidationError):
        services.output_add(actor=pipe.alice, prospect=pipe.p_alice, text="x", attachment=upload)
    assert not OutputRecord.objects.exists()


# --- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [{"stage": "abc"}, {"stage": 10**30}, {"stage": -1}, {},
                                  {"stage": 1, "bogus": 1}, {"stage": 999999},
                                  {"stage": 1, "next_action_on": "2026-02-30"}])
def test_bad_move_input_answers_400_and_changes_nothing(pipe, api, body):
    answer = api(pipe.alice).post(f"/api/v1/prospects/{pipe.p_alice.pk}/move", body,
                                  format="json")
    assert answer.status_code == 400
    pipe.p_alice.refresh_from_db()
    assert pipe.p_alice.stage.code == "identified"


def test_refused_move_answers_400_with_the_reason(pipe, api):
    answer = api(pipe.alice).post(f"/api/v1/prospects/{pipe.p_alice.pk}/move",
                                  {"stage": stage("phone_invitation").pk}, format="json")
    assert answer.status_code == 400 and "目标客户识别记录" in str(answer.json())


@pytest.mark.parametrize("query", ["date_from=2026-13-01", "date_from=2026-03-01&date_to=2026-01-01",
                                   "date_from=2020-01-01&date_to=2026-01-01", "group=weather",
                                   "date_to=99999-01-01"])
def test_bad_funnel_input_answers_400(pipe, api, login, query):
    assert api(pipe.sup).get(f"/api/v1/pipeline-funnel?{query}").status_code == 400
    page = login(pipe.sup).get(f"/pipeline/funnel/?{query}")
    assert page.status_code == 200  # the page shows the error beside the form


def test_bad_lost_and_board_input(pipe, api):
    client = api(pipe.alice)
    assert client.post(f"/api/v1/prospects/{pipe.p_alice.pk}/lost", {"reason": "tired"},
                       format="json").status_code == 400
    assert client.post(f"/api/v1/prospects/{pipe.p_alice.pk}/lost", {"reason": "other"},
                       format="json").status_code == 400
    assert client.get("/api/v1/prospects/board?limit=0").status_code == 400
    assert client.get("/api/v1/prospects/board?owner=x").status_code == 400
    assert client.get("/api/v1/prospects/?outcome=maybe").status_code == 400
    assert client.post("/api/v1/prospects/", {"customer": pipe.alice_customer.pk},
                       format="json").status_code == 400  # already in the pipeline
    assert client.post("/api/v1/prospects/", {"customer": pipe.charlie_customer.pk},
                       format="json").status_code == 404


def test_customer_service_sees_no_pipeline(pipe, login, api):
    from outletcrm.org.models import Role
    from tests.factories import UserFactory

    kefu = UserFactory(username="kefu", role=Role.CUSTOMER_SERVICE, team=None)
    assert login(kefu).get("/pipeline/").status_code == 404
    assert api(kefu).get(f"/api/v1/prospects/{pipe.p_alice.pk}/").status_code == 404


# --- pages and query counts ------------------------------------------------------------------------

def test_board_move_by_htmx_refuses_then_allows(pipe, login):
    client = login(pipe.alice)
    url = f"/pipeline/{pipe.p_alice.pk}/move"
    refused = client.post(url, {"stage": stage("phone_invitation").pk}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200 and 'data-ok="0"' in refused.content.decode()
    assert "目标客户识别记录" in refused.content.decode()
    record(pipe.p_alice, pipe.alice)
    allowed = client.post(url, {"stage": stage("phone_invitation").pk}, HTTP_HX_REQUEST="true")
    assert 'data-ok="1"' in allowed.content.decode()


def _many(cast, n):
    for _ in range(n):
        customer = CustomerFactory(owner=cast.bob)
        services.prospect_open(actor=cast.bob, customer=customer)


def test_board_and_funnel_queries_do_not_grow_with_prospects(pipe, login):
    client = login(pipe.sup)
    client.get("/pipeline/")
    with CaptureQueriesContext(connection) as few:
        client.get("/pipeline/")
    with CaptureQueriesContext(connection) as few_funnel:
        client.get("/pipeline/funnel/?group=rep")
    _many(pipe, 12)
    with CaptureQueriesContext(connection) as many:
        client.get("/pipeline/")
    with CaptureQueriesContext(connection) as many_funnel:
        client.get("/pipeline/funnel/?group=rep")
    assert len(many) == len(few) and len(many) <= 25
    assert len(many_funnel) == len(few_funnel) and len(many_funnel) <= 25


def test_prospect_page_and_funnel_export(pipe, login):
    client = login(pipe.alice)
    record(pipe.p_alice, pipe.alice, "门店300平，有合作意向")
    page = client.get(f"/pipeline/{pipe.p_alice.pk}/").content.decode()
    assert "门店300平，有合作意向" in page and 'data-testid="four-steps"' in page
    export = client.get("/pipeline/funnel/?format=xlsx&group=source")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_customer_page_panel_opens_the_pipeline(cast, login):
    client = login(cast.alice)
    page = client.get(f"/customers/{cast.alice_customer.pk}/").content.decode()
    assert 'data-testid="pipeline-open"' in page
    client.post(f"/pipeline/open/{cast.alice_customer.pk}")
    assert Prospect.objects.filter(customer=cast.alice_customer, outcome="open").exists()


# --- referrals --------------------------------------------------------------------------------------

def test_referrer_page_shows_whom_they_brought_and_what_they_bought(cast, login):
    referred = CustomerFactory(owner=cast.alice, name="转介绍便利店", source="referral",
                               referred_by=cast.alice_customer)
    hidden = CustomerFactory(owner=cast.charlie, name="别组的店", source="referral",
                             referred_by=cast.alice_customer)
    for total, status in ((Decimal("120.50"), "delivered"), (Decimal("80"), "confirmed"),
                          (Decimal("999"), "cancelled")):
        Order.objects.create(customer=referred, rep=cast.alice, total=total, status=status,
                             ordered_at=timezone.now(), client_id=uuid.uuid4(),
                             code=f"T{uuid.uuid4().hex[:10]}")
    page = login(cast.alice).get(f"/customers/{cast.alice_customer.pk}/").content.decode()
    assert "转介绍便利店" in page and "200.50" in page
    assert hidden.name not in page  # another team's customer is not revealed


# --- the four-step method ---------------------------------------------------------------------------

def _visit(customer, rep, kind, day, notes, status="done"):
    return Visit.objects.create(customer=customer, rep=rep, kind=kind, date=day, notes=notes,
                                checked_in_at=_at(day), checkin_received_at=_at(day),
                                status=status)


def test_four_steps_follow_the_visits(cast):
    d = datetime.date(2026, 3, 2)
    c = cast.alice_customer
    _visit(c, cast.alice, "phone", d, "电话邀约")
    _visit(c, cast.alice, "first", d + datetime.timedelta(days=1), "老板姓王，门店300平")
    _visit(c, cast.alice, "day", d + datetime.timedelta(days=2), "rejected", status="rejected")
    _visit(c, cast.alice, "second", d + datetime.timedelta(days=3), "想要更高返利")
    steps = selectors.four_steps(c.pk)
    assert [s.visit.notes if s.visit else None for s in steps] == [
        "老板姓王，门店300平", "想要更高返利", None, None]
    _visit(c, cast.sup, "ride_along", d + datetime.timedelta(days=5), "主管陪访，表示合作意愿")
    steps = selectors.four_steps(c.pk)
    assert steps[2].visit.notes == "主管陪访，表示合作意愿" and steps[3].visit is None


# --- handover hook, sync, CLI ------------------------------------------------------------------------

def test_reassign_prospects_moves_only_the_given_reps_open_prospects(pipe):
    moved = services.reassign_prospects(from_user=pipe.alice, to_user=pipe.bob,
                                        customer_ids=[pipe.alice_customer.pk,
                                                      pipe.bob_customer.pk])
    assert moved == 1
    assert Prospect.objects.get(pk=pipe.p_alice.pk).owner == pipe.bob


def test_owner_change_moves_the_open_prospect(pipe):
    from outletcrm.customers.services import customer_update

    customer_update(actor=pipe.sup, customer=pipe.alice_customer, owner=pipe.bob)
    assert Prospect.objects.get(pk=pipe.p_alice.pk).owner == pipe.bob


def test_sync_opens_prospects_once_and_the_cli_prints_the_board(cast):
    out = StringIO()
    call_command("pipeline", "sync", stdout=out)
    assert "3 prospect(s) opened" in out.getvalue()
    assert services.prospects_open_missing() == 0
    out = StringIO()
    call_command("pipeline", "board", "--as", "sup", stdout=out)
    assert "2  客户识别" in out.getvalue()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        out = StringIO()
        call_command("pipeline", "funnel", "--as", "admin", "--format", "json", stdout=out)
    assert '"reached": 3' in out.getvalue()


# --- found while measuring (bench/pipeline_bench.py) ----------------------------------------------

def test_board_shows_every_column_when_some_were_won_lately(pipe, login, api):
    """A recently won prospect (shown in the winning column) must not empty the other
    columns: the won count's loop once overwrote the board's stage filter."""
    _walk_to_contract(pipe.p_alice, pipe.alice)
    record(pipe.p_alice, pipe.alice, "合同编号 HT-002")
    services.prospect_move(actor=pipe.alice, prospect=Prospect.objects.get(pk=pipe.p_alice.pk),
                           to_stage=stage("maintenance"))
    columns = {c.stage.code: c for c in selectors.board(user=pipe.sup)}
    assert [p.pk for p in columns["maintenance"].cards] == [pipe.p_alice.pk]
    assert [p.pk for p in columns["identified"].cards] == [pipe.p_bob.pk]
    page = login(pipe.sup).get("/pipeline/").content.decode()
    assert f'data-testid="card-{pipe.p_bob.pk}"' in page
    board = {c["stage"]["id"]: c for c in api(pipe.sup).get("/api/v1/prospects/board").json()}
    assert [p["id"] for p in board[stage("identified").pk]["prospects"]] == [pipe.p_bob.pk]


def test_a_lent_customer_shows_its_development_read_only(pipe):
    """Borrowing (借阅) lends the customer's record for reading: its prospect is readable by
    the borrower, through the customer's id (never a prospect or stay that merely shares the
    number), and cannot be moved by him."""
    from outletcrm.access import services as access
    from outletcrm.core import scoping
    from outletcrm.org.models import Role

    for _ in range(3):  # customer ids run ahead of prospect ids
        CustomerFactory(owner=pipe.alice)
    lent = CustomerFactory(owner=pipe.alice)
    p_lent = services.prospect_open(actor=pipe.alice, customer=lent)
    assert p_lent.pk != lent.pk
    if not Prospect.objects.filter(pk=lent.pk).exists():  # bob's prospect numbered like it
        other = CustomerFactory(owner=pipe.bob)
        now = timezone.now()
        decoy = Prospect.objects.create(
            pk=lent.pk, customer=other, stage=stage("identified"),
            furthest_stage=stage("identified"), owner=pipe.bob, team_id=pipe.bob.team_id,
            region_id=pipe.bob.team.region_id, entered_stage_at=now, created_at=now)
        StageEntry.objects.create(prospect=decoy, stage=stage("identified"), entered_at=now,
                                  owner=pipe.bob, team_id=pipe.bob.team_id,
                                  region_id=pipe.bob.team.region_id)
    today = timezone.localdate()
    borrow = access.borrow_request_create(
        actor=pipe.charlie, customer_ids=[lent.pk], purpose="ride_along", reason="随访杭州",
        starts_on=today, ends_on=today + datetime.timedelta(days=1))
    access.borrow_decide(actor=pipe.custodian, borrow=borrow, approve=True)

    seen = set(scoping.restrict_prospects(Prospect.objects.all(), pipe.charlie)
               .values_list("pk", flat=True))
    assert seen == {pipe.p_charlie.pk, p_lent.pk}
    stays = set(scoping.restrict_prospects(StageEntry.objects.all(), pipe.charlie,
                                           customer="prospect__customer_id")
                .values_list("prospect_id", flat=True))
    assert stays == {pipe.p_charlie.pk, p_lent.pk}
    assert selectors.prospect_get(user=pipe.charlie, pk=p_lent.pk).pk == p_lent.pk
    record(p_lent, pipe.alice)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.prospect_move(actor=pipe.charlie, prospect=p_lent,
                               to_stage=stage("phone_invitation"))
    p_lent.refresh_from_db()
    assert p_lent.stage.code == "identified"
    assert pipe.charlie.role == Role.REP  # works prospects, but not lent ones


def _fill_every_column(cast):
    """bob's prospects in each open stage, and one won: seven columns with cards."""
    codes = ["identified", "phone_invitation", "visit_recommend", "technical_exchange",
             "negotiation", "contract"]
    for i in range(len(codes)):
        for _ in range(2):
            prospect = services.prospect_open(actor=cast.bob, customer=CustomerFactory(owner=cast.bob))
            for target in codes[1:i + 1]:
                record(prospect, cast.bob)
                services.prospect_move(actor=cast.bob, prospect=prospect, to_stage=stage(target))
                prospect.refresh_from_db()
    prospect.refresh_from_db()
    record(prospect, cast.bob)
    services.prospect_close_won(actor=cast.bob, prospect=prospect)


@pytest.mark.parametrize("path, most", [
    ("/pipeline/", 16), ("/api/v1/prospects/board", 14),
    ("/pipeline/funnel/?group=rep", 11), ("/pipeline/funnel/?group=outlet_type", 11),
    ("/api/v1/pipeline-funnel?group=team", 10)])
def test_board_and_funnel_query_counts_with_every_column_filled(pipe, login, api, path, most,
                                                                 django_assert_max_num_queries):
    """A constant number of queries: one per column at most, never one per card or row."""
    _fill_every_column(pipe)
    client = api(pipe.sup) if "/api/" in path else login(pipe.sup)
    assert client.get(path).status_code == 200
    with django_assert_max_num_queries(most):
        answer = client.get(path)
    assert answer.status_code == 200
    if path == "/pipeline/":
        assert answer.content.decode().count('data-testid="card-') == 14  # 2 + 12, 1 won
