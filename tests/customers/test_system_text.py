"""The archive's own text reads in the reader's language, whoever wrote it in which language.

Timeline titles, history notes and the labels inside the history (a status, an outlet type)
are stored language-neutrally (core.i18n): a custodian working in English leaves entries a
Chinese rep reads in Chinese, and the other way round. What a person typed stays as typed.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from outletcrm.core.models import ChangeLog, TimelineEntry
from outletcrm.customers import services
from tests.factories import CustomerFactory, outlet_type

pytestmark = pytest.mark.django_db


def reader(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def written_in_english(cast):
    """A customer's life written by a custodian browsing in English: created as a confirmed
    non-duplicate, its status changed, another record merged in, archived and restored."""
    with translation.override("en"):
        customer = services.customer_create(
            actor=cast.custodian, owner=cast.alice, name="永辉超市", outlet_type=outlet_type(),
            address="古墩路1号", force_duplicate=True)
        services.customer_update(actor=cast.custodian, customer=customer, status="dormant")
        twin = CustomerFactory(owner=cast.alice, name="永辉超市古墩店", code="C0000777")
        services.customer_merge(actor=cast.custodian, keep=customer, merge=twin)
        services.customer_archive(actor=cast.custodian, customer=customer, reason="店面装修")
        services.customer_restore(actor=cast.custodian, customer=customer)
    return customer


def test_the_timeline_and_history_written_in_english_read_chinese_for_a_chinese_reader(
        cast, written_in_english):
    body = reader(cast.alice, "zh-hans").get(
        reverse("customers:detail", args=[written_in_english.pk])).content.decode()
    for text in ("建立客户档案", "合并了客户 C0000777 永辉超市古墩店", "客户已归档", "店面装修",
                 "客户已恢复", "经档案管理员确认非重复后创建"):
        assert text in body, text
    for english in ("Customer record created", "Merged customer", "Customer archived",
                    "Customer restored", "not a duplicate"):
        assert english not in body, english


def test_and_english_for_an_english_reader(cast, written_in_english):
    body = reader(cast.alice, "en").get(
        reverse("customers:detail", args=[written_in_english.pk])).content.decode()
    for text in ("Customer record created", "Merged customer C0000777 永辉超市古墩店",
                 "Customer archived", "店面装修", "Customer restored",
                 "Created after the custodian confirmed it is not a duplicate"):
        assert text in body, text


def test_entries_written_in_chinese_read_english_for_an_english_reader(cast):
    with translation.override("zh-hans"):
        customer = services.customer_create(actor=cast.alice, name="永辉超市",
                                            outlet_type=outlet_type(), address="古墩路1号")
    body = reader(cast.alice, "en").get(
        reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Customer record created" in body and "建立客户档案" not in body


def test_history_labels_read_in_the_readers_language_on_the_page_and_the_api(
        cast, api, written_in_english):
    update = ChangeLog.objects.get(customer_id=written_in_english.pk, action="update")
    assert update.changes["status"] == [{"msgid": "Potential"}, {"msgid": "Dormant"}]
    created = ChangeLog.objects.get(customer_id=written_in_english.pk, action="create")
    assert created.changes["outlet_type"][1] == {"text": "超市", "text_en": "Supermarket"}
    url = f"/api/v1/customers/{written_in_english.pk}/history/"
    for language, status, kind in (("zh-hans", ["潜在客户", "休眠客户"], "超市"),
                                   ("en", ["Potential", "Dormant"], "Supermarket")):
        entries = api(cast.alice).get(url, HTTP_ACCEPT_LANGUAGE=language).json()["results"]
        by_action = {e["action"]: e for e in entries}
        assert by_action["update"]["changes"]["status"] == status
        assert by_action["create"]["changes"]["outlet_type"] == [None, kind]
    page = reader(cast.alice, "zh-hans").get(
        reverse("customers:detail", args=[written_in_english.pk])).content.decode()
    history = page.split('data-testid="history"', 1)[1]
    assert "潜在客户" in history and "休眠客户" in history and "Dormant" not in history


def test_the_timeline_api_reads_in_the_callers_language(cast, api, written_in_english):
    url = f"/api/v1/customers/{written_in_english.pk}/timeline/"
    titles = {language: {e["title"] for e in api(cast.alice).get(
        url, HTTP_ACCEPT_LANGUAGE=language).json()["results"]} for language in ("zh-hans", "en")}
    assert "建立客户档案" in titles["zh-hans"] and "Customer record created" in titles["en"]


def test_a_timeline_row_from_before_shows_as_it_was_stored(cast):
    TimelineEntry.objects.create(customer_id=cast.alice_customer.pk, kind="archive",
                                 title="老系统导入的记录", at="2026-01-05T09:00:00+08:00")
    body = reader(cast.alice, "en").get(
        reverse("customers:detail", args=[cast.alice_customer.pk])).content.decode()
    assert "老系统导入的记录" in body
