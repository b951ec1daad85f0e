"""Care pages: the rules page, and the care section of the customer page with its dialogs."""


import pytest
from django.core.management import call_command
from django.utils import timezone

from outletcrm.care.models import CareProfile, CareRule, FamilyEvent, Gift
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_rules_page_and_edit(cast, login):
    page = login(cast.alice).get("/care/rules/")
    assert page.status_code == 200 and "/care/rules/new/" not in page.content.decode()
    rule = CareRule.objects.filter(kind="return_visit").first()
    assert login(cast.alice).post(f"/care/rules/{rule.pk}/toggle/").status_code == 403
    client = login(cast.admin)
    assert client.get("/care/rules/").status_code == 200
    assert client.post(f"/care/rules/{rule.pk}/toggle/").status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active
    answer = client.post(f"/care/rules/{rule.pk}/", {
        "name": "季度回访", "kind": "return_visit", "action": "call", "lead_days": 0,
        "every_days": 80, "sort_order": 0, "is_active": "on"})
    assert answer.status_code == 302
    rule.refresh_from_db()
    assert rule.every_days == 80 and rule.action == "call" and rule.is_active


def test_customer_page_shows_care_and_dialogs_write(cast, login):
    contact = ContactFactory(customer=cast.alice_customer, name="王老板")
    client = login(cast.alice)
    url = f"/customers/{cast.alice_customer.pk}/"
    assert 'data-testid="customer-care"' in client.get(url).content.decode()
    base = f"/care/customers/{cast.alice_customer.pk}"
    dialog = client.get(f"{base}/gifts/new/", headers={"HX-Request": "true",
                                                       "HX-Target": "modal-content"})
    assert dialog.status_code == 200 and "modal-body" in dialog.content.decode()
    answer = client.post(f"{base}/family-events/new/", {
        "contact": contact.pk, "kind": "child_birth", "date": "2026-01-05", "note": "孙子"},
        headers={"HX-Request": "true"})
    assert answer.status_code == 204 and answer.headers["HX-Redirect"] == url
    answer = client.post(f"{base}/gifts/new/", {
        "date": timezone.localdate().isoformat(), "contact": contact.pk,
        "description": "月饼", "value": "9999", "chosen_by": cast.sup.pk,
        "story": "中秋"}, follow=True)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "月饼" in text and "孙子" in text
    assert Gift.objects.get().chosen_by == cast.sup
    assert FamilyEvent.objects.get().contact == contact
    answer = client.post(f"{base}/busy-hours/", {"busy_from": "09:00", "busy_to": "11:00",
                                                 "busy_weekdays": ["2", "5"]})
    assert answer.status_code == 302
    profile = CareProfile.objects.get()
    assert profile.busy_weekdays == [2, 5]


def test_care_dialogs_respect_scope(cast, login):
    client = login(cast.charlie)
    base = f"/care/customers/{cast.alice_customer.pk}"
    assert client.get(f"{base}/gifts/new/").status_code == 404
    assert client.get(f"{base}/family-events/new/").status_code == 404
    assert client.post(f"{base}/busy-hours/", {}).status_code == 404


def test_cli(cast, capsys):
    call_command("care_rules", "list")
    out = capsys.readouterr().out
    assert "emotional_call" in out and "mid_autumn" in out
    rule = CareRule.objects.first()
    call_command("care_rules", "disable", str(rule.pk))
    rule.refresh_from_db()
    assert not rule.is_active
    call_command("care_tasks", "--day", "2027-01-01")
    assert '"created"' in capsys.readouterr().out
