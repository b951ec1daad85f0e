"""Lost updates (issue 7, §2): a save made from what someone read before another person's save
is refused, in the forms and over the API, and the editor is shown what changed meanwhile."""

import threading
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from outletcrm.core.models import ChangeLog
from outletcrm.customers import services
from outletcrm.customers.models import CompetitorEntry, Contact, Customer
from outletcrm.customers.services import StaleEditError
from tests.factories import CompetitorFactory, ContactFactory, CustomerFactory

HTMX_MODAL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "modal-content"}


class _FormReader(HTMLParser):
    """What a browser would submit from the page's form (the one with a csrf token)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self.select: str | None = None
        self.select_first: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            if attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
            else:
                self.data[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self.select, self.select_first = name, None
        elif tag == "option" and self.select:
            if self.select_first is None:
                self.select_first = attrs.get("value", "")
                self.data.setdefault(self.select, self.select_first)
            if "selected" in attrs:
                self.data[self.select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data.removeprefix("\n")


def open_form(client: Client, url: str, **headers) -> dict[str, str]:
    response = client.get(url, **headers)
    assert response.status_code == 200
    reader = _FormReader()
    reader.feed(response.content.decode())
    return reader.data


def labelled(rows: list[dict]) -> dict[str, dict]:
    """Conflict rows by their field's English label."""
    with translation.override("en"):
        return {str(row["label"]): row for row in rows}


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the service ---------------------------------------------------------------------------


def test_a_save_from_a_stale_version_is_refused_and_changes_nothing(cast):
    customer = cast.alice_customer
    assert customer.version == 1
    services.customer_update(
        actor=cast.sup, customer=customer, expected_version=1, phone="13900000099"
    )
    customer.refresh_from_db()
    assert customer.version == 2
    with pytest.raises(StaleEditError) as info:
        services.customer_update(
            actor=cast.alice, customer=customer, expected_version=1, phone="13800000001",
            notes="老板说下周进货",
        )
    assert info.value.current.phone == "13900000099" and info.value.current.version == 2
    customer.refresh_from_db()
    assert (customer.phone, customer.notes, customer.version) == ("13900000099", "", 2)
    assert ChangeLog.objects.filter(customer_id=customer.pk, action="update").count() == 1


def test_saves_without_an_expected_version_still_count_up(cast):
    customer = cast.alice_customer
    services.customer_update(actor=cast.alice, customer=customer, notes="一")
    services.customer_update(actor=cast.alice, customer=customer, notes="二")
    customer.refresh_from_db()
    assert customer.version == 3 and customer.notes == "二"


def test_contacts_and_competitor_entries_refuse_stale_saves(cast):
    contact = ContactFactory(customer=cast.alice_customer, name="王老板")
    services.contact_update(actor=cast.sup, contact=contact, expected_version=1, interests="茶")
    with pytest.raises(StaleEditError):
        services.contact_update(
            actor=cast.alice, contact=contact, expected_version=1, interests="钓鱼"
        )
    contact.refresh_from_db()
    assert (contact.interests, contact.version) == ("茶", 2)

    entry = CompetitorFactory(customer=cast.alice_customer, brand="统一")
    services.competitor_save(
        actor=cast.sup, customer=cast.alice_customer, entry=entry, expected_version=1,
        products="冰红茶",
    )
    with pytest.raises(StaleEditError):
        services.competitor_save(
            actor=cast.alice, customer=cast.alice_customer, entry=entry, expected_version=1,
            products="绿茶",
        )
    entry.refresh_from_db()
    assert (entry.products, entry.version) == ("冰红茶", 2)


def test_a_contact_edit_is_recorded_against_what_was_stored(cast):
    # A ModelForm writes the new values onto its instance before the service sees it; the
    # history must still say what the value was before.
    # (Notes: personal fields such as interests are kept masked in the history.)
    contact = ContactFactory(customer=cast.alice_customer, name="王老板", notes="茶")
    contact.notes = "钓鱼"
    services.contact_update(actor=cast.alice, contact=contact, notes="钓鱼")
    log = ChangeLog.objects.get(object_type="contact", object_id=contact.pk, action="update")
    assert log.changes == {"notes": ["茶", "钓鱼"]}


