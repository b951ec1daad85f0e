"""Care API: rules (managers change them), family events and gifts inside the data scope."""


import pytest
from django.utils import timezone

from outletcrm.care.models import CareRule, FamilyEvent, Gift
from outletcrm.core.models import TimelineEntry
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_everyone_reads_rules_only_managers_change_them(cast, api):
    rule = CareRule.objects.filter(kind="emotional_call").first()
    answer = api(cast.alice).get("/api/v1/care-rules/?kind=emotional_call")
    assert answer.status_code == 200 and answer.json()["results"][0]["id"] == rule.pk
    assert api(cast.alice).patch(f"/api/v1/care-rules/{rule.pk}/", {"every_days": 30},
                                 format="json").status_code == 403
    changed = api(cast.mgr_zj).patch(f"/api/v1/care-rules/{rule.pk}/",
                                     {"every_days": 30, "is_active": False}, format="json")
    assert changed.status_code == 200, changed.json()
    rule.refresh_from_db()
    assert rule.every_days == 30 and not rule.is_active


def test_rule_validation(cast, api):
    answer = api(cast.admin).post("/api/v1/care-rules/", {
        "name": "x", "kind": "festival", "action": "gift"}, format="json")
    assert answer.status_code == 400 and "festival" in answer.json()
    answer = api(cast.admin).post("/api/v1/care-rules/", {
        "name": "x", "kind": "return_visit", "action": "visit", "every_days": 3}, format="json")
    assert answer.status_code == 400 and "every_days" in answer.json()
    answer = api(cast.admin).post("/api/v1/care-rules/", {
        "name": "Wholesalers", "kind": "festival", "festival": "spring", "action": "visit",
        "lead_days": 7, "customer_classes": []}, format="json")
    assert answer.status_code == 201, answer.json()


def test_family_events_follow_the_contacts_customer_scope(cast, api):
    contact = ContactFactory(customer=cast.alice_customer, name="王老板")
    body = {"contact": contact.pk, "kind": "wedding", "date": "2027-05-01",
            "note": "女儿出嫁"}
    assert api(cast.charlie).post("/api/v1/family-events/", body,
                                  format="json").status_code == 404
    answer = api(cast.alice).post("/api/v1/family-events/", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["customer"] == cast.alice_customer.pk
    event_id = answer.json()["id"]
    assert api(cast.charlie).get(f"/api/v1/family-events/{event_id}/").status_code == 404
    assert api(cast.charlie).get("/api/v1/family-events/").json()["count"] == 0
    assert api(cast.sup).get("/api/v1/family-events/").json()["count"] == 1
    assert TimelineEntry.objects.filter(customer_id=cast.alice_customer.pk, kind="care").exists()
    assert api(cast.charlie).delete(f"/api/v1/family-events/{event_id}/").status_code == 404
    assert api(cast.alice).delete(f"/api/v1/family-events/{event_id}/").status_code == 204
    assert not FamilyEvent.objects.exists()


def test_gift_over_budget_warns_and_records(cast, api, settings):
    settings.CARE_GIFT_BUDGET_BY_CLASS = {}
    settings.CARE_GIFT_BUDGET_YUAN = 300
    contact = ContactFactory(customer=cast.alice_customer)
    year = timezone.localdate().year
    body = {"customer": cast.alice_customer.pk, "contact": contact.pk,
            "date": f"{year}-03-01", "description": "西湖龙井一盒", "value": "200",
            "story": "老板爱喝茶，主管亲自挑的"}
    first = api(cast.alice).post("/api/v1/gifts/", body, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["budget"]["over"] is False
    assert first.json()["chosen_by"] == cast.alice.pk
    second = api(cast.alice).post("/api/v1/gifts/", {**body, "chosen_by": cast.sup.pk},
                                  format="json")
    assert second.status_code == 201
    budget = second.json()["budget"]
    assert budget["over"] is True and budget["warning"]
    assert Gift.objects.count() == 2
    assert TimelineEntry.objects.filter(customer_id=cast.alice_customer.pk, kind="care").count() == 2


def test_gift_scope_and_bad_input(cast, api):
    other = ContactFactory(customer=cast.bob_customer)
    base = {"customer": cast.alice_customer.pk, "date": "2026-03-01", "description": "茶"}
    assert api(cast.charlie).post("/api/v1/gifts/", base, format="json").status_code == 404
    assert api(cast.alice).post("/api/v1/gifts/", {**base, "contact": other.pk},
                                format="json").status_code == 404
    assert api(cast.alice).post("/api/v1/gifts/", {**base, "value": "-1"},
                                format="json").status_code == 400
    assert api(cast.alice).post("/api/v1/gifts/", {**base, "date": "0001-01-01"},
                                format="json").status_code == 400
    assert api(cast.alice).post("/api/v1/gifts/", {**base, "customer": 2**70},
                                format="json").status_code == 400
    assert api(cast.alice).post("/api/v1/gifts/", {**base, "bogus": 1},
                                format="json").status_code == 400
    assert api(cast.alice).get("/api/v1/gifts/?customer=abc").status_code == 400
