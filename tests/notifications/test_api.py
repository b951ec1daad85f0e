"""The notification centre's API: only one's own notifications, administrators included."""

import pytest
from django.utils.translation import gettext_lazy as _

from outletcrm.notifications.models import Notification
from outletcrm.notifications.services import notify

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"
DUE = _("A task is due")


def note(user, **kwargs):
    return notify(user=user, kind="task.due", title=DUE, **kwargs)


def test_list_is_own_newest_first_with_unread_filter(cast, api):
    first = note(cast.alice)
    second = note(cast.alice, link="/customers/1/")
    note(cast.bob)
    first.read_at = first.created_at
    first.save()
    body = api(cast.alice).get(URL).json()
    assert [n["id"] for n in body["results"]] == [second.pk, first.pk]
    assert body["results"][0]["unread"] is True
    assert [n["id"] for n in api(cast.alice).get(URL + "?unread=true").json()["results"]] == [
        second.pk]
    assert [n["id"] for n in api(cast.alice).get(URL + "?unread=false").json()["results"]] == [
        first.pk]
    assert api(cast.alice).get(URL + "?unread=maybe").status_code == 400


def test_others_notifications_answer_404_even_for_administrators(cast, api):
    bobs = note(cast.bob)
    for user in (cast.alice, cast.sup, cast.admin):
        assert api(user).get(f"{URL}{bobs.pk}/").status_code == 404
        assert api(user).post(f"{URL}{bobs.pk}/read/").status_code == 404
    assert api(cast.admin).get(URL).json()["count"] == 0
    assert api(cast.bob).get(f"{URL}{bobs.pk}/").json()["title"] == "任务到期"
    assert api(cast.bob).get(f"{URL}99999999999999999/").status_code == 404
    assert api(cast.bob).get(f"{URL}{'9' * 30}/").status_code == 404
    assert api().get(URL).status_code == 401


def test_read_and_read_all(cast, api):
    one, two = note(cast.alice), note(cast.alice)
    bobs = note(cast.bob)
    answer = api(cast.alice).post(f"{URL}{one.pk}/read/")
    assert answer.status_code == 200 and answer.json()["unread"] is False
    assert api(cast.alice).post(f"{URL}read-all/").json() == {"marked": 1, "unread": 0}
    two.refresh_from_db()
    bobs.refresh_from_db()
    assert two.read_at is not None and bobs.read_at is None


def test_preferences_get_and_put(cast, api):
    client = api(cast.alice)
    body = client.get(URL + "preferences/").json()
    kinds = {k["kind"]: k for k in body["kinds"]}
    assert kinds["complaint.breach"]["robot"] is True and kinds["task.due"]["email"] is False
    assert body["language"] == "" and body["has_email"] is False
    answer = client.put(URL + "preferences/", {
        "language": "en", "kinds": [{"kind": "task.due", "email": True, "robot": False}]},
        format="json")
    assert answer.status_code == 200, answer.content
    kinds = {k["kind"]: k for k in answer.json()["kinds"]}
    assert kinds["task.due"]["email"] is True and answer.json()["language"] == "en"
    assert client.put(URL + "preferences/", {"kinds": [{"kind": "nope", "email": True,
                                                        "robot": False}]},
                      format="json").status_code == 400
    assert client.put(URL + "preferences/", {"colour": "red"},
                      format="json").status_code == 400
    # Bob's preferences are his own.
    assert {k["kind"]: k for k in api(cast.bob).get(URL + "preferences/").json()["kinds"]}[
        "task.due"]["email"] is False


def test_list_query_count_is_bounded(cast, api, django_assert_max_num_queries):
    for i in range(30):
        note(cast.alice, dedupe_key=f"k{i}")
    client = api(cast.alice)
    with django_assert_max_num_queries(4):  # token+user, count, the page
        assert len(client.get(URL).json()["results"]) == 30
    assert Notification.objects.count() == 30
