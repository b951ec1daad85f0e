"""Best order for a day (issue 4, item 1): order and arrival times written, stops that cannot
fit listed (never dropped), visited stops kept first mid-day, scope, bad input, the phone."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from outletcrm.optimise import services
from outletcrm.optimise.models import JobKind, JobStatus, OptimisationJob, RepBase
from outletcrm.routing.problem import Place
from outletcrm.visits.choices import VisitStatus
from outletcrm.visits.models import DailyPlan, PlannedStop, Visit
from tests.factories import CustomerFactory, customer_class
from tests.optimise.conftest import DAY, EN, HOME, at, east, make_plan, names_in_order

pytestmark = pytest.mark.django_db


def post_day(client, rep, date=DAY, follow=False, **data):
    """Ask for a better order: the answer is the proposal's page; the plan is not changed."""
    return client.post("/optimise/day/", {"rep": rep.pk, "date": date.isoformat(), **data},
                       follow=follow, **EN)


def apply_url(proposal_url: str) -> str:
    return proposal_url.split("?")[0] + "apply/"


def optimise_and_apply(client, rep, date=DAY, **data):
    """Propose, then confirm: the order goes on the plan."""
    proposed = post_day(client, rep, date, **data)
    assert proposed.status_code == 302 and "/optimise/day/proposal/" in proposed["Location"]
    return client.post(apply_url(proposed["Location"]), {"next": data.get("next", "")}, **EN)


# --- the order and the arrival times -----------------------------------------------------

