"""The notification centre's pages: the list, the bell, mark read, the settings."""

import pytest
from django.utils.translation import gettext_lazy as _

from outletcrm.notifications.models import Preference, Profile
from outletcrm.notifications.services import notify

pytestmark = pytest.mark.django_db


def note(user, **kwargs):
    return notify(user=user, kind="task.overdue", title=_("A task is overdue"), **kwargs)


def test_bell_shows_the_unread_count(cast, login):
    client = login(cast.alice)
    assert 'data-unread="0"' in client.get("/notifications/bell/").content.decode()
    note(cast.alice)
    note(cast.alice)
    note(cast.bob)
    html = client.get("/notifications/bell/").content.decode()
    assert 'data-unread="2"' in html
    # The page carries the bell, which loads its count by htmx (no inline script).
    page = client.get("/notifications/").content.decode()
    assert 'id="notification-bell"' in page and "/notifications/bell/" in page


def test_list_pages_and_query_count(cast, login, django_assert_max_num_queries):
    for i in range(60):
        note(cast.alice, dedupe_key=f"k{i}")
    client = login(cast.alice)
    with django_assert_max_num_queries(6):  # session, user, 2 counts, the page
        response = client.get("/notifications/")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="notification"') == 25
    last = client.get("/notifications/?page=3").content.decode()
    assert last.count('data-testid="notification"') == 10
    assert client.get("/notifications/?page=x").status_code == 200


def test_open_marks_read_and_goes_to_the_object(cast, login):
    mine = note(cast.alice, link="/customers/5/")
    outside = note(cast.alice, link="https://evil.example.com/")
    client = login(cast.alice)
    response = client.get(f"/notifications/{mine.pk}/")
    assert response.status_code == 302 and response["Location"] == "/customers/5/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.get(f"/notifications/{outside.pk}/")["Location"] == "/notifications/"
    bobs = note(cast.bob)
    assert client.get(f"/notifications/{bobs.pk}/").status_code == 404
    assert client.post(f"/notifications/{bobs.pk}/read/").status_code == 404


def test_mark_read_by_htmx_and_mark_all(cast, login):
    one, two = note(cast.alice), note(cast.alice)
    client = login(cast.alice)
    response = client.post(f"/notifications/{one.pk}/read/", HTTP_HX_REQUEST="true")
    assert 'data-unread="0"' in response.content.decode()
    assert response["HX-Trigger"] == "notifications-changed"
    client.post("/notifications/read-all/")
    two.refresh_from_db()
    assert two.read_at is not None


def test_settings_page_saves_choices_and_language(cast, login):
    client = login(cast.alice)
    page = client.get("/notifications/settings/").content.decode()
    assert 'name="complaint.breach:robot"' in page and 'data-testid="no-email"' in page
    response = client.post("/notifications/settings/", {"task.due:email": "on",
                                                        "language": "en"})
    assert response.status_code == 302
    due = Preference.objects.get(user=cast.alice, kind="task.due")
    assert due.email and not due.robot
    # An unticked box is a choice too: breaches now reach alice in-app only.
    breach = Preference.objects.get(user=cast.alice, kind="complaint.breach")
    assert not breach.email and not breach.robot
    assert Profile.objects.get(user=cast.alice).language == "en"
    assert client.post("/notifications/settings/", {"language": "xx"}).status_code == 200
