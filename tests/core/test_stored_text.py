"""System text is stored language-neutrally and read in each reader's language (core.i18n).

A rep browsing in English used to leave English timeline entries for Chinese readers, and the
other way round. These tests write while one language is active and read in both.
"""

import importlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, pgettext_lazy

from outletcrm.core import i18n
from outletcrm.core.history import record_change
from outletcrm.core.models import ChangeLog, TimelineEntry
from outletcrm.core.timeline import timeline_add

ROOT = Path(__file__).resolve().parents[2]


def read(language: str, func, *args):
    with translation.override(language):
        return func(*args)


def migration(app: str, name_part: str):
    """A data migration module, found by the end of its name (the number may change)."""
    path, = (ROOT / "outletcrm" / app / "migrations").glob(f"*_{name_part}.py")
    return importlib.import_module(f"outletcrm.{app}.migrations.{path.stem}")


# --- the stored form ----------------------------------------------------------------------

def test_a_message_is_stored_as_its_msgid_context_and_params_whatever_the_language():
    with translation.override("en"):
        english = i18n.message(gettext_lazy("Order %(code)s confirmed"), {"code": "O1"})
    with translation.override("zh-hans"):
        chinese = i18n.message(gettext_lazy("Order %(code)s confirmed"), {"code": "O1"})
    assert english == chinese == {"msgid": "Order %(code)s confirmed", "params": {"code": "O1"}}
    assert i18n.message(pgettext_lazy("return kind", "Discount")) == {
        "context": "return kind", "msgid": "Discount"}


def test_each_reader_reads_it_in_their_language_with_translatable_params_too():
    stored = i18n.message(gettext_lazy("%(kind)s ¥%(amount)s awaiting approval"),
                          {"kind": pgettext_lazy("return kind", "Discount"),
                           "amount": Decimal("12.50")})
    assert stored["params"] == {"kind": {"context": "return kind", "msgid": "Discount"},
                                "amount": "12.50"}
    assert read("zh-hans", i18n.render, stored) == "折让 ¥12.50（待审批）"
    assert read("en", i18n.render, stored) == "Discount ¥12.50 awaiting approval"


def test_a_message_inside_a_message_is_translated_for_the_reader():
    task_title = i18n.message(gettext_lazy("Return visit to %(name)s"), {"name": "联华超市"})
    done = i18n.message(gettext_lazy("Task done: %(title)s"), {"title": task_title})
    assert read("zh-hans", i18n.render, done) == "任务完成：回访联华超市"
    assert read("en", i18n.render, done) == "Task done: Return visit to 联华超市"


def test_a_name_kept_in_two_languages_reads_in_the_readers():
    stored = {"text": "超市", "text_en": "Supermarket"}
    assert read("zh-hans", i18n.render, stored) == "超市"
    assert read("en", i18n.render, stored) == "Supermarket"
    assert read("en", i18n.render, {"text": "超市", "text_en": ""}) == "超市"


def test_plain_text_is_kept_as_typed_and_shown_as_stored():
    assert i18n.store("  破损退货  ") == ("  破损退货  ", {})
    assert read("en", i18n.render, {}, "破损退货") == "破损退货"


def test_system_text_keeps_its_english_in_the_text_column_whatever_the_writers_language():
    with translation.override("zh-hans"):
        text, stored = i18n.store(gettext_lazy("Customer handed over to %(rep)s"),
                                  {"rep": "王丽"}, max_length=200)
    assert text == "Customer handed over to 王丽"
    assert stored == {"msgid": "Customer handed over to %(rep)s", "params": {"rep": "王丽"}}


def test_a_text_that_cannot_be_stored_neutrally_is_refused():
    with pytest.raises(TypeError):  # params need a message to go into
        i18n.message("Order %(code)s", {"code": "O1"})
    with pytest.raises(TypeError):  # a lazy text that is no single message: no msgid to keep
        i18n.message(format_lazy("{}!", gettext_lazy("Customer archived")))


def test_a_broken_translation_falls_back_to_the_english_not_to_an_error():
    stored = {"msgid": "Order %(code)s confirmed", "params": {"other": "x"}}
    assert read("zh-hans", i18n.render, stored, "Order O1 confirmed") == "Order O1 confirmed"


# --- timeline and history -----------------------------------------------------------------

@pytest.mark.django_db
def test_a_timeline_entry_written_in_english_reads_chinese_for_a_chinese_reader():
    with translation.override("en"):
        entry = timeline_add(customer_id=1, kind="order", title=gettext_lazy(
            "Order %(code)s cancelled"), params={"code": "O1"}, body="客户不要了")
    entry = TimelineEntry.objects.get(pk=entry.pk)
    assert read("zh-hans", lambda: entry.title_text) == "订单 O1 已取消"
    assert read("en", lambda: entry.title_text) == "Order O1 cancelled"
    assert entry.title == "Order O1 cancelled" and entry.body == "客户不要了"


