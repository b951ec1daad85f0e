"""The Chinese catalogue is complete and its compiled form is current."""

import gettext
import re
from pathlib import Path

from django.utils import translation

from outletcrm.customers.choices import Status

LOCALE = Path(__file__).resolve().parent.parent / "outletcrm/locale/zh_Hans/LC_MESSAGES"


def po_entries():
    import json

    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    blocks = re.findall(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', text, re.M)

    def unquote(block):
        return "".join(json.loads(p) for p in re.findall(r'"(?:[^"\\]|\\.)*"', block))

    return {unquote(i): unquote(s) for i, s in blocks if unquote(i)}


def test_every_message_has_a_chinese_translation():
    missing = [msgid for msgid, msgstr in po_entries().items() if not msgstr]
    assert missing == []


def test_compiled_catalogue_matches_the_po_file():
    with open(LOCALE / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [m for m, s in po_entries().items() if s and compiled.gettext(m) != s]
    assert stale == [], "run: outletcrm compilemessages"


def test_chinese_is_the_default_and_english_is_available(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert str(Status.ACTIVE.label) == "既成客户"
    with translation.override("en"):
        assert str(Status.ACTIVE.label) == "Active"