def test_a_merge_outdates_forms_open_on_the_kept_record_and_on_its_referrals(cast):
    keep, merge = cast.alice_customer, CustomerFactory(owner=cast.alice, name="联华超市二")
    referral = CustomerFactory(owner=cast.alice, referred_by=merge, source="referral")
    services.customer_merge(actor=cast.custodian, keep=keep, merge=merge)
    keep.refresh_from_db()
    referral.refresh_from_db()
    assert keep.version == 2 and referral.version == 2 and referral.referred_by == keep


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seed_rows")
def test_of_two_simultaneous_saves_from_one_version_exactly_one_gets_through(cast):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite takes one writer at a time (IMMEDIATE transactions): no race")
    customer = cast.alice_customer
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(actor, notes):
        try:
            barrier.wait(timeout=10)
            services.customer_update(
                actor=actor, customer=customer, expected_version=1, notes=notes
            )
            outcomes.append(notes)
        except StaleEditError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(cast.alice, "甲")),
        threading.Thread(target=save, args=(cast.sup, "乙")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes).count("refused") == 1, outcomes
    winner = next(o for o in outcomes if o != "refused")
    customer.refresh_from_db()
    assert (customer.notes, customer.version) == (winner, 2)
    assert ChangeLog.objects.filter(customer_id=customer.pk, action="update").count() == 1


# --- the pages -----------------------------------------------------------------------------


def test_the_later_of_two_form_saves_is_refused_and_shows_what_changed(cast):
    url = reverse("customers:edit", args=[cast.alice_customer.pk])
    rep, supervisor = browser(cast.alice), browser(cast.sup)
    reps_form = open_form(rep, url)
    supervisors_form = open_form(supervisor, url)
    assert reps_form["version"] == "1" and reps_form["initial-phone"] == "13800000001"

    supervisors_form.update(phone="13900000099", status="intent")
    assert supervisor.post(url, supervisors_form).status_code == 302

    reps_form.update(notes="老板说下周进货", status="active")
    response = rep.post(url, reps_form)
    assert response.status_code == 409
    page = response.content.decode()
    assert "有人修改了这条记录" in page and "没有保存" in page  # in Chinese, by default
    rows = labelled(response.context["rows"])
    # What the supervisor changed, with the rep's value beside the stored one.
    assert rows["Store phone"]["yours"] == "13800000001"
    assert rows["Store phone"]["current"] == "13900000099"
    assert rows["Store phone"]["by_other"] and not rows["Store phone"]["by_you"]
    # Changed by both; and the rep's own change, to enter again.
    assert rows["Status"]["by_other"] and rows["Status"]["by_you"]
    assert rows["Notes"]["by_you"] and not rows["Notes"]["by_other"]
    assert rows["Notes"]["yours"] == "老板说下周进货"
    assert set(rows) == {"Store phone", "Status", "Notes"}
    assert "13900000099" in page and "老板说下周进货" in page
    assert reverse("customers:edit", args=[cast.alice_customer.pk]) in page  # reload
    customer = Customer.objects.get(pk=cast.alice_customer.pk)
    assert (customer.phone, customer.status, customer.notes) == ("13900000099", "intent", "")

    # Reloaded, the form holds the supervisor's values and saves the rep's change over them.
    again = open_form(rep, url)
    assert again["phone"] == "13900000099" and again["version"] == "2"
    again.update(notes="老板说下周进货")
    assert rep.post(url, again).status_code == 302
    customer.refresh_from_db()
    assert (customer.phone, customer.notes, customer.version) == ("13900000099", "老板说下周进货", 3)


def test_a_form_without_its_version_saves_nothing(cast):
    url = reverse("customers:edit", args=[cast.alice_customer.pk])
    client = browser(cast.alice)
    data = open_form(client, url)
    del data["version"]
    data["notes"] = "无版本"
    response = client.post(url, data)
    assert response.status_code == 200 and "version" in response.context["form"].errors
    assert Customer.objects.get(pk=cast.alice_customer.pk).notes == ""