def test_optimising_writes_the_shortest_order_and_arrival_times(cast, line_shops, alice_home,
                                                                client):
    plan = make_plan(cast.alice, DAY, [line_shops[2], line_shops[0], line_shops[3],
                                       line_shops[1]])
    client.force_login(cast.alice)
    before = names_in_order(plan)
    proposed = post_day(client, cast.alice, start="home")
    assert proposed.status_code == 302
    job = OptimisationJob.objects.get()
    assert proposed["Location"] == f"/optimise/day/proposal/{job.pk}/"
    # First the proposal: the order, arrival times and the distance saved; nothing changed.
    html = client.get(proposed["Location"], **EN).content.decode()
    assert html.count('data-testid="proposed-stop"') == 4
    assert 'data-testid="apply-proposal"' in html and 'data-testid="saving"' in html
    assert names_in_order(plan) == before and job.applied_at is None
    plan.refresh_from_db()
    assert plan.optimised_at is None and not any(plan.stops.values_list("planned_arrival",
                                                                        flat=True))
    saving = job.result["saving"]
    assert saving["distance_km"] > 0 and job.result["baseline"]["distance_km"] == pytest.approx(
        job.result["totals"]["distance_km"] + saving["distance_km"], abs=0.01)
    # Then confirmed.
    response = client.post(apply_url(proposed["Location"]), **EN)
    assert response.status_code == 302
    assert response["Location"] == f"/optimise/day/?rep={cast.alice.pk}&date={DAY.isoformat()}"
    order = names_in_order(plan)
    assert order in (["东1号店", "东2号店", "东3号店", "东4号店"],
                     ["东4号店", "东3号店", "东2号店", "东1号店"])
    stops = list(plan.stops.order_by("position"))
    arrivals = [s.planned_arrival for s in stops]
    assert all(arrivals) and arrivals == sorted(arrivals)
    # Outlets are busy until 09:00 (brief §5): the first visit starts then, not at 08:30.
    assert arrivals[0] >= datetime.time(8, 30)
    plan.refresh_from_db()
    assert plan.optimised_at is not None
    job = OptimisationJob.objects.get()
    assert (job.kind, job.status, job.progress, job.rep, job.created_by) == (
        JobKind.DAY, JobStatus.DONE, 1.0, cast.alice, cast.alice)
    rows = job.result["rows"]
    assert [r["status"] for r in rows] == ["planned"] * 4
    assert rows[0]["start"] >= "09:00"
    # Home → 1 → 2 → 3 → 4 → home is 8 km straight, ×1.3 road factor.
    assert job.result["totals"]["distance_km"] == pytest.approx(8 * 1.3, rel=0.02)

    page = client.get(response["Location"], **EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="day-route-map"' in html and "optimise-day-map" in html
    assert html.count('data-testid="optimised-stop"') == 4
    assert rows[0]["arrival"] in html


def test_stops_that_cannot_fit_stay_on_the_plan_at_the_end_with_the_reason(cast, line_shops,
                                                                          alice_home, client):
    early_bird = CustomerFactory(owner=cast.alice, name="早点铺", latitude=HOME[0],
                                 longitude=east(1.5), opens_at=datetime.time(5, 0),
                                 closes_at=datetime.time(7, 30))
    no_coordinates = CustomerFactory(owner=cast.alice, name="无坐标店")
    plan = make_plan(cast.alice, DAY, [early_bird, line_shops[0], no_coordinates,
                                       line_shops[1]])
    client.force_login(cast.alice)
    optimise_and_apply(client, cast.alice, start="home")
    order = names_in_order(plan)
    assert order[:2] in (["东1号店", "东2号店"], ["东2号店", "东1号店"])
    assert order[2:] == ["早点铺", "无坐标店"]  # kept, at the end, in their planned order
    stops = {s.customer.name: s for s in plan.stops.select_related("customer")}
    assert stops["早点铺"].planned_arrival is None and stops["无坐标店"].planned_arrival is None
    assert stops["早点铺"].dropped_at is None  # listed, never dropped
    rows = {r["name"]: r for r in OptimisationJob.objects.get().result["rows"]}
    assert rows["早点铺"]["reason"] == "window_unreachable"
    assert rows["无坐标店"]["reason"] == "no_coordinates"
    html = client.get(f"/optimise/day/?rep={cast.alice.pk}&date={DAY.isoformat()}",
                      **EN).content.decode()
    assert "Cannot arrive inside any of its visit windows" in html
    assert "The outlet has no coordinates" in html
    assert OptimisationJob.objects.get().result["totals"]["unassigned"] == 2


def test_dropped_stops_stay_last_and_are_not_planned(cast, line_shops, alice_home):
    plan = make_plan(cast.alice, DAY, line_shops)
    PlannedStop.objects.filter(plan=plan, customer=line_shops[0]).update(
        dropped_at=timezone.now(), drop_reason="关门")
    result = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY,
                                       start="home")
    assert names_in_order(plan)[-1] == "东1号店"
    assert [r["status"] for r in result.job.result["rows"]][-1] == "dropped"
    assert len(result.plan.visits) == 3


def test_mid_day_keeps_visited_stops_first_in_visit_order(cast, line_shops, alice_home):
    plan = make_plan(cast.alice, DAY, line_shops)
    # Visited 东3 first, then 东1 (a rejected visit to 东4 does not count).
    for shop, start, status in ((line_shops[2], at(DAY, 9, 5), VisitStatus.DONE),
                                (line_shops[0], at(DAY, 9, 40), VisitStatus.DONE),
                                (line_shops[3], at(DAY, 9, 50), VisitStatus.REJECTED)):
        Visit.objects.create(rep=cast.alice, customer=shop, date=DAY, checked_in_at=start,
                             checkin_received_at=start, status=status,
                             checked_out_at=start + datetime.timedelta(minutes=20))
    now = at(DAY, 11, 0)
    result = services.optimise_rep_day(
        actor=cast.alice, rep=cast.alice, date=DAY, start="first_outlet", now=now,
        current_position=Place(float(HOME[0]), float(east(2.1)), "position"))
    assert names_in_order(plan)[:2] == ["东3号店", "东1号店"]
    rows = result.job.result["rows"]
    assert [r["status"] for r in rows] == ["visited", "visited", "planned", "planned"]
    assert rows[0]["arrival"] == "09:05" and rows[1]["arrival"] == "09:40"
    # From the current position (2.1 km east, 11:00, open end) 东2 is next, then 东4.
    assert [r["name"] for r in rows[2:]] == ["东2号店", "东4号店"]
    assert all(r["arrival"] >= "11:00" for r in rows[2:])
    assert result.job.result["position"]["label"] == "position"
    # A visited stop keeps its own time; the others get the new arrival.
    visited = PlannedStop.objects.get(plan=plan, customer=line_shops[2])
    assert visited.planned_arrival is None


