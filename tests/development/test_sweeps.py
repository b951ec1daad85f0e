"""Street sweeps: filing with the duplicate check, idempotent sync, completeness, scope."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from outletcrm.customers.choices import Source, Status
from outletcrm.customers.models import Customer
from outletcrm.development import geo, services, survey
from outletcrm.development.choices import OutletOutcome
from outletcrm.development.models import SurveyAnswer, SweepContact, SweepOutlet
from outletcrm.visits.models import SyncReceipt
from tests.development.conftest import AREA, INSIDE, now
from tests.factories import outlet_type


def _new(name="新开便利店", **extra):
    return {"name": name, "outlet_type": outlet_type().pk, "address": "文三路200号", **extra}


def _record(cast, campaign, rep=None, client_id=None, **kwargs):
    return services.sweep_outlet_record(
        actor=rep or cast.alice, campaign=campaign, client_id=client_id or uuid.uuid4(),
        device_time=now(), lat=INSIDE[0], lng=INSIDE[1], **kwargs)


# --- filing and the duplicate check --------------------------------------------------------

def test_a_new_outlet_is_filed_as_a_potential_customer_from_the_sweep(cast, sweep):
    campaign, _ = sweep
    outlet, created = _record(cast, campaign, new=_new(phone="13911112222"))
    assert created and outlet.outcome == OutletOutcome.FILED
    customer = outlet.customer
    assert (customer.status, customer.source, customer.owner) == (
        Status.POTENTIAL, Source.STREET_SWEEP, cast.alice)
    assert float(customer.latitude) == INSIDE[0] and customer.phone == "13911112222"
    assert SweepContact.objects.filter(outlet=outlet).count() == 1


def test_a_duplicate_is_not_filed_and_keeps_the_match_for_the_rep(cast, sweep):
    campaign, _ = sweep
    before = Customer.objects.count()
    # bob's customer has this phone: alice cannot see it, so only its code is shown to her
    cast.bob_customer.phone = "13855556666"
    cast.bob_customer.save()
    outlet, _ = _record(cast, campaign, new=_new("好又多", phone="13855556666"))
    assert Customer.objects.count() == before
    assert outlet.outcome == OutletOutcome.FLAGGED and outlet.customer is None
    assert outlet.candidates == [{"id": cast.bob_customer.pk, "code": cast.bob_customer.code,
                                  "name": "", "reason": "phone", "detail": ""}]
    # "it's this one": linked to the existing record, nothing new filed
    services.sweep_outlet_resolve(actor=cast.alice, outlet=outlet,
                                  customer_id=cast.bob_customer.pk)
    outlet.refresh_from_db()
    assert outlet.customer == cast.bob_customer and outlet.outcome == OutletOutcome.EXISTING
    assert Customer.objects.count() == before


def test_its_this_one_before_saving_links_a_match_outside_the_reps_scope(cast, sweep):
    campaign, _ = sweep
    new = _new(cast.alice_customer.name, phone=cast.alice_customer.phone)
    candidates = services.duplicate_candidates(actor=cast.bob, name=new["name"],
                                               phone=new["phone"])
    assert [c["id"] for c in candidates] == [cast.alice_customer.pk]
    assert candidates[0]["name"] == ""  # bob cannot see alice's customer: code only
    outlet, _ = _record(cast, campaign, rep=cast.bob, customer=cast.alice_customer.pk, new=new)
    assert outlet.customer == cast.alice_customer and outlet.outcome == OutletOutcome.EXISTING


def test_a_customer_that_is_neither_in_scope_nor_a_match_is_refused(cast, sweep):
    campaign, _ = sweep
    with pytest.raises(ValidationError):
        _record(cast, campaign, customer=cast.charlie_customer.pk, new=_new("别的店"))
    assert not SweepOutlet.objects.exists()


def test_only_the_custodian_files_a_flagged_outlet_anyway(cast, sweep):
    campaign, _ = sweep
    outlet, _ = _record(cast, campaign, new=_new("联华", phone=cast.alice_customer.phone))
    with pytest.raises(PermissionDenied):
        services.sweep_outlet_resolve(actor=cast.alice, outlet=outlet, file_anyway=True)
    services.sweep_outlet_resolve(actor=cast.custodian, outlet=outlet, file_anyway=True)
    outlet.refresh_from_db()
    assert outlet.outcome == OutletOutcome.FILED and outlet.customer.owner == cast.alice


def test_the_same_outlet_twice_in_a_campaign_is_refused(cast, sweep):
    campaign, _ = sweep
    _record(cast, campaign, customer=cast.alice_customer.pk)
    with pytest.raises(ValidationError):
        _record(cast, campaign, customer=cast.alice_customer.pk)
    assert SweepOutlet.objects.count() == 1


def test_a_rep_not_on_the_team_or_outside_the_dates_cannot_sweep(cast, sweep):
    campaign, _ = sweep
    with pytest.raises(PermissionDenied):
        _record(cast, campaign, rep=cast.charlie, new=_new())
    campaign.ends_on = campaign.starts_on
    campaign.save()
    with pytest.raises(ValidationError):
        _record(cast, campaign, new=_new())
    assert not SweepOutlet.objects.exists()


# --- completeness ------------------------------------------------------------------------

def test_completeness_is_answered_over_questions_rounded_down():
    assert survey.completeness(0, 3) == 0
    assert survey.completeness(1, 3) == 33
    assert survey.completeness(2, 3) == 66
    assert survey.completeness(3, 3) == 100
    assert survey.completeness(5, 3) == 100
    assert survey.completeness(1, 0) == 0
    assert survey.completeness(199, 200) == 99  # never 100 before the last answer


def test_a_form_completed_over_two_contacts(cast, sweep):
    import datetime

    import time_machine

    campaign, (choice, number, text) = sweep
    outlet, _ = _record(cast, campaign, customer=cast.alice_customer.pk)
    services.survey_answers_save(actor=cast.alice, outlet=outlet, device_time=now(),
                                 answers={str(choice.pk): "临街", str(text.pk): "  "})
    outlet.refresh_from_db()
    assert (outlet.answered, outlet.questions, outlet.completeness) == (1, 3, 33)
    assert outlet.completed_at is None
    with time_machine.travel(datetime.timedelta(days=1)):  # the next day, a second contact
        services.survey_answers_save(actor=cast.alice, outlet=outlet, device_time=now(),
                                     answers={str(number.pk): "35.5", str(text.pk): "价格"})
    outlet.refresh_from_db()
    assert outlet.completeness == 100 and outlet.completed_at is not None
    assert outlet.contacts.count() == 2
    # clearing an answer takes the form below 100 again
    services.survey_answers_save(actor=cast.alice, outlet=outlet, device_time=now(),
                                 answers={str(text.pk): None})
    outlet.refresh_from_db()
    assert outlet.completeness == 66 and outlet.completed_at is None


def test_bad_answers_change_nothing(cast, sweep):
    campaign, (choice, number, text) = sweep
    outlet, _ = _record(cast, campaign, customer=cast.alice_customer.pk)
    for answers in ({str(choice.pk): "不存在"}, {str(number.pk): "abc"},
                    {str(number.pk): "-1"}, {str(number.pk): "1e400"}, {"999999": "x"},
                    {str(text.pk): "x" * 1001}, {str(choice.pk): "临街", str(number.pk): True}):
        with pytest.raises(ValidationError):
            services.survey_answers_save(actor=cast.alice, outlet=outlet, device_time=now(),
                                         answers=answers)
    assert not SurveyAnswer.objects.exists()
    outlet.refresh_from_db()
    assert outlet.answered == 0


def test_another_rep_cannot_answer_a_colleagues_form(cast, sweep):
    campaign, (choice, _n, _t) = sweep
    outlet, _ = _record(cast, campaign, customer=cast.alice_customer.pk)
    with pytest.raises(PermissionDenied):
        services.survey_answers_save(actor=cast.bob, outlet=outlet, device_time=now(),
                                     answers={str(choice.pk): "临街"})
    assert not SurveyAnswer.objects.exists()


# --- offline sync through the field app's queue ------------------------------------------

def _op(op, client_id, payload):
    return {"op": op, "client_id": str(client_id), "payload": payload}


def test_the_same_client_id_twice_is_one_record(cast, sweep, api):
    campaign, (choice, number, _t) = sweep
    client = api(cast.alice)
    outlet_id = uuid.uuid4()
    record = _op("sweep_outlet", outlet_id, {
        "campaign": campaign.pk, "new": _new(phone="13900001111"),
        "device_time": now().isoformat(), "lat": INSIDE[0], "lng": INSIDE[1]})
    first = client.post("/api/v1/sync", {"ops": [record]}, format="json").json()["results"][0]
    again = client.post("/api/v1/sync", {"ops": [record]}, format="json").json()["results"][0]
    assert (first["status"], again["status"]) == ("applied", "duplicate")
    assert again["result"]["customer"] == first["result"]["customer"]
    assert SweepOutlet.objects.count() == 1
    assert Customer.objects.filter(phone="13900001111").count() == 1

    answers_id = uuid.uuid4()
    answer_a = _op("sweep_answers", answers_id, {
        "outlet": str(outlet_id), "answers": {str(choice.pk): "临街"},
        "device_time": now().isoformat()})
    answer_b = _op("sweep_answers", uuid.uuid4(), {
        "outlet": str(outlet_id), "answers": {str(choice.pk): "市场内"},
        "device_time": now().isoformat()})
    results = client.post("/api/v1/sync", {"ops": [answer_a, answer_b, answer_a]},
                          format="json").json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "duplicate"]
    assert SurveyAnswer.objects.get().value == "市场内"  # the replay did not undo the change
    assert SyncReceipt.objects.filter(op="sweep_answers").count() == 2


def test_a_client_id_of_another_rep_is_refused(cast, sweep, api):
    campaign, _ = sweep
    outlet, _ = _record(cast, campaign, customer=cast.alice_customer.pk)
    record = _op("sweep_outlet", outlet.client_id, {
        "campaign": campaign.pk, "customer": cast.bob_customer.pk,
        "device_time": now().isoformat()})
    result = api(cast.bob).post("/api/v1/sync", {"ops": [record]},
                                format="json").json()["results"][0]
    assert result["status"] == "error"
    assert SweepOutlet.objects.count() == 1


@pytest.mark.parametrize("payload", [
    {},
    {"campaign": 999999, "customer": 1, "device_time": "2026-01-01T10:00:00+08:00"},
    {"campaign": "x", "new": {"name": "店"}, "device_time": "now"},
    {"campaign": 1, "device_time": "2026-01-01T10:00:00+08:00"},
    {"campaign": 1, "new": {"name": ""}, "device_time": "2026-01-01T10:00:00+08:00",
     "lat": 91, "lng": 0},
])
def test_bad_sweep_operations_are_refused_and_change_nothing(cast, sweep, api, payload):
    response = api(cast.alice).post("/api/v1/sweeps/ops", _op("sweep_outlet", uuid.uuid4(),
                                                              payload), format="json")
    assert 400 <= response.status_code < 500
    assert not SweepOutlet.objects.exists()


def test_answers_to_an_outlet_outside_scope_are_not_found(cast, sweep, api):
    campaign, (choice, _n, _t) = sweep
    outlet, _ = _record(cast, campaign, customer=cast.alice_customer.pk)
    response = api(cast.bob).post("/api/v1/sweeps/ops", _op("sweep_answers", uuid.uuid4(), {
        "outlet": str(outlet.client_id), "answers": {str(choice.pk): "临街"},
        "device_time": now().isoformat()}), format="json")
    assert response.status_code == 404
    assert not SurveyAnswer.objects.exists()


# --- scope ---------------------------------------------------------------------------------

def test_a_rep_sees_his_campaigns_and_own_outlets_the_supervisor_the_team(cast, sweep, api):
    campaign, _ = sweep
    _record(cast, campaign, customer=cast.alice_customer.pk)
    _record(cast, campaign, rep=cast.bob, customer=cast.bob_customer.pk)
    def names(user):
        body = api(user).get(f"/api/v1/sweeps/campaigns/{campaign.pk}").json()
        return sorted(o["name"] for o in body["outlets"])
    assert names(cast.alice) == [cast.alice_customer.name]
    assert names(cast.sup) == sorted([cast.alice_customer.name, cast.bob_customer.name])
    assert names(cast.mgr_zj) == names(cast.sup)
    assert api(cast.charlie).get(f"/api/v1/sweeps/campaigns/{campaign.pk}").status_code == 404
    assert api(cast.custodian).get("/api/v1/sweeps/campaigns").json()["results"] == []
    assert api(cast.mgr_nb).get(f"/api/v1/sweeps/campaigns/{campaign.pk}").status_code == 404


def test_a_rep_cannot_open_a_campaign(cast, sweep):
    campaign, _ = sweep
    with pytest.raises(PermissionDenied):
        services.campaign_save(actor=cast.alice, name="x", team=cast.team_hz,
                               members=[cast.alice], starts_on=campaign.starts_on,
                               ends_on=campaign.ends_on, area=AREA)


def test_bad_campaigns_are_refused_with_reasons(cast, sweep):
    campaign, _ = sweep
    base = {"actor": cast.sup, "name": "x", "team": cast.team_hz, "members": [cast.alice],
            "starts_on": campaign.starts_on, "ends_on": campaign.ends_on, "area": AREA}
    for change, field in (({"ends_on": campaign.starts_on.replace(year=2000)}, "ends_on"),
                          ({"members": [cast.charlie]}, "members"),
                          ({"members": []}, "members"),
                          ({"team": cast.team_nb}, "team"),
                          ({"area": None}, "area"),
                          ({"area": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}},
                           "area"),
                          ({"area": {"type": "Point", "coordinates": [0, 0]}}, "area")):
        with pytest.raises(ValidationError) as exc:
            services.campaign_save(**{**base, **change})
        assert field in exc.value.message_dict
    assert type(campaign).objects.count() == 1


# --- the area -------------------------------------------------------------------------------

def test_point_in_polygon_with_a_hole():
    area = {"type": "Polygon", "coordinates": [
        [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
        [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]]}
    assert geo.contains(area, 1, 1)
    assert not geo.contains(area, 5, 5)  # in the hole
    assert not geo.contains(area, 11, 5)
    assert not geo.contains(area, None, 5)
    assert geo.validate_area({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1],
                                                                    [0, 0.5]]]})[
        "coordinates"][0][-1] == [0.0, 0.0]  # closed for the rep


def test_coverage_counts_cells_and_customers_not_surveyed(cast, sweep):
    from outletcrm.development import selectors

    campaign, _ = sweep
    cast.alice_customer.latitude, cast.alice_customer.longitude = 30.271, 120.121
    cast.alice_customer.save()
    cast.bob_customer.latitude, cast.bob_customer.longitude = 30.5, 120.5  # outside the area
    cast.bob_customer.save()
    _record(cast, campaign, new=_new())
    cover = selectors.coverage(user=cast.sup, campaign=campaign)
    assert cover["total"] == 1 and cover["targets"] == 2  # alice's and the new one
    assert [t["id"] for t in cover["not_surveyed"]] == [cast.alice_customer.pk]
    assert cover["cells_swept"] == 1 and len(cover["cells"]) > 1
