"""`outletcrm sweeps` (campaigns, coverage, answers), the answers API, and the phone's offline
side: the pages the service worker keeps, and photos replayed by the queue stored once."""

import io
import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from PIL import Image

from outletcrm.development import services
from outletcrm.development.models import SurveyAnswer, SweepOutlet
from tests.development.conftest import INSIDE, now
from tests.factories import outlet_type


def _new(name, **extra):
    return {"name": name, "outlet_type": outlet_type().pk, "address": f"{name}路1号", **extra}


@pytest.fixture
def surveyed(cast, sweep):
    """alice: one complete form and one started; bob: one outlet, nothing answered."""
    campaign, (choice, number, text) = sweep
    rec = dict(campaign=campaign, device_time=now(), lat=INSIDE[0], lng=INSIDE[1])
    done, _ = services.sweep_outlet_record(actor=cast.alice, client_id=uuid.uuid4(),
                                           new=_new("新店甲"), **rec)
    services.survey_answers_save(actor=cast.alice, outlet=done, device_time=now(), answers={
        str(choice.pk): "临街", str(number.pk): 20, str(text.pk): "价格"})
    started, _ = services.sweep_outlet_record(actor=cast.alice, client_id=uuid.uuid4(),
                                              customer=cast.alice_customer.pk, **rec)
    services.survey_answers_save(actor=cast.alice, outlet=started, device_time=now(),
                                 answers={str(choice.pk): "市场内"})
    services.sweep_outlet_record(actor=cast.bob, client_id=uuid.uuid4(),
                                 customer=cast.bob_customer.pk, **rec)
    return campaign, done, started


def sweeps(*args) -> str:
    out = StringIO()
    call_command("sweeps", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# --- the CLI ---------------------------------------------------------------------------------

def test_campaigns_are_listed_in_the_users_scope(cast, surveyed):
    campaign, _done, _started = surveyed
    rows = json.loads(sweeps("campaigns", "--as", "sup", "--format", "json"))
    assert [(r["id"], r["outlets"], r["running"]) for r in rows] == [(campaign.pk, 3, True)]
    assert "1 campaign(s)" in sweeps("campaigns", "--as", "alice", "--running")
    # charlie (another team) sees no campaign at all
    assert json.loads(sweeps("campaigns", "--as", "charlie", "--format", "json")) == []


def test_coverage_follows_the_scope_rep_own_supervisor_whole_team(cast, surveyed):
    campaign, _done, _started = surveyed
    team = json.loads(sweeps("coverage", str(campaign.pk), "--as", "sup", "--format", "json"))
    assert (team["outlets"], team["complete"], team["filed"]) == (3, 1, 1)
    assert {r["rep"]: (r["outlets"], r["complete"], r["average_completeness"])
            for r in team["reps"]} == {"alice": (2, 1, 66), "bob": (1, 0, 0)}
    assert team["targets"] is not None  # the supervisor manages the campaign
    own = json.loads(sweeps("coverage", str(campaign.pk), "--as", "alice", "--format", "json"))
    assert own["outlets"] == 2 and [r["rep"] for r in own["reps"]] == ["alice"]
    assert own["targets"] is None  # the archive of the area is not the rep's to count
    table = sweeps("coverage", str(campaign.pk), "--as", "sup")
    assert "3 outlets surveyed, 1 forms complete" in table and "alice" in table


def test_answers_are_listed_filtered_and_exported(cast, surveyed, tmp_path):
    campaign, done, started = surveyed
    data = json.loads(sweeps("answers", str(campaign.pk), "--as", "sup", "--format", "json"))
    assert [q["text"] for q in data["questions"]] == ["位置", "经营面积（平方米）", "购买因素"]
    by_name = {r["name"]: r for r in data["results"]}
    assert set(by_name) == {"新店甲", "联华超市", "好又多便利店"}
    choice, number, text = (str(q["id"]) for q in data["questions"])
    assert by_name["新店甲"]["answers"] == {choice: "临街", number: 20, text: "价格"}
    assert by_name["联华超市"]["answers"] == {choice: "市场内"}
    assert by_name["好又多便利店"]["answers"] == {}

    complete = json.loads(sweeps("answers", str(campaign.pk), "--as", "sup", "--complete",
                                 "--format", "json"))
    assert [r["outlet"] for r in complete["results"]] == [str(done.client_id)]
    bobs = json.loads(sweeps("answers", str(campaign.pk), "--as", "sup", "--rep", "bob",
                             "--format", "json"))
    assert [r["rep"] for r in bobs["results"]] == ["bob"]
    # a rep sees only his own outlets' answers, whatever --rep says
    alice_sees = json.loads(sweeps("answers", str(campaign.pk), "--as", "alice", "--rep", "bob",
                                   "--format", "json"))
    assert alice_sees["results"] == []

    table = sweeps("answers", str(campaign.pk), "--as", "alice", "--incomplete")
    assert "联华超市" in table and "位置: 市场内" in table and "新店甲" not in table

    target = tmp_path / "answers.xlsx"
    sweeps("answers", str(campaign.pk), "--as", "sup", "--xlsx", str(target))
    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-3:] == ("位置", "经营面积（平方米）", "购买因素")
    assert len(rows) == 4


