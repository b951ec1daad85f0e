"""Handover (issue 10 item 6): a rep's customers and their open work go to other reps in one
atomic operation; the departing rep can lose access at once; the history shows who owned what."""

import datetime
import io

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from outletcrm.complaints import services as complaints
from outletcrm.complaints.models import Complaint
from outletcrm.core.models import AuditEvent, ChangeLog
from outletcrm.customers.models import Customer
from outletcrm.handover import services
from outletcrm.handover.models import Handover
from outletcrm.org.models import User
from outletcrm.visits import services as visits
from outletcrm.visits.models import FollowUpTask, PlannedStop, Route, RouteStop
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(cast):
    """Alice's open work on her customers: a task, tomorrow's stop, a route, a complaint."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    customer = cast.alice_customer
    task, _new = visits.task_add(actor=cast.alice, rep=cast.alice, title="回访", customer=customer,
                                 due_date=tomorrow)
    done, _new = visits.task_add(actor=cast.alice, rep=cast.alice, title="已办", customer=customer,
                                 due_date=tomorrow)
    FollowUpTask.objects.filter(pk=done.pk).update(done_at=timezone.now())
    general, _new = visits.task_add(actor=cast.alice, rep=cast.alice, title="周报")
    stop = visits.plan_add_stop(actor=cast.sup, rep=cast.alice, date=tomorrow, customer=customer)
    route = Route.objects.create(rep=cast.alice, name="周一文三路线", weekday=0)
    RouteStop.objects.create(route=route, customer=customer, position=1)
    complaint = complaints.complaint_intake(
        actor=cast.alice, customer=customer, channel="phone", category="product",
        severity="normal", description="包装破损")
    return {"task": task, "done": done, "general": general, "stop": stop, "route": route,
            "complaint": complaint, "tomorrow": tomorrow}


def owners(*customers) -> list[str]:
    return [Customer.objects.get(pk=c.pk).owner.username for c in customers]


def test_supervisor_hands_a_reps_customers_and_open_work_over(cast, work):
    handover = services.handover_run(actor=cast.sup, from_rep=cast.alice, to_reps=[cast.bob],
                                     reason="调岗")
    customer = Customer.objects.get(pk=cast.alice_customer.pk)
    assert customer.owner == cast.bob and customer.team == cast.bob.team
    assert FollowUpTask.objects.get(pk=work["task"].pk).rep == cast.bob
    assert FollowUpTask.objects.get(pk=work["done"].pk).rep == cast.alice  # done work stays
    assert FollowUpTask.objects.get(pk=work["general"].pk).rep == cast.alice  # not leaving
    old_stop = PlannedStop.objects.get(pk=work["stop"].pk)
    assert old_stop.released_at is not None
    assert PlannedStop.objects.filter(rep=cast.bob, customer=customer, date=work["tomorrow"],
                                      released_at__isnull=True).exists()
    assert RouteStop.objects.get(customer=customer).route.rep == cast.bob
    assert Route.objects.get(rep=cast.bob).name == "周一文三路线"
    assert Complaint.objects.get(pk=work["complaint"].pk).assignee == cast.bob
    # The customer's history says who owned it, who handed it over, and when.
    entry = ChangeLog.objects.filter(customer_id=customer.pk, changes__has_key="owner").first()
    assert entry.actor == cast.sup
    assert entry.changes["owner"] == [str(cast.alice), str(cast.bob)]
    assert "Handed over from" in entry.note
    assert handover.counts == {"customers": 1, "tasks": 1, "stops": 1, "routes": 1,
                               "complaints": 1}
    event = AuditEvent.objects.get(action=AuditEvent.Action.HANDOVER)
    assert event.actor == cast.sup and event.detail["handover_id"] == handover.pk
    assert cast.alice.__class__.objects.get(pk=cast.alice.pk).is_active


def test_split_evenly_across_several_reps_keeps_neighbours_together(cast):
    dave = UserFactory(username="dave", team=cast.team_hz)
    for n, district in enumerate(["西湖区"] * 3 + ["滨江区"] * 3):
        CustomerFactory(name=f"店{n}", owner=cast.alice, district=district, address=f"路{n}号")
    plan = services.handover_plan(actor=cast.sup, from_rep=cast.alice,
                                  to_reps=[cast.bob, dave])
    counts = plan.counts()
    assert [c["customers"] for _rep, c in counts["per_rep"]] == [4, 3]  # 7 customers in all
    by_district = {}
    for customer in Customer.objects.filter(pk__in=list(plan.moves)):
        by_district.setdefault(customer.district, set()).add(plan.moves[customer.pk])
    assert by_district["滨江区"] == {cast.bob.pk}  # a district is not cut in two


def test_choice_assigns_chosen_customers_and_splits_the_rest(cast):
    dave = UserFactory(username="dave", team=cast.team_hz)
    extra = CustomerFactory(name="另一家", owner=cast.alice)
    services.handover_run(actor=cast.sup, from_rep=cast.alice, to_reps=[cast.bob, dave],
                          mode="choice", assignments={extra.pk: dave.pk,
                                                      cast.alice_customer.pk: dave.pk})
    assert owners(extra, cast.alice_customer) == ["dave", "dave"]


def test_by_filter_moves_only_the_selection(cast):
    extra = CustomerFactory(name="另一家", owner=cast.alice, status="active")
    services.handover_run(actor=cast.sup, from_rep=cast.alice, to_reps=[cast.bob],
                          status="active")
    assert owners(extra, cast.alice_customer) == ["bob", "alice"]


def test_deactivation_ends_sessions_and_tokens_at_once(cast, client, api):
    client.force_login(cast.alice)
    assert client.get(reverse("customers:list")).status_code == 200
    Token.objects.create(user=cast.alice)
    services.handover_run(actor=cast.sup, from_rep=cast.alice, to_reps=[cast.bob],
                          deactivate=True)
    assert not User.objects.get(pk=cast.alice.pk).is_active
    assert not Token.objects.filter(user=cast.alice).exists()
    assert client.get(reverse("customers:list")).status_code == 302  # signed out
    assert not any(s.get_decoded().get("_auth_user_id") == str(cast.alice.pk)
                   for s in Session.objects.all())
    assert Handover.objects.get().deactivated


def test_deactivating_needs_every_customer_handed_over(cast):
    CustomerFactory(name="另一家", owner=cast.alice, status="active")
    with pytest.raises(ValidationError):
        services.handover_run(actor=cast.sup, from_rep=cast.alice, to_reps=[cast.bob],
                              status="active", deactivate=True)
    assert User.objects.get(pk=cast.alice.pk).is_active
    assert not Customer.objects.filter(owner=cast.bob, name="另一家").exists()


def test_an_error_midway_changes_nothing(cast, work, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the complaints service failed")

    monkeypatch.setattr(services, "complaint_assign", broken)
    with pytest.raises(RuntimeError):
        services.handover_run(actor=cast.sup, from_rep=cast.alice, to_reps=[cast.bob],
                              deactivate=True)
    assert owners(cast.alice_customer) == ["alice"]
    assert FollowUpTask.objects.get(pk=work["task"].pk).rep == cast.alice
    assert PlannedStop.objects.get(pk=work["stop"].pk).released_at is None
    assert not PlannedStop.objects.filter(rep=cast.bob).exists()
    assert RouteStop.objects.get(customer=cast.alice_customer).route.rep == cast.alice
    assert User.objects.get(pk=cast.alice.pk).is_active
    assert not Handover.objects.exists() and not ChangeLog.objects.filter(
        changes__has_key="owner").exists()


@pytest.mark.parametrize("who", ["alice", "bob", "mgr_nb", "custodian"])
def test_only_supervisors_of_both_reps_managers_above_and_admins(cast, who):
    with pytest.raises(PermissionDenied):
        services.handover_run(actor=getattr(cast, who), from_rep=cast.alice,
                              to_reps=[cast.bob])
    assert owners(cast.alice_customer) == ["alice"]


def test_a_supervisor_cannot_hand_to_another_team(cast):
    with pytest.raises(PermissionDenied):
        services.handover_run(actor=cast.sup, from_rep=cast.alice, to_reps=[cast.charlie])
    services.handover_run(actor=cast.mgr_zj, from_rep=cast.alice, to_reps=[cast.charlie])
    assert owners(cast.alice_customer) == ["charlie"]  # the manager above both may


@pytest.mark.parametrize("kwargs", [
    {"to_reps": []},
    {"mode": "bogus"},
    {"status": "nonsense"},
    {"customer_ids": ["x"]},
    {"customer_ids": [10**30]},
    {"assignments": {"1": "abc"}, "mode": "choice"},
])
def test_bad_input_is_refused_and_changes_nothing(cast, kwargs):
    args = {"actor": cast.sup, "from_rep": cast.alice, "to_reps": [cast.bob], **kwargs}
    with pytest.raises(ValidationError):
        services.handover_run(**args)
    assert owners(cast.alice_customer) == ["alice"] and not Handover.objects.exists()


def test_to_oneself_or_an_inactive_rep_is_refused(cast):
    with pytest.raises(ValidationError):
        services.handover_run(actor=cast.sup, from_rep=cast.alice, to_reps=[cast.alice])
    cast.bob.is_active = False
    cast.bob.save()
    with pytest.raises(ValidationError):
        services.handover_run(actor=cast.sup, from_rep=cast.alice, to_reps=[cast.bob])


# --- page, API, CLI ------------------------------------------------------------------------

def test_page_previews_counts_then_confirms(cast, work, login):
    client = login(cast.sup)
    query = {"from_rep": cast.alice.pk, "to_reps": [cast.bob.pk], "mode": "even"}
    preview = client.get(reverse("handover:new"), query)
    assert preview.status_code == 200
    body = preview.content.decode()
    assert 'data-testid="handover-total">1<' in body and "联华超市" in body
    assert owners(cast.alice_customer) == ["alice"]  # a preview writes nothing
    done = client.post(reverse("handover:new"), query)
    handover = Handover.objects.get()
    assert done.status_code == 302 and done.url == reverse("handover:detail",
                                                           args=[handover.pk])
    assert owners(cast.alice_customer) == ["bob"]
    page = client.get(done.url).content.decode()
    assert "联华超市" in page and str(cast.bob) in page


def test_page_bad_input_answers_400_and_changes_nothing(cast, login):
    client = login(cast.sup)
    response = client.post(reverse("handover:new"), {"from_rep": "abc", "to_reps": ["x"]})
    assert response.status_code == 400
    response = client.post(reverse("handover:new"), {
        "from_rep": cast.alice.pk, "to_reps": [cast.bob.pk], "customers": "C9999999"})
    assert response.status_code == 400
    assert owners(cast.alice_customer) == ["alice"]


def _receiver_options(html: str) -> dict[int, str]:
    """The receivers' list on the handover page: each option's value and its attributes."""
    import re

    select = re.search(r'<select name="to_reps".*?</select>', html, re.S).group(0)
    return {int(value): attrs for value, attrs in
            re.findall(r'<option value="(\d+)"([^>]*)>', select)}


def test_the_departing_rep_is_not_offered_as_a_receiver(cast, login):
    client = login(cast.sup)
    blank = _receiver_options(client.get(reverse("handover:new")).content.decode())
    assert "hidden" not in blank[cast.alice.pk] and "hidden" not in blank[cast.bob.pk]
    query = {"from_rep": cast.alice.pk, "to_reps": [cast.bob.pk], "mode": "even"}
    preview = client.get(reverse("handover:new"), query).content.decode()
    offered = _receiver_options(preview)
    assert "disabled" in offered[cast.alice.pk] and "hidden" in offered[cast.alice.pk]
    assert "disabled" not in offered[cast.bob.pk] and "selected" in offered[cast.bob.pk]
    assert 'data-exclude-value-of="id_from_rep"' in preview
    # Named anyway (an edited address): the form refuses it with the service's reason.
    for send in (client.get, client.post):
        answer = send(reverse("handover:new"), {**query, "to_reps": [cast.alice.pk, cast.bob.pk]})
        assert answer.status_code == 400
        text = answer.content.decode()
        assert "业务员不能把客户交接给自己" in text
        assert "selected" not in _receiver_options(text)[cast.alice.pk]
    assert owners(cast.alice_customer) == ["alice"] and not Handover.objects.exists()


def test_pages_are_not_there_for_reps(cast, login):
    client = login(cast.alice)
    assert client.get(reverse("handover:list")).status_code == 404
    assert client.get(reverse("handover:new")).status_code == 404


def test_api_preview_and_run(cast, work, api):
    body = {"from_rep": cast.alice.pk, "to_reps": [cast.bob.pk]}
    preview = api(cast.sup).post("/api/v1/handovers/preview/", body, format="json")
    assert preview.status_code == 200
    assert preview.json()["total"]["customers"] == 1
    assert owners(cast.alice_customer) == ["alice"]
    response = api(cast.sup).post("/api/v1/handovers/", {**body, "deactivate": True},
                                  format="json")
    assert response.status_code == 201
    assert response.json()["moves"] == [{"customer": cast.alice_customer.pk,
                                         "rep": cast.bob.pk}]
    assert owners(cast.alice_customer) == ["bob"]
    listed = api(cast.sup).get("/api/v1/handovers/").json()
    assert [h["id"] for h in listed["results"]] == [response.json()["id"]]
    assert api(cast.charlie).get(f"/api/v1/handovers/{response.json()['id']}/").status_code \
        in (403, 404)


@pytest.mark.parametrize("body, code", [
    ({"from_rep": "x", "to_reps": []}, 400),
    ({"to_reps": [1]}, 400),
    ({"from_rep": 1, "to_reps": [2], "surprise": 1}, 400),
])
def test_api_bad_input(cast, api, body, code):
    assert api(cast.sup).post("/api/v1/handovers/", body, format="json").status_code == code
    assert not Handover.objects.exists()


def test_api_refuses_outside_scope(cast, api):
    body = {"from_rep": cast.charlie.pk, "to_reps": [cast.bob.pk]}
    assert api(cast.sup).post("/api/v1/handovers/", body, format="json").status_code == 403
    assert api(cast.alice).post("/api/v1/handovers/", body, format="json").status_code == 403
    assert owners(cast.charlie_customer) == ["charlie"]


def test_cli_hands_over_and_deactivates(cast, work):
    out = io.StringIO()
    call_command("handover", "alice", "--to", "bob", "--deactivate", "--as", "sup", stdout=out)
    assert owners(cast.alice_customer) == ["bob"]
    assert not User.objects.get(pk=cast.alice.pk).is_active
    assert Handover.objects.get().channel == "cli"
    with pytest.raises(CommandError):
        call_command("handover", "bob", "--to", "nobody", "--as", "sup", stdout=out)


def test_cli_dry_run_changes_nothing(cast):
    out = io.StringIO()
    call_command("handover", "alice", "--to", "bob", "--dry-run", "--as", "sup", stdout=out)
    assert "bob: 1" in out.getvalue() and owners(cast.alice_customer) == ["alice"]


def test_list_and_detail_pages_cost_a_fixed_number_of_queries(
        cast, login, django_assert_max_num_queries):
    for n in range(30):
        CustomerFactory(name=f"店{n}", owner=cast.alice)
    services.handover_run(actor=cast.sup, from_rep=cast.alice, to_reps=[cast.bob])
    services.handover_run(actor=cast.sup, from_rep=cast.bob, to_reps=[cast.alice])
    client = login(cast.sup)
    client.get(reverse("handover:list"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("handover:list")).status_code == 200
    handover = Handover.objects.first()
    with django_assert_max_num_queries(14):
        assert client.get(reverse("handover:detail", args=[handover.pk])).status_code == 200