@pytest.mark.django_db
def test_a_history_note_written_in_chinese_reads_english_for_an_english_reader(cast):
    with translation.override("zh-hans"):
        log = record_change(instance=cast.alice_customer, action=ChangeLog.Action.MERGE,
                            actor=cast.custodian, customer_id=cast.alice_customer.pk,
                            note=gettext_lazy("Merged customer %(code)s %(name)s"),
                            note_params={"code": "C1", "name": "好又多"})
        typed = record_change(instance=cast.alice_customer, action=ChangeLog.Action.ARCHIVE,
                              actor=cast.custodian, note="关店了")
    log.refresh_from_db()
    assert read("en", lambda: log.note_text) == "Merged customer C1 好又多"
    assert read("zh-hans", lambda: log.note_text) == "合并了客户 C1 好又多"
    assert read("en", lambda: typed.note_text) == "关店了"  # what a person typed stays


@pytest.mark.django_db
def test_old_rows_without_a_message_still_show_their_text():
    entry = TimelineEntry.objects.create(customer_id=1, kind="archive", title="某条旧记录",
                                         at="2026-01-01T00:00:00+08:00")
    assert read("en", lambda: entry.title_text) == "某条旧记录"


# --- old rows -----------------------------------------------------------------------------

def test_old_text_in_either_language_is_recognised_with_its_params():
    kind = i18n.OneOf(i18n.Known("Return"), i18n.Known("Claim"),
                      i18n.Known("Discount", "return kind"))
    known = [i18n.Known("%(kind)s ¥%(amount)s", params={"kind": kind}),
             i18n.Known("%(kind)s ¥%(amount)s awaiting approval", params={"kind": kind})]
    expected = {"msgid": "%(kind)s ¥%(amount)s awaiting approval", "params": {
        "kind": {"context": "return kind", "msgid": "Discount"}, "amount": "9.00"}}
    assert i18n.recognise("折让 ¥9.00（待审批）", known) == expected
    assert i18n.recognise("Discount ¥9.00 awaiting approval", known) == expected
    assert i18n.recognise("客户说下次再来", known) is None


def test_a_number_in_old_text_comes_back_as_a_number():
    kinds = i18n.OneOf(i18n.Known("Home visit"), i18n.Known("Day visit"))
    known = [i18n.Known("%(kind)s by %(rep)s, %(minutes)d min",
                        params={"kind": kinds, "minutes": int})]
    stored = i18n.recognise("王 丽 家访，25 分钟", known)
    assert stored["params"] == {"rep": "王 丽", "kind": {"msgid": "Home visit"}, "minutes": 25}
    assert read("en", i18n.render, stored) == "Home visit by 王 丽, 25 min"


@pytest.mark.django_db
def test_the_migrations_give_old_rows_their_message_and_leave_the_rest_as_they_were(cast):
    at = "2026-01-01T10:00:00+08:00"
    rows = {text: TimelineEntry.objects.create(customer_id=1, kind=kind, title=text, at=at)
            for kind, text in [
                ("archive", "建立客户档案"), ("archive", "Customer restored"),
                ("archive", "合并了客户 C0000002 好又多"), ("order", "订单 O1 已确认"),
                ("return", "Claim ¥5.00 refused"), ("visit", "王丽 家访，12 分钟"),
                ("task", "任务完成：回访联华超市"), ("task", "任务完成：送海报"),
                ("archive", "随手写的标题")]}
    note = ChangeLog.objects.create(object_type="customer", object_id=1, customer_id=1,
                                    action="create", note="经档案管理员确认非重复后创建")
    migration("customers", "history_text_language_neutral").convert(apps, None)
    migration("orders", "timeline_titles_language_neutral").convert(apps, None)
    migration("visits", "system_text_language_neutral").convert(apps, None)

    def reads(text, language):
        entry = TimelineEntry.objects.get(pk=rows[text].pk)
        return read(language, lambda: entry.title_text)

    assert reads("建立客户档案", "en") == "Customer record created"
    assert reads("Customer restored", "zh-hans") == "客户已恢复"
    assert reads("合并了客户 C0000002 好又多", "en") == "Merged customer C0000002 好又多"
    assert reads("订单 O1 已确认", "en") == "Order O1 confirmed"
    assert reads("Claim ¥5.00 refused", "zh-hans") == "索赔 ¥5.00 已驳回"
    assert reads("王丽 家访，12 分钟", "en") == "Home visit by 王丽, 12 min"
    assert reads("任务完成：回访联华超市", "en") == "Task done: Return visit to 联华超市"
    assert reads("任务完成：送海报", "en") == "Task done: 送海报"
    assert reads("随手写的标题", "en") == "随手写的标题"  # not a known message: as stored
    assert TimelineEntry.objects.get(pk=rows["建立客户档案"].pk).title == "Customer record created"
    note.refresh_from_db()
    assert read("en", lambda: note.note_text) == (
        "Created after the custodian confirmed it is not a duplicate")
