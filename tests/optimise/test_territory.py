"""Team territories (issue 4, item 3): a balanced split between the team's reps as an aid; the
supervisor reassigns only the ticked outlets, each change in the customer's history."""

import pytest

from outletcrm.core.models import ChangeLog
from outletcrm.customers.models import Customer
from outletcrm.optimise.models import JobStatus, OptimisationJob
from tests.factories import CustomerFactory, UserFactory, customer_class
from tests.optimise.conftest import EN, HOME, east

pytestmark = pytest.mark.django_db


@pytest.fixture
def lopsided(cast):
    """Alice holds the whole west and half the east; bob only three eastern shops."""
    shops = []
    for km in range(-6, 0):
        shops.append(CustomerFactory(owner=cast.alice, name=f"西{-km}", latitude=HOME[0],
                                     longitude=east(km), customer_class=customer_class("key")))
    for km in range(1, 7):
        owner = cast.alice if km % 2 else cast.bob
        shops.append(CustomerFactory(owner=owner, name=f"东{km}", latitude=HOME[0],
                                     longitude=east(km), customer_class=customer_class("key")))
    return shops


def start(client, team, **data):
    return client.post("/optimise/territory/", {"team": team.pk, "cycle_weeks": "2", **data},
                       **EN)


def test_a_split_balances_the_team_and_applies_only_ticked_outlets(cast, lopsided, client):
    client.force_login(cast.sup)
    response = start(client, cast.team_hz)
    job = OptimisationJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/optimise/territory/{job.pk}/"
    assert job.status == JobStatus.DONE, job.error
    rows = {row["rep"]: row for row in job.result["reps"]}
    assert set(rows) == {cast.alice.pk, cast.bob.pk}
    assert rows[cast.alice.pk]["current"]["outlets"] == 9
    assert rows[cast.bob.pk]["current"]["outlets"] == 3
    assert {r["proposed"]["outlets"] for r in rows.values()} == {6}  # west and east halves
    # The split keeps as many outlets with their rep as it can: alice keeps the west.
    west = {str(s.pk) for s in lopsided if s.name.startswith("西")}
    assert {job.result["outlets"][i]["proposed"] for i in west} == {cast.alice.pk}
    moves = job.result["moves"]
    assert len(moves) == 3  # alice's three eastern shops

    html = client.get(f"/optimise/territory/{job.pk}/", **EN).content.decode()
    assert 'data-testid="territory-table"' in html and 'data-testid="territory-map"' in html

    response = client.post(f"/optimise/territory/{job.pk}/apply/", {"customer": moves[:2]},
                           follow=True, **EN)
    assert "Outlets with a new owner: 2." in response.content.decode()
    owners = dict(Customer.objects.filter(pk__in=moves).values_list("pk", "owner_id"))
    assert [owners[int(i)] for i in moves] == [cast.bob.pk, cast.bob.pk, cast.alice.pk]
    changes = ChangeLog.objects.filter(customer_id__in=[int(i) for i in moves[:2]])
    assert changes.count() == 2
    assert all(c.actor == cast.sup and "owner" in c.changes for c in changes)
    job.refresh_from_db()
    assert job.result["applied"] == moves[:2]


@pytest.mark.parametrize("ticked, message", [
    ([], "Tick at least one outlet to reassign."),
    (["999999"], "Tick only outlets the proposal moves."),
])
def test_applying_nothing_or_other_outlets_is_refused(cast, lopsided, client, ticked, message):
    client.force_login(cast.sup)
    start(client, cast.team_hz)
    job = OptimisationJob.objects.get()
    response = client.post(f"/optimise/territory/{job.pk}/apply/", {"customer": ticked},
                           follow=True, **EN)
    assert message in response.content.decode()
    assert not ChangeLog.objects.filter(action=ChangeLog.Action.UPDATE).exists()


def test_a_team_of_one_cannot_be_split(cast, client):
    client.force_login(cast.mgr_zj)
    response = start(client, cast.team_nb)
    assert response.status_code == 400
    assert "at least two reps" in response.content.decode()


def test_reps_do_not_split_territories(cast, client):
    client.force_login(cast.alice)
    assert client.get("/optimise/territory/", **EN).status_code == 403
    assert start(client, cast.team_hz).status_code == 403


def test_another_teams_split_is_404(cast, lopsided, client):
    client.force_login(cast.sup)
    start(client, cast.team_hz)
    job = OptimisationJob.objects.get()
    UserFactory(username="nb2", team=cast.team_nb)
    for who in (cast.mgr_nb, cast.alice, cast.charlie):
        client.force_login(who)
        assert client.get(f"/optimise/territory/{job.pk}/", **EN).status_code == 404
        assert client.post(f"/optimise/territory/{job.pk}/apply/",
                           {"customer": job.result["moves"]}, **EN).status_code == 404
    client.force_login(cast.sup)
    assert start(client, cast.team_nb).status_code == 404