def test_mid_day_without_a_position_continues_from_the_last_visit(cast, line_shops, alice_home):
    make_plan(cast.alice, DAY, line_shops)
    start = at(DAY, 9, 5)
    Visit.objects.create(rep=cast.alice, customer=line_shops[3], date=DAY, checked_in_at=start,
                         checkin_received_at=start, status=VisitStatus.DONE,
                         checked_out_at=start + datetime.timedelta(minutes=15))
    result = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY,
                                       start="home", now=at(DAY, 10, 0))
    rows = result.job.result["rows"]
    assert [r["name"] for r in rows] == ["东4号店", "东3号店", "东2号店", "东1号店"]
    assert result.job.result["position"]["lat"] == pytest.approx(float(HOME[0]))


def test_first_outlet_start_has_an_open_start_and_end(cast, line_shops):
    make_plan(cast.alice, DAY, [line_shops[3], line_shops[0], line_shops[2], line_shops[1]])
    result = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY)
    assert result.job.result["start"] == "first_outlet"  # no home, no office
    # Open start and end: 3 km between the first and the last outlet, ×1.3.
    assert result.job.result["totals"]["distance_km"] == pytest.approx(3 * 1.3, rel=0.02)


def test_service_minutes_follow_the_class_and_first_visits(cast, alice_home, settings):
    settings.ROUTING_SERVICE_MINUTES = '{"key": 40, "first": 50}'
    key = CustomerFactory(owner=cast.alice, latitude=HOME[0], longitude=east(1),
                          customer_class=customer_class("key"))
    new = CustomerFactory(owner=cast.alice, latitude=HOME[0], longitude=east(2),
                          customer_class=customer_class("ordinary"))
    old = CustomerFactory(owner=cast.alice, latitude=HOME[0], longitude=east(3),
                          customer_class=customer_class("ordinary"))
    moment = at(DAY - datetime.timedelta(days=7), 10)
    for customer in (key, old):
        Visit.objects.create(rep=cast.alice, customer=customer, date=moment.date(),
                             checked_in_at=moment, checkin_received_at=moment,
                             status=VisitStatus.DONE)
    make_plan(cast.alice, DAY, [key, new, old])
    result = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY)
    minutes = {r["customer"]: r["service_minutes"] for r in result.job.result["rows"]}
    assert minutes == {key.pk: 40, new.pk: 50, old.pk: 20}


def test_the_reps_own_hours_and_office(cast, line_shops, client):
    client.force_login(cast.sup)
    response = client.post("/optimise/rep-base/", {
        "rep": cast.alice.pk, "date": DAY.isoformat(), "office_lat": "30.270000",
        "office_lng": "120.150000", "work_start": "10:00", "work_end": "16:00", "mode": "walk"},
        **EN)
    assert response.status_code == 302
    base = RepBase.objects.get(user=cast.alice)
    assert (base.work_start, base.mode) == (datetime.time(10), "walk")
    make_plan(cast.alice, DAY, line_shops)
    result = services.optimise_rep_day(actor=cast.sup, rep=cast.alice, date=DAY)
    assert result.job.result["start"] == "office"
    assert result.job.result["mode"] == "walk"
    assert result.job.result["totals"]["start"] == "10:00"
    # On foot 4.5 km/h: the far shops do not fit between 10:00 and 16:00 from the office.
    assert all(r["arrival"] is None or r["arrival"] >= "10:00"
               for r in result.job.result["rows"])


