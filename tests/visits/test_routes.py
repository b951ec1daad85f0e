"""Routes (路线): services and API, data scope, and the frequency warnings (issue 3, item 1)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from outletcrm.visits import routes
from outletcrm.visits.models import Route, RouteStop
from tests.factories import CustomerFactory, customer_class


@pytest.fixture
def shops(cast):
    """Alice's outlets: one key (weekly), one ordinary (every 2 weeks), one potential (4)."""
    return {
        "key": CustomerFactory(owner=cast.alice, name="重点店", customer_class=customer_class("key"),
                               latitude="30.270000", longitude="120.150000"),
        "ordinary": CustomerFactory(owner=cast.alice, name="普通店",
                                    customer_class=customer_class("ordinary")),
        "potential": CustomerFactory(owner=cast.alice, name="潜在店",
                                     customer_class=customer_class("potential")),
    }


def make_route(cast, customers=(), **kw):
    values = {"name": "周一线", "cycle_weeks": 1, "week_of_cycle": 1, "weekday": 0}
    values.update(kw)
    return routes.route_create(actor=cast.sup, rep=cast.alice,
                               customer_ids=[c.pk for c in customers], **values)


def stop_names(route):
    return list(route.stops.order_by("position").values_list("customer__name", flat=True))


# --- services ------------------------------------------------------------------------------

def test_supervisor_creates_edits_reorders_and_deletes_a_route(cast, shops):
    route = make_route(cast, [shops["key"], shops["ordinary"]], name="周一 A 线")
    assert stop_names(route) == ["重点店", "普通店"]
    routes.route_set_stops(actor=cast.sup, route=route,
                           customer_ids=[shops["ordinary"].pk, shops["potential"].pk,
                                         shops["key"].pk])
    assert stop_names(route) == ["普通店", "潜在店", "重点店"]
    routes.route_update(actor=cast.sup, route=route, name="周三线", weekday=2, cycle_weeks=2,
                        week_of_cycle=2)
    route.refresh_from_db()
    assert (route.name, route.weekday, route.cycle_weeks, route.week_of_cycle) == (
        "周三线", 2, 2, 2)
    routes.route_delete(actor=cast.sup, route=route)
    assert not Route.objects.exists() and not RouteStop.objects.exists()


@pytest.mark.parametrize("bad, field", [
    ({"name": "  "}, "name"), ({"name": "x" * 61}, "name"), ({"cycle_weeks": 3}, "cycle_weeks"),
    ({"cycle_weeks": 2, "week_of_cycle": 3}, "week_of_cycle"), ({"week_of_cycle": 0},
                                                                 "week_of_cycle"),
    ({"weekday": 7}, "weekday"), ({"weekday": "Monday"}, "weekday"),
])
def test_bad_route_settings_are_refused_and_nothing_is_written(cast, shops, bad, field):
    with pytest.raises(ValidationError) as info:
        make_route(cast, [shops["key"]], **bad)
    assert field in info.value.message_dict
    assert not Route.objects.exists()


def test_only_the_reps_own_customers_go_on_a_route(cast, shops):
    route = make_route(cast, [shops["key"]])
    for foreign in (cast.charlie_customer, cast.bob_customer):  # other team / teammate
        with pytest.raises(ValidationError) as info:
            routes.route_set_stops(actor=cast.sup, route=route,
                                   customer_ids=[shops["key"].pk, foreign.pk])
        assert "customers" in info.value.message_dict
    with pytest.raises(ValidationError):
        routes.route_set_stops(actor=cast.sup, route=route,
                               customer_ids=[shops["key"].pk, shops["key"].pk])
    with pytest.raises(ValidationError):
        routes.route_set_stops(actor=cast.sup, route=route, customer_ids=["abc"])
    assert stop_names(route) == ["重点店"]


