"""The Chinese catalogue is complete, its compiled form is current, and no word is used in two
senses under one translation (scripts/po_fill.py, scripts/i18n_senses.py)."""

import gettext
import json
from pathlib import Path

import pytest
from django.utils import translation

from outletcrm.customers.choices import Status
from outletcrm.customers.models import Contact
from scripts import i18n_senses, po_fill

LOCALE = po_fill.LOCALE


def catalogue():
    return po_fill.parse(po_fill.PO.read_text(encoding="utf-8"))


def test_every_message_has_a_chinese_translation():
    missing = [po_fill.map_key(e.context, e.msgid) for e in catalogue() if not e.msgstr]
    assert missing == [], "add them to a map in outletcrm/locale/zh_Hans/LC_MESSAGES, make i18n"


def test_compiled_catalogue_matches_the_po_file():
    with open(LOCALE / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)

    def shown(e):
        return compiled.pgettext(e.context, e.msgid) if e.context else compiled.gettext(e.msgid)

    stale = [e.msgid for e in catalogue() if e.msgstr and shown(e) != e.msgstr]
    assert stale == [], "run: make i18n"


def test_chinese_is_the_default_and_english_is_available(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert str(Status.ACTIVE.label) == "既成客户"
    with translation.override("en"):
        assert str(Status.ACTIVE.label) == "Active"


def test_the_maps_agree_with_each_other():
    mapping, conflicts = po_fill.load_maps(sorted(LOCALE.glob("*.json")))
    assert conflicts == []


def test_no_short_msgid_is_used_in_two_senses_without_a_context():
    """The source as it stands (not the committed .po): every msgid, where it is used."""
    problems = po_fill.check(po_fill.extract())
    assert problems == [], "\n".join(problems)


def test_the_words_the_trial_found_now_read_in_their_own_sense():
    with translation.override("zh-hans"):
        assert translation.pgettext("job title", "Position") == "职务"
        assert translation.pgettext("GPS", "Position") == "位置"
        assert translation.pgettext("date range", "From") == "起始日期"
        assert translation.pgettext("hand-over", "From") == "原业务员"
        assert translation.pgettext("hand-over", "To") == "新业务员"
        assert translation.pgettext("customer", "Status") == "客户状态"
        assert translation.pgettext("stop", "Status") == "状态"
        assert translation.gettext("Close") == "关闭"  # the button, not 密切 (closeness)
        assert str(Contact._meta.get_field("role").verbose_name) == "职务"


# --- The check itself: it must fail on a msgid planted in two senses. -------------------------


def plant(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "outletcrm" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


PY = "from django.utils.translation import gettext_lazy as _\n\nLABEL = _('{word}')\n"


def test_the_check_fails_on_a_word_planted_in_two_senses(tmp_path):
    """End to end through makemessages: "Position" as a contact's job title in the customers'
    code and as a GPS position on a visits page, neither with a context."""
    root = plant(tmp_path, {
        "customers/models.py": PY.format(word="Position"),
        "templates/visits/visit_detail.html": '{% load i18n %}<dt>{% translate "Position" %}</dt>',
    })
    problems = po_fill.check(po_fill.extract(root))
    assert len(problems) == 1
    assert "'Position'" in problems[0]
    assert "outletcrm/customers/models.py:3" in problems[0]
    assert "outletcrm/templates/visits/visit_detail.html:1" in problems[0]


def test_a_context_on_each_sense_satisfies_the_check(tmp_path):
    root = plant(tmp_path, {
        "customers/models.py": (
            "from django.utils.translation import pgettext_lazy\n\n"
            "LABEL = pgettext_lazy('job title', 'Position')\n"
        ),
        "templates/visits/visit_detail.html": (
            '{% load i18n %}<dt>{% translate "Position" context "GPS" %}</dt>'
            '{% blocktranslate context "GPS" %}Position{% endblocktranslate %}'
        ),
    })
    text = po_fill.extract(root)
    assert po_fill.check(text) == []
    assert {(e.context, e.msgid) for e in po_fill.parse(text)} == {
        ("job title", "Position"), ("GPS", "Position")
    }


@pytest.mark.parametrize("word, places", [
    ("Position", ["outletcrm/customers/models.py:225",
                  "outletcrm/templates/visits/visit_detail.html:31"]),
    ("From", ["outletcrm/orders/forms.py:77", "outletcrm/templates/optimise/territory_job.html:44"]),
    ("Status", ["outletcrm/customers/models.py:133", "outletcrm/templates/visits/plan.html:45",
                "outletcrm/templates/optimise/day.html:74"]),
])
def test_the_check_catches_the_three_words_the_trial_found(word, places):
    problems = i18n_senses.two_senses([(None, word, places)])
    assert len(problems) == 1 and repr(word) in problems[0]


def test_one_area_a_sentence_or_an_allowed_word_passes():
    assert i18n_senses.two_senses([
        (None, "Status", ["outletcrm/visits/models.py:1", "outletcrm/templates/mobile/x.html:2"]),
        (None, "Order %(code)s confirmed", ["outletcrm/orders/a.py:1", "outletcrm/demo/b.py:2"]),
        (None, "The plan is empty today.", ["outletcrm/visits/a.py:1", "outletcrm/optimise/b.py:2"]),
        (None, "Save", ["outletcrm/customers/a.py:1", "outletcrm/orders/b.py:2"]),
    ]) == []


def test_two_maps_translating_one_key_differently_are_refused(tmp_path):
    orders = tmp_path / "orders.json"
    territory = tmp_path / "territory.json"
    orders.write_text(json.dumps({"From": "起始日期"}), encoding="utf-8")
    territory.write_text(json.dumps({"From": "原业务员"}), encoding="utf-8")
    assert len(po_fill.load_maps([orders, territory])[1]) == 1

    territory.write_text(json.dumps({"hand-over|From": "原业务员"}), encoding="utf-8")
    mapping, conflicts = po_fill.load_maps([orders, territory])
    assert conflicts == []
    assert mapping == {"From": "起始日期", "hand-over|From": "原业务员"}


def test_a_context_key_fills_only_its_own_entry():
    text = (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#: outletcrm/orders/forms.py:77\nmsgctxt "date range"\nmsgid "From"\nmsgstr ""\n\n'
        '#: outletcrm/templates/optimise/territory_job.html:44\nmsgctxt "hand-over"\n'
        'msgid "From"\nmsgstr ""\n'
    )
    filled, missing = po_fill.fill(text, {"date range|From": "起始日期"})
    assert missing == ["hand-over|From"]
    assert "#:" not in filled
    by_context = {e.context: e.msgstr for e in po_fill.parse(filled)}
    assert by_context == {"date range": "起始日期", "hand-over": ""}


# --- English that libraries would leave on a Chinese page. -------------------------------------


def test_an_empty_choice_reads_chinese_not_django_english():
    """Django 6.1 labels an empty choice "- Select an option -", which Django's own catalogue
    does not translate (it showed on the optimiser's start-point form)."""
    field = Contact._meta.get_field("decision_role")
    with translation.override("zh-hans"):
        assert str(field.get_choices(include_blank=True)[0][1]) == "请选择…"