def test_rep_base_rejects_half_a_position_and_changes_nothing(cast, client):
    client.force_login(cast.alice)
    response = client.post("/optimise/rep-base/", {
        "rep": cast.alice.pk, "home_lat": "30.27", "home_lng": "", "work_start": "",
        "work_end": "", "mode": ""}, follow=True, **EN)
    assert "Give both latitude and longitude, or neither." in response.content.decode()
    assert not RepBase.objects.exists()


# --- who may optimise whose day ----------------------------------------------------------

@pytest.mark.parametrize("who", ["alice", "sup", "mgr_zj", "admin"])
def test_the_rep_and_the_reps_supervisors_may_optimise(cast, line_shops, client, who):
    plan = make_plan(cast.alice, DAY, line_shops[::-1][1:] + line_shops[3:])
    client.force_login(getattr(cast, who))
    assert optimise_and_apply(client, cast.alice).status_code == 302
    assert DailyPlan.objects.get(pk=plan.pk).optimised_at is not None


@pytest.mark.parametrize("who", ["bob", "charlie", "mgr_nb", "custodian"])
def test_others_get_404_and_nothing_changes(cast, line_shops, client, who):
    plan = make_plan(cast.alice, DAY, line_shops)
    client.force_login(getattr(cast, who))
    assert post_day(client, cast.alice).status_code == 404
    assert client.get(f"/optimise/day/?rep={cast.alice.pk}", **EN).status_code == 404
    assert DailyPlan.objects.get(pk=plan.pk).optimised_at is None
    assert not OptimisationJob.objects.exists()


def test_the_supervisors_day_page_offers_optimise_per_rep(cast, line_shops, client,
                                                         monkeypatch):
    today = timezone.localdate()
    make_plan(cast.alice, today, line_shops)
    client.force_login(cast.sup)
    html = client.get("/visits/day/", **EN).content.decode()
    # Only for a rep with stops on the plan: alice, not bob.
    assert html.count('data-testid="optimise-rep-day"') == 1
    assert f'name="rep" value="{cast.alice.pk}"' in html
    past = (today - datetime.timedelta(days=1)).isoformat()
    html = client.get(f"/visits/day/?date={past}", **EN).content.decode()
    assert 'data-testid="optimise-rep-day"' not in html


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ({"date": "2030-13-45"}, "Enter a valid date (YYYY-MM-DD)."),
    ({"date": "garbage"}, "Enter a valid date (YYYY-MM-DD)."),
    ({"date": "2020-01-01"}, "Past days cannot be optimised."),
    ({"date": "2030-05-08"}, "There is no plan for this day."),
    ({"start": "moon"}, "Start from home, the office or the first outlet."),
    ({"start": "home"}, "No home position is set for this rep"),
    ({"start": "office"}, "No office position is set"),
    ({"lat": "30.2", "lng": ""}, "Give both latitude and longitude, or neither."),
    ({"lat": "95", "lng": "120"}, "Latitude must be between -90 and 90."),
    ({"lat": "abc", "lng": "120"}, "Invalid coordinates."),
])
def test_bad_input_is_explained_and_changes_nothing(cast, line_shops, client, data, message):
    plan = make_plan(cast.alice, DAY, line_shops)
    before = names_in_order(plan)
    client.force_login(cast.alice)
    response = client.post("/optimise/day/", {"rep": cast.alice.pk, "date": DAY.isoformat(),
                                              **data}, follow=True, **EN)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert names_in_order(plan) == before
    assert not OptimisationJob.objects.exists()
    assert DailyPlan.objects.get(pk=plan.pk).optimised_at is None


def test_a_plan_with_only_dropped_stops_is_refused(cast, line_shops, client):
    plan = make_plan(cast.alice, DAY, line_shops[:1])
    plan.stops.update(dropped_at=timezone.now(), drop_reason="x")
    client.force_login(cast.alice)
    response = post_day(client, cast.alice, follow=True)
    assert "The plan has no stops to optimise." in response.content.decode()