def test_reps_and_other_teams_cannot_design_routes(cast, shops):
    with pytest.raises(PermissionDenied):
        routes.route_create(actor=cast.alice, rep=cast.alice, name="自己的线", weekday=0)
    with pytest.raises(PermissionDenied):
        routes.route_create(actor=cast.mgr_nb, rep=cast.alice, name="越权", weekday=0)
    route = make_route(cast, [shops["key"]])
    with pytest.raises(PermissionDenied):
        routes.route_set_stops(actor=cast.alice, route=route, customer_ids=[])
    assert routes.route_create(actor=cast.mgr_zj, rep=cast.alice, name="经理设计", weekday=1)


def test_a_failed_stop_list_leaves_the_route_settings_untouched(cast, shops):
    route = make_route(cast, [shops["key"]])
    with pytest.raises(ValidationError):
        routes.route_update(actor=cast.sup, route=route, name="改名",
                            customer_ids=[cast.charlie_customer.pk])
    route.refresh_from_db()
    assert route.name == "周一线" and stop_names(route) == ["重点店"]


# --- frequency warnings --------------------------------------------------------------------

def test_frequency_warnings_follow_the_customer_class(cast, shops):
    make_route(cast, [shops["key"], shops["ordinary"]], cycle_weeks=2, week_of_cycle=1)
    report = routes.frequency_report(actor=cast.sup, rep=cast.alice)
    below = {r.customer.name: (r.planned, r.required) for r in report.below_frequency}
    # Key customers need 4 visits per 4 weeks; a 2-week route gives 2. Ordinary needs 2: met.
    assert below == {"重点店": (2, 4)}
    assert {r.customer.name for r in report.on_no_route} == {"潜在店", "联华超市"}
    assert report.grid[0][0] == 2 and report.grid[1][0] == 0 and report.grid[2][0] == 2

    make_route(cast, [shops["key"], shops["potential"]], name="周一双周B", cycle_weeks=2,
               week_of_cycle=2)
    report = routes.frequency_report(actor=cast.sup, rep=cast.alice)
    assert report.below_frequency == []                       # 2 + 2 = 4 for the key shop
    assert {r.customer.name for r in report.on_no_route} == {"联华超市"}
    assert [week[0] for week in report.grid] == [2, 2, 2, 2]


def test_two_routes_on_the_same_day_count_one_visit(cast, shops):
    make_route(cast, [shops["ordinary"]], name="A")
    make_route(cast, [shops["ordinary"]], name="B")
    row = next(r for r in routes.frequency_report(actor=cast.sup, rep=cast.alice).customers
               if r.customer == shops["ordinary"])
    assert row.planned == 4 and not row.below_frequency


def test_paused_routes_and_reassigned_customers_are_flagged(cast, shops):
    route = make_route(cast, [shops["key"], shops["ordinary"]])
    routes.route_update(actor=cast.sup, route=route, is_active=False)
    report = routes.frequency_report(actor=cast.sup, rep=cast.alice)
    assert {r.customer.name for r in report.on_no_route} >= {"重点店", "普通店"}
    routes.route_update(actor=cast.sup, route=route, is_active=True)
    shops["ordinary"].owner = cast.bob
    shops["ordinary"].save()
    report = routes.frequency_report(actor=cast.sup, rep=cast.alice)
    assert [s.customer.name for s in report.foreign_stops] == ["普通店"]
    # A stop already on the route may stay or be removed, though it can no longer be added.
    routes.route_set_stops(actor=cast.sup, route=route, customer_ids=[shops["key"].pk])
    assert stop_names(route) == ["重点店"]


def test_required_visits_per_four_weeks():
    assert [routes.required_visits(w) for w in (None, 1, 2, 3, 4, 8)] == [0, 4, 2, 2, 1, 1]


# --- API -----------------------------------------------------------------------------------