def test_a_stale_contact_dialog_shows_the_conflict_in_the_dialog(cast):
    contact = ContactFactory(customer=cast.alice_customer, name="王老板", interests="茶")
    url = reverse("customers:contact_edit", args=[cast.alice_customer.pk, contact.pk])
    rep, supervisor = browser(cast.alice), browser(cast.sup)
    reps_form = open_form(rep, url, **HTMX_MODAL)
    theirs = open_form(supervisor, url, **HTMX_MODAL)
    theirs["interests"] = "书法"
    assert supervisor.post(url, theirs, **HTMX_MODAL).status_code == 204
    reps_form["interests"] = "钓鱼"
    response = rep.post(url, reps_form, **HTMX_MODAL)
    # 200 so that htmx swaps it into the dialog; the page itself is not reloaded.
    assert response.status_code == 200 and "HX-Redirect" not in response
    body = response.content.decode()
    assert 'data-testid="edit-conflict"' in body and "书法" in body and "钓鱼" in body
    assert f'hx-get="{url}"' in body
    assert Contact.objects.get(pk=contact.pk).interests == "书法"


def test_a_stale_competitor_entry_page_is_refused(cast):
    entry = CompetitorFactory(customer=cast.alice_customer, brand="统一", products="冰红茶")
    url = reverse("customers:competitor_edit", args=[cast.alice_customer.pk, entry.pk])
    rep, supervisor = browser(cast.alice), browser(cast.sup)
    reps_form, theirs = open_form(rep, url), open_form(supervisor, url)
    theirs["products"] = "冰红茶、绿茶"
    assert supervisor.post(url, theirs).status_code == 302
    reps_form["competitor_rep"] = "刘经理"
    response = rep.post(url, reps_form)
    assert response.status_code == 409
    rows = labelled(response.context["rows"])
    assert rows["Competitor products in use"]["current"] == "冰红茶、绿茶"
    entry.refresh_from_db()
    assert (entry.products, entry.competitor_rep) == ("冰红茶、绿茶", "")


# --- the API -------------------------------------------------------------------------------


def test_api_if_match_refuses_a_stale_patch_with_412_and_the_current_record(cast, api):
    url = f"/api/v1/customers/{cast.alice_customer.pk}/"
    rep, supervisor = api(cast.alice), api(cast.sup)
    read = rep.get(url)
    assert read["ETag"] == '"1"' and read.json()["version"] == 1
    first = supervisor.patch(url, {"phone": "13900000099"}, format="json", HTTP_IF_MATCH='"1"')
    assert first.status_code == 200 and first["ETag"] == '"2"'
    stale = rep.patch(url, {"notes": "下周进货"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412
    assert stale["ETag"] == '"2"' and stale.json()["current"]["phone"] == "13900000099"
    assert stale.json()["detail"]
    assert Customer.objects.get(pk=cast.alice_customer.pk).notes == ""
    # A weak tag never matches (If-Match compares strongly); `*` and a current tag do.
    weak = rep.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH='W/"2"')
    assert weak.status_code == 412
    assert rep.patch(url, {"notes": "y"}, format="json", HTTP_IF_MATCH='"9", "2"').status_code == 200
    assert rep.patch(url, {"notes": "z"}, format="json", HTTP_IF_MATCH="*").status_code == 200


def test_api_clients_without_if_match_keep_working(cast, api):
    # The phone app and existing integrations send no If-Match: last write wins, as before.
    url = f"/api/v1/customers/{cast.alice_customer.pk}/"
    response = api(cast.alice).patch(url, {"notes": "照旧"}, format="json")
    assert response.status_code == 200 and response["ETag"] == '"2"'
    full = api(cast.alice).get(url).json()
    body = {k: full[k] for k in ("name", "outlet_type", "channel", "status", "source")}
    assert api(cast.alice).put(url, body, format="json").status_code == 200


def test_api_contacts_and_competitor_entries_honour_if_match(cast, api):
    contact = ContactFactory(customer=cast.alice_customer)
    entry = CompetitorFactory(customer=cast.alice_customer)
    base = f"/api/v1/customers/{cast.alice_customer.pk}"
    for url, change, model in (
        (f"{base}/contacts/{contact.pk}/", {"interests": "茶"}, Contact),
        (f"{base}/competitors/{entry.pk}/", {"products": "冰红茶"}, CompetitorEntry),
    ):
        read = api(cast.alice).get(url)
        assert read["ETag"] == '"1"'
        ok = api(cast.sup).patch(url, change, format="json", HTTP_IF_MATCH='"1"')
        assert ok.status_code == 200 and ok["ETag"] == '"2"'
        stale = api(cast.alice).patch(url, {"notes": "迟到"}, format="json", HTTP_IF_MATCH='"1"')
        assert stale.status_code == 412 and stale.json()["current"]["version"] == 2
        assert model.objects.get(pk=read.json()["id"]).notes == ""