@pytest.mark.parametrize("args, message", [
    (["campaigns", "--as", "nobody"], "no active user"),
    (["coverage", "abc", "--as", "sup"], "valid id"),
    (["coverage", "99999999999999999999", "--as", "sup"], "valid id"),
    (["coverage", "999999", "--as", "sup"], "no such campaign"),
    (["answers", "CAMPAIGN", "--as", "charlie"], "no such campaign"),  # another team's
    (["answers", "CAMPAIGN", "--as", "sup", "--rep", "nobody"], "no user"),
    (["answers", "CAMPAIGN", "--as", "sup", "--xlsx", "/no/such/dir/a.xlsx"], "no directory"),
    (["answers", "CAMPAIGN", "--as", "sup", "--complete", "--incomplete"], "not allowed"),
    (["campaigns", "--as", "sup", "--format", "csv"], "invalid choice"),
])
def test_bad_input_gets_a_clear_error(cast, surveyed, args, message):
    campaign, _done, _started = surveyed
    args = [str(campaign.pk) if a == "CAMPAIGN" else a for a in args]
    with pytest.raises(CommandError, match=message):
        sweeps(*args)


# --- the answers API -------------------------------------------------------------------------

def test_the_answers_api_is_scoped_and_filters(cast, surveyed, api):
    campaign, done, _started = surveyed
    url = f"/api/v1/sweeps/campaigns/{campaign.pk}/answers"
    team = api(cast.sup).get(url).json()
    assert len(team["results"]) == 3
    assert [r["outlet"] for r in api(cast.sup).get(url, {"complete": "true"}).json()[
        "results"]] == [str(done.client_id)]
    assert len(api(cast.sup).get(url, {"complete": "false"}).json()["results"]) == 2
    assert {r["rep"] for r in api(cast.bob).get(url).json()["results"]} == {"bob"}
    assert api(cast.charlie).get(url).status_code == 404
    assert api(cast.sup).get(url, {"complete": "maybe"}).status_code == 400
    assert api().get(url).status_code == 401


def test_the_answers_api_reads_in_a_few_queries(cast, surveyed, api,
                                                django_assert_max_num_queries):
    campaign, _done, _started = surveyed
    client = api(cast.sup)
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/sweeps/campaigns/{campaign.pk}/answers").status_code == 200


# --- the phone offline -----------------------------------------------------------------------

def test_the_service_worker_keeps_the_reps_running_sweep_pages(cast, sweep, login):
    campaign, _questions = sweep
    script = login(cast.alice).get("/m/sw.js").content.decode()
    shell = json.loads(script.split("const SHELL_PAGES = ", 1)[1].split(";", 1)[0])
    assert "/m/" in shell and "/m/sweeps/" in shell and f"/m/sweeps/{campaign.pk}/" in shell
    # charlie is not on the campaign: the list only
    script = login(cast.charlie).get("/m/sw.js").content.decode()
    shell = json.loads(script.split("const SHELL_PAGES = ", 1)[1].split(";", 1)[0])
    assert "/m/sweeps/" in shell and f"/m/sweeps/{campaign.pk}/" not in shell


def test_the_sweep_snapshot_says_when_it_was_taken(cast, sweep, login):
    campaign, _questions = sweep
    data = login(cast.alice).get(f"/m/sweeps/{campaign.pk}/snapshot").json()
    assert data["generated_at"].endswith("+00:00")


def _jpeg() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (10, 120, 200)).save(buf, format="JPEG")
    buf.seek(0)
    buf.name = "front.jpg"
    return buf


def test_photos_replayed_by_the_queue_are_stored_once(cast, sweep, api, settings, tmp_path):
    """The phone sends a photo again when it did not hear the answer (offline sync)."""
    settings.MEDIA_ROOT = tmp_path
    campaign, _questions = sweep
    outlet, _ = services.sweep_outlet_record(
        actor=cast.alice, campaign=campaign, client_id=uuid.uuid4(), new=_new("新店丙"),
        device_time=now(), lat=INSIDE[0], lng=INSIDE[1])
    photo_id = str(uuid.uuid4())
    client = api(cast.alice)
    url = f"/api/v1/sweeps/outlets/{outlet.client_id}/photos"
    first = client.post(url, {"image": _jpeg(), "client_id": photo_id}, format="multipart")
    again = client.post(url, {"image": _jpeg(), "client_id": photo_id}, format="multipart")
    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.json()["status"], again.json()["status"]) == ("applied", "duplicate")
    outlet.refresh_from_db()
    assert outlet.storefront and str(outlet.storefront_client_id) == photo_id
    assert len(list((tmp_path / "sweeps").rglob("*.jpg"))) == 1
    # another rep cannot claim the photo's client id for an outlet of his own
    assert api(cast.bob).post(url, {"image": _jpeg(), "client_id": photo_id},
                              format="multipart").status_code == 404
    assert SweepOutlet.objects.filter(storefront_client_id=photo_id).count() == 1
    assert not SurveyAnswer.objects.exists()