def test_api_route_crud_by_the_supervisor(cast, shops, api):
    client = api(cast.sup)
    created = client.post("/api/v1/routes/", {
        "rep": cast.alice.pk, "name": "周二线", "cycle_weeks": 2, "week_of_cycle": 1,
        "weekday": 1, "customers": [shops["ordinary"].pk, shops["key"].pk]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert [s["customer_name"] for s in body["stops"]] == ["普通店", "重点店"]
    url = f"/api/v1/routes/{body['id']}/"
    changed = client.patch(url, {"customers": [shops["key"].pk], "name": "周二 A"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["name"] == "周二 A" and len(changed.json()["stops"]) == 1
    listed = client.get(f"/api/v1/routes/?rep={cast.alice.pk}").json()
    assert [r["name"] for r in listed["results"]] == ["周二 A"]
    frequency = client.get(f"/api/v1/routes/frequency?rep={cast.alice.pk}").json()
    assert {r["name"] for r in frequency["on_no_route"]} == {"普通店", "潜在店", "联华超市"}
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_api_routes_scope(cast, shops, api):
    route = make_route(cast, [shops["key"]])
    url = f"/api/v1/routes/{route.pk}/"
    assert api(cast.alice).get(url).status_code == 200            # the rep reads her route
    assert api(cast.bob).get(url).status_code == 404              # a teammate does not
    assert api(cast.charlie).get(url).status_code == 404
    assert api(cast.mgr_nb).get(url).status_code == 404           # another region's manager
    assert api(cast.custodian).get(url).status_code == 404        # reps' data, not the archive's
    assert api(cast.bob).get("/api/v1/routes/").json()["results"] == []
    assert api(cast.mgr_nb).get(f"/api/v1/routes/?rep={cast.alice.pk}").status_code == 404
    # The rep may read but not change her routes; other teams cannot even find them.
    assert api(cast.alice).patch(url, {"name": "x"}, format="json").status_code == 403
    assert api(cast.alice).delete(url).status_code == 403
    assert api(cast.mgr_nb).patch(url, {"name": "x"}, format="json").status_code == 404
    assert api(cast.alice).post("/api/v1/routes/", {"rep": cast.alice.pk, "name": "x",
                                                     "weekday": 0}, format="json"
                                ).status_code == 403
    assert api(cast.sup).post("/api/v1/routes/", {"rep": cast.charlie.pk, "name": "x",
                                                   "weekday": 0}, format="json"
                              ).status_code == 404
    route.refresh_from_db()
    assert route.name == "周一线"


def test_api_refuses_another_teams_customer_on_a_route(cast, shops, api):
    route = make_route(cast, [shops["key"]])
    response = api(cast.sup).patch(f"/api/v1/routes/{route.pk}/",
                                   {"customers": [shops["key"].pk, cast.charlie_customer.pk]},
                                   format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Only the rep's own live customers" in response.json()["customers"][0]
    assert stop_names(route) == ["重点店"]


@pytest.mark.parametrize("payload", [
    {"name": "x", "weekday": 0},                                            # no rep
    {"rep": "abc", "name": "x", "weekday": 0},                              # rep not a number
    {"rep": "ALICE", "name": "", "cycle_weeks": 2, "week_of_cycle": 3, "weekday": 9},
    {"rep": "ALICE", "name": "x", "weekday": 0, "customers": "1,2"},        # not a list
    {"rep": "ALICE", "name": "x", "weekday": 0, "customers": [999999]},     # unknown customer
])
def test_api_bad_route_input_is_400_and_writes_nothing(cast, api, payload):
    payload = {k: (cast.alice.pk if v == "ALICE" else v) for k, v in payload.items()}
    response = api(cast.sup).post("/api/v1/routes/", payload, format="json")
    assert response.status_code == 400, response.content
    assert not Route.objects.exists()


def test_api_route_errors_are_in_the_users_language(cast, api):
    response = api(cast.sup).post("/api/v1/routes/", {"rep": cast.alice.pk, "name": "x",
                                                       "weekday": 0, "cycle_weeks": 3},
                                  format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"cycle_weeks": ["The cycle is 1, 2 or 4 weeks."]}