def test_a_garbage_date_on_the_page_shows_today(cast, client):
    client.force_login(cast.alice)
    response = client.get("/optimise/day/?date=nonsense", **EN)
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_a_failing_travel_provider_is_reported_not_a_500(cast, line_shops, client, settings):
    settings.ROUTING_TRAVEL_PROVIDER = "tests.optimise.test_day.BrokenProvider"
    plan = make_plan(cast.alice, DAY, line_shops)
    client.force_login(cast.alice)
    response = post_day(client, cast.alice, follow=True)
    assert response.status_code == 200
    assert "The travel-time service did not answer" in response.content.decode()
    assert DailyPlan.objects.get(pk=plan.pk).optimised_at is None
    assert OptimisationJob.objects.get().status == JobStatus.FAILED


class BrokenProvider:
    """A road-network provider whose server is down."""

    def matrix(self, points, *, mode="car"):
        from outletcrm.routing.travel import TravelError

        raise TravelError("connection refused")


# --- the phone ---------------------------------------------------------------------------

def test_the_phone_shows_the_proposal_first_and_comes_back_to_today(cast, line_shops, client):
    today = timezone.localdate()
    plan = make_plan(cast.alice, today, line_shops)
    client.force_login(cast.alice)
    html = client.get("/m/", **EN).content.decode()
    assert 'data-testid="optimise-my-day"' in html and "optimise-phone.js" in html
    response = client.post("/optimise/day/", {"date": today.isoformat(), "next": "/m/",
                                              "lat": str(HOME[0]), "lng": str(east(2.5))}, **EN)
    job = OptimisationJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/optimise/day/proposal/{job.pk}/?next=%2Fm%2F"
    assert job.params["position"]["lng"] == pytest.approx(float(east(2.5)))
    page = client.get(response["Location"], **EN).content.decode()
    assert 'class="m-body"' in page and 'data-testid="apply-proposal"' in page  # the phone's
    assert page.count('data-testid="proposed-stop"') == 4
    assert DailyPlan.objects.get(pk=plan.pk).optimised_at is None
    applied = client.post(apply_url(response["Location"]), {"next": "/m/"}, **EN)
    assert applied.status_code == 302 and applied["Location"] == "/m/"
    assert DailyPlan.objects.get(pk=plan.pk).optimised_at is not None


def test_a_proposal_for_a_plan_that_changed_since_is_not_applied(cast, line_shops, client):
    plan = make_plan(cast.alice, DAY, line_shops[::-1])
    client.force_login(cast.alice)
    proposed = post_day(client, cast.alice)
    PlannedStop.objects.filter(plan=plan, customer=line_shops[0]).update(
        dropped_at=timezone.now(), drop_reason="关门")
    before = names_in_order(plan)
    html = client.get(proposed["Location"], **EN).content.decode()
    assert 'data-testid="proposal-stale"' in html and 'data-testid="apply-proposal"' not in html
    response = client.post(apply_url(proposed["Location"]), follow=True, **EN)
    assert "The plan changed after this order was proposed" in response.content.decode()
    assert names_in_order(plan) == before
    assert DailyPlan.objects.get(pk=plan.pk).optimised_at is None
    assert OptimisationJob.objects.get().applied_at is None


def test_a_proposal_is_applied_once_and_only_by_whoever_may(cast, line_shops, client):
    make_plan(cast.alice, DAY, line_shops[::-1])
    client.force_login(cast.alice)
    proposed = post_day(client, cast.alice)
    client.force_login(cast.bob)
    assert client.get(proposed["Location"], **EN).status_code == 404
    assert client.post(apply_url(proposed["Location"]), **EN).status_code == 404
    assert OptimisationJob.objects.get().applied_at is None
    client.force_login(cast.sup)
    assert client.post(apply_url(proposed["Location"]), **EN).status_code == 302
    job = OptimisationJob.objects.get()
    assert job.applied_at is not None and job.applied_by == cast.sup
    again = client.post(apply_url(proposed["Location"]), follow=True, **EN)
    assert "This order is already on the plan." in again.content.decode()


