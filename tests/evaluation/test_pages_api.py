"""Evaluation pages and API: scope, bad input answered 4xx with nothing changed, query counts,
the command line."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from outletcrm.customers.models import Customer
from outletcrm.evaluation.choices import ProposalStatus
from outletcrm.evaluation.models import ClassProposal, Evaluation, ManualValue, ScoringModel
from outletcrm.evaluation.services import evaluate
from tests.evaluation.conftest import DAY, place_orders, small_model
from tests.factories import CustomerFactory


@pytest.fixture
def scored(cast, time_machine):
    time_machine.move_to("2026-06-10 12:00 +0800")
    Customer.objects.update(updated_at=timezone.now())
    small_model(cast.admin)
    place_orders(cast.alice_customer, [3, 30], total=4000)
    place_orders(cast.bob_customer, [10], total=500)
    place_orders(cast.charlie_customer, [20], total=2000)
    evaluate(day=DAY)
    return cast


def test_customer_page_shows_every_indicator(scored, login):
    client = login(scored.alice)
    page = client.get(reverse("evaluation:customer", args=[scored.alice_customer.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('data-testid="indicator-line"') == 2
    assert "进货额" in text and 'data-testid="missing"' in text
    detail = client.get(reverse("customers:detail", args=[scored.alice_customer.pk]))
    assert 'data-testid="evaluation-panel"' in detail.content.decode()


def test_scope(scored, login, api):
    client = login(scored.charlie)
    assert client.get(reverse("evaluation:customer",
                              args=[scored.alice_customer.pk])).status_code == 404
    proposal = ClassProposal.objects.get(customer=scored.alice_customer)
    assert api(scored.charlie).get(f"/api/v1/class-proposals/{proposal.pk}").status_code == 404
    ids = [row["customer"] for row in api(scored.charlie).get("/api/v1/evaluations").json()[
        "results"]]
    assert ids == [scored.charlie_customer.pk]
    inbox = login(scored.sup).get(reverse("evaluation:proposals")).content.decode()
    assert scored.alice_customer.name in inbox and scored.charlie_customer.name not in inbox
    pareto = login(scored.sup).get(reverse("evaluation:pareto")).content.decode()
    assert scored.charlie_customer.name not in pareto and scored.alice_customer.name in pareto


def test_approve_through_api(scored, api):
    proposal = ClassProposal.objects.get(customer=scored.alice_customer)
    answer = api(scored.alice).post(f"/api/v1/class-proposals/{proposal.pk}/approve", {},
                                    format="json")
    assert answer.status_code == 403
    answer = api(scored.sup).post(f"/api/v1/class-proposals/{proposal.pk}/refuse", {},
                                  format="json")
    assert answer.status_code == 400 and "note" in answer.json()
    answer = api(scored.sup).post(f"/api/v1/class-proposals/{proposal.pk}/approve",
                                  {"note": "同意"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "approved"
    assert Customer.objects.get(pk=scored.alice_customer.pk).abc_class.code == "a"


def _model_body(**change):
    body = {"name": "API 模型", "is_active": False,
            "indicators": [{"code": "v", "name": "进货额", "source": "orders",
                            "source_key": "value_12m", "weight": "60", "standard": "1000"}],
            "bands": [{"grade": "A", "min_score": "0"}]}
    body.update(change)
    return body


@pytest.mark.parametrize("change", [
    {"indicators": [{"name": "x", "source": "orders", "source_key": "value_12m", "weight": "1",
                     "standard": "0"}]},
    {"indicators": []},
    {"bands": [{"grade": "A", "min_score": "-5"}]},
    {"bands": [{"grade": "A", "min_score": "0", "customer_class": 999999}]},
    {"indicators": [{"name": "x", "source": "orders", "source_key": "value_12m",
                     "weight": "NaN", "standard": "1"}]},
    {"name": ""},
    {"surprise": 1},
])
def test_bad_model_definitions_are_400_and_change_nothing(scored, api, change):
    before = list(ScoringModel.objects.values_list("pk", "version"))
    answer = api(scored.admin).post("/api/v1/scoring-models", _model_body(**change),
                                    format="json")
    assert answer.status_code == 400, answer.content
    assert list(ScoringModel.objects.values_list("pk", "version")) == before


def test_model_crud_through_api(scored, api):
    assert api(scored.sup).post("/api/v1/scoring-models", _model_body(),
                                format="json").status_code == 403
    answer = api(scored.admin).post("/api/v1/scoring-models", _model_body(), format="json")
    assert answer.status_code == 201
    created = answer.json()
    assert created["indicators"][0]["weight"] == "60.00"
    answer = api(scored.admin).put(f"/api/v1/scoring-models/{created['id']}",
                                   _model_body(name="改名"), format="json")
    assert answer.status_code == 200 and answer.json()["version"] == 2
    active = ScoringModel.objects.get(is_active=True)
    assert api(scored.admin).delete(f"/api/v1/scoring-models/{active.pk}").status_code == 400
    assert api(scored.admin).delete(f"/api/v1/scoring-models/{created['id']}").status_code == 204


def test_manual_value_and_runs(scored, api):
    answer = api(scored.alice).post("/api/v1/evaluation-values",
                                    {"customer": scored.alice_customer.pk, "key": "mgmt",
                                     "value": "8"}, format="json")
    assert answer.status_code == 200
    lines = {line["code"]: line for line in answer.json()["lines"]}
    assert lines["mgmt"]["actual"] == 8.0 and lines["mgmt"]["points"] == 40.0
    for body in ({"customer": scored.charlie_customer.pk, "key": "mgmt", "value": "1"},
                 {"customer": scored.alice_customer.pk, "key": "nope", "value": "1"},
                 {"customer": scored.alice_customer.pk, "key": "mgmt", "value": "-1"},
                 {"customer": "x", "key": "mgmt", "value": "1"}):
        assert api(scored.alice).post("/api/v1/evaluation-values", body,
                                      format="json").status_code in (400, 404)
    assert ManualValue.objects.count() == 1
    assert api(scored.sup).post("/api/v1/evaluation-runs", {}, format="json").status_code == 403
    answer = api(scored.admin).post("/api/v1/evaluation-runs", {"full": True}, format="json")
    assert answer.status_code == 201 and answer.json()["customers"] == 3


def test_only_administrators_see_the_run_log(scored, api, login):
    """The run log carries company-wide counts and who started each run (a rep's re-score
    too): a rep, supervisor, manager or custodian neither lists nor reads a run."""
    from outletcrm.evaluation.models import EvaluationRun

    run = EvaluationRun.objects.get()
    for user in (scored.alice, scored.sup, scored.mgr_zj, scored.custodian):
        assert api(user).get("/api/v1/evaluation-runs").status_code == 403, user
        assert api(user).get(f"/api/v1/evaluation-runs/{run.pk}").status_code == 404, user
        page = login(user).get(reverse("evaluation:overview")).content.decode()
        assert 'data-testid="runs"' not in page, user
    listed = api(scored.admin).get("/api/v1/evaluation-runs").json()["results"]
    assert [row["id"] for row in listed] == [run.pk]
    assert api(scored.admin).get(f"/api/v1/evaluation-runs/{run.pk}").json()["customers"] == 3
    page = login(scored.admin).get(reverse("evaluation:overview")).content.decode()
    assert 'data-testid="runs"' in page


def test_bad_query_strings_answer_400(scored, api):
    for url in ("/api/v1/evaluations?customer=abc", "/api/v1/class-proposals?status=zzz",
                "/api/v1/class-proposals?customer=99999999999999999999"):
        assert api(scored.sup).get(url).status_code == 400


def test_page_posts_by_the_wrong_people_change_nothing(scored, login):
    proposal = ClassProposal.objects.get(customer=scored.alice_customer)
    client = login(scored.alice)
    client.post(reverse("evaluation:approve", args=[proposal.pk]))
    assert ClassProposal.objects.get(pk=proposal.pk).status == ProposalStatus.PENDING
    assert client.post(reverse("evaluation:run")).status_code == 403
    assert client.get(reverse("evaluation:model_new")).status_code == 404
    assert login(scored.charlie).post(reverse("evaluation:approve",
                                              args=[proposal.pk])).status_code == 404


def test_model_form_rejects_a_zero_standard(scored, login):
    client = login(scored.admin)
    data = {"name": "表单模型", "ind-TOTAL_FORMS": "1", "ind-INITIAL_FORMS": "0",
            "ind-0-name": "进货额", "ind-0-dimension": "finance", "ind-0-source": "orders",
            "ind-0-source_key": "value_12m", "ind-0-weight": "50", "ind-0-standard": "0",
            "ind-0-direction": "higher", "ind-0-cap": "1",
            "band-TOTAL_FORMS": "1", "band-INITIAL_FORMS": "0", "band-0-grade": "A",
            "band-0-min_score": "0"}
    page = client.post(reverse("evaluation:model_new"), data)
    assert page.status_code == 200
    assert 'data-testid="model-problems"' in page.content.decode()
    assert not ScoringModel.objects.filter(name="表单模型").exists()
    data["ind-0-standard"] = "1000"
    assert client.post(reverse("evaluation:model_new"), data).status_code == 302
    assert ScoringModel.objects.filter(name="表单模型").exists()


@pytest.mark.parametrize("name", ["overview", "proposals", "pareto", "rfv", "models", "rules"])
def test_list_pages_query_count(scored, login, django_assert_max_num_queries, name):
    for n in range(20):
        customer = CustomerFactory(owner=scored.alice, name=f"门店{n}")
        place_orders(customer, [n + 1], total=100 + n)
    evaluate(day=DAY, full=True)
    client = login(scored.sup)
    with django_assert_max_num_queries(25):
        assert client.get(reverse(f"evaluation:{name}")).status_code == 200


def test_customer_page_query_count(scored, login, django_assert_max_num_queries):
    client = login(scored.sup)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("evaluation:customer",
                                  args=[scored.alice_customer.pk])).status_code == 200


def test_classify_command(scored):
    out = StringIO()
    call_command("classify", "--no-run", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert {row["customer"] for row in rows} >= {scored.alice_customer.code}
    out = StringIO()
    call_command("classify", "--changes", "--apply", "--as", "sup", stdout=out, stderr=StringIO())
    assert "applied" in out.getvalue()
    assert Customer.objects.get(pk=scored.alice_customer.pk).abc_class.code == "a"
    # Charlie is outside the supervisor's team: still pending.
    assert ClassProposal.objects.filter(customer=scored.charlie_customer,
                                        status=ProposalStatus.PENDING).exists()
    assert Evaluation.objects.count() == 3