def test_the_optimiser_opens_on_the_first_rep_with_stops_not_the_supervisor(cast, line_shops,
                                                                           client):
    make_plan(cast.bob, DAY, line_shops[:2])
    client.force_login(cast.sup)
    page = client.get(f"/optimise/day/?date={DAY.isoformat()}", **EN)
    assert page.context["rep"] == cast.bob
    assert 'data-testid="optimise-form"' in page.content.decode()
    # A rep lands on his own day, even without a plan.
    client.force_login(cast.alice)
    assert client.get(f"/optimise/day/?date={DAY.isoformat()}", **EN).context["rep"] == cast.alice


def test_the_phone_without_a_plan_shows_no_button(cast, client):
    client.force_login(cast.alice)
    assert 'data-testid="optimise-my-day"' not in client.get("/m/", **EN).content.decode()


def test_an_offsite_next_url_is_ignored(cast, line_shops, client):
    make_plan(cast.alice, DAY, line_shops)
    client.force_login(cast.alice)
    response = post_day(client, cast.alice, next="https://evil.example/")
    assert response["Location"].startswith("/optimise/day/")


def test_identical_input_gives_the_identical_order(cast, line_shops, alice_home):
    shops = line_shops + [CustomerFactory(owner=cast.alice, latitude=HOME[0] + Decimal(str(k / 100)),
                                          longitude=east(k)) for k in (0.5, 1.5, 2.5)]
    plan = make_plan(cast.alice, DAY, shops)
    initial = {s.pk: s.position for s in plan.stops.all()}
    first = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY)
    order = names_in_order(plan)
    for pk, position in initial.items():
        PlannedStop.objects.filter(pk=pk).update(position=position)
    cache.clear()  # the engine itself, not the cache of day plans, must repeat its answer
    second = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY)
    assert names_in_order(plan) == order
    assert first.plan.stop_ids == second.plan.stop_ids


def _count_searches(monkeypatch) -> list:
    """Record every engine call that has stops to order (the baseline only measures)."""
    searches = []
    real = services.optimise_day

    def counting(problem, **options):
        if any(not stop.fixed for stop in problem.stops):
            searches.append([stop.id for stop in problem.stops])
        return real(problem, **options)

    monkeypatch.setattr(services, "optimise_day", counting)
    return searches


def test_the_same_day_optimised_again_runs_no_second_search(cast, line_shops, alice_home,
                                                            monkeypatch):
    plan = make_plan(cast.alice, DAY, list(reversed(line_shops)))
    searches = _count_searches(monkeypatch)
    first = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY, apply=False)
    again = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY, apply=False)
    assert len(searches) == 1
    assert again.job.result["rows"] == first.job.result["rows"]
    assert again.job.pk != first.job.pk  # each press is still its own proposal
    # A changed day (one more outlet) is a new problem: searched again.
    extra = CustomerFactory(owner=cast.alice, latitude=HOME[0], longitude=east(2.5))
    PlannedStop.objects.create(plan=plan, rep=cast.alice, date=DAY, customer=extra, position=5)
    changed = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY,
                                        apply=False)
    assert len(searches) == 2 and len(changed.plan.visits) == 5


def test_a_cache_that_does_not_answer_costs_only_the_search(cast, line_shops, alice_home,
                                                            monkeypatch):
    make_plan(cast.alice, DAY, list(reversed(line_shops)))

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(services.cache, "get", down)
    monkeypatch.setattr(services.cache, "set", down)
    result = services.optimise_rep_day(actor=cast.alice, rep=cast.alice, date=DAY)
    assert [row["status"] for row in result.job.result["rows"]] == ["planned"] * 4
    # Out along the line and back home: 2 × 4 km × the road factor 1.3.
    assert result.job.result["totals"]["distance_km"] == pytest.approx(10.4, abs=0.05)


def test_a_proposal_id_beyond_64_bits_is_404_not_500(cast, client):
    client.force_login(cast.alice)
    huge = "9" * 30
    assert client.get(f"/optimise/day/proposal/{huge}/", **EN).status_code == 404
    assert client.post(f"/optimise/day/proposal/{huge}/apply/", **EN).status_code == 404
