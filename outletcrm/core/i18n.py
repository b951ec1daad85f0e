"""System text stored language-neutrally and translated for each reader.

Text the product writes itself (a timeline title, a history note or label, why a planned stop
was released, the title of a task it creates) is stored as its English msgid, its context and
its parameters, never in the words of whoever was active when it was written: a rep browsing
in English would otherwise leave English entries for Chinese readers, and the other way round.
It is translated when shown, in the reader's language. Text a person typed stays as typed.

The stored form is JSON:

    {"msgid": "Order %(code)s confirmed", "params": {"code": "O261204000012"}}
    {"context": "return kind", "msgid": "Discount"}

A parameter is plain data (a code, an amount, a name: shown as it is), a stored message itself
(a choice label, so a status inside a title reads in the reader's language too), or a name a
configurable list keeps in both languages ({"text": "超市", "text_en": "Supermarket"}).
Plain text has no stored form ({}), and is shown as stored.

Writers pass a lazy message (`gettext_lazy`, `pgettext_lazy`) and a dict of params to `store()`
(`core.timeline.timeline_add` and `core.history.record_change` do it for them); models keep the
English text in their text column (searchable, and what an old reader would show) beside the
stored form and render it with `render()` in a property (`TimelineEntry.title_text`).
`recognise()` maps old rows written in either language back to their message (data migrations).
"""

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext

ENGLISH = "en"

StoredText = dict  # {"msgid", "context"?, "params"?}, {"text", "text_en"}, or {} (plain text)


def _from_lazy(text: Promise) -> StoredText:
    """The msgid and context of a gettext_lazy/pgettext_lazy message (read from its pickle form:
    a lazy object is pickled as the function and the arguments it will call)."""
    func, args, kwargs = text.__reduce__()[1][:3]
    if not kwargs and func is gettext and len(args) == 1:
        return {"msgid": str(args[0])}
    if not kwargs and func is pgettext and len(args) == 2:
        return {"context": str(args[0]), "msgid": str(args[1])}
    raise TypeError("System text must be a gettext_lazy or pgettext_lazy message.")


def name(obj) -> StoredText | str:
    """A record's name as a parameter or history value: both names when it has an English one
    (the configurable lists: outlet types, classes), else its name."""
    name_en = getattr(obj, "name_en", "")
    if name_en and isinstance(getattr(obj, "name", None), str):
        return {"text": obj.name, "text_en": name_en}
    return str(obj)


def param(value):
    """A parameter as stored: messages and named records language-neutral, the rest as data."""
    if isinstance(value, Promise):
        return _from_lazy(value)
    if isinstance(value, models.Model):
        return name(value)
    if value is None or isinstance(value, bool | int | float | str | dict):
        return value
    return str(value)  # Decimal amounts, dates


def message(text, params: Mapping | None = None) -> StoredText:
    """The stored form of system text (a lazy message) with its params; {} for plain text."""
    if not isinstance(text, Promise):
        if params:
            raise TypeError("Parameters need a lazy message (gettext_lazy or pgettext_lazy).")
        return {}
    stored = _from_lazy(text)
    if params:
        stored["params"] = {str(k): param(v) for k, v in params.items()}
    return stored


def render(stored: StoredText | None, fallback: str = "") -> str:
    """Stored text in the active language; `fallback` (the text as stored) without a message."""
    if not stored:
        return fallback
    if "msgid" not in stored:
        if "text" in stored:
            english = (translation.get_language() or "").startswith(ENGLISH)
            return (stored.get("text_en") if english else "") or stored["text"]
        return fallback
    msgid = stored["msgid"]
    context = stored.get("context")
    text = pgettext(context, msgid) if context else gettext(msgid)
    params = stored.get("params")
    if not params:
        return text
    values = {k: render(v) if isinstance(v, dict) else v for k, v in params.items()}
    for template in (text, msgid):  # a broken translation falls back to the English
        try:
            return template % values
        except (KeyError, TypeError, ValueError):
            continue
    return fallback or msgid


def value(stored):
    """A stored value (a history value, a parameter) in the active language; data as it is."""
    if isinstance(stored, dict):
        return render(stored)
    if isinstance(stored, list):
        return [value(v) for v in stored]
    return stored


def english(stored: StoredText, fallback: str = "") -> str:
    """The English text of stored text (kept in the model's text column)."""
    with translation.override(ENGLISH):
        return render(stored, fallback)


def store(text, params: Mapping | None = None, *, max_length: int | None = None
          ) -> tuple[str, StoredText]:
    """(text column, stored form) for system text or plain text.

    System text (a lazy message) keeps its English rendering in the text column; plain text is
    kept as typed.
    """
    stored = message(text, params)
    plain = english(stored) if stored else str(text or "")
    return (plain[:max_length] if max_length else plain), stored


def as_param(text: str, stored: StoredText) -> StoredText | str:
    """A record's stored text as a parameter of another message (a task's title in 'Task done:
    …'): its message when it has one, else its text."""
    return stored or text


def label(instance: models.Model, field_name: str):
    """The label of a choice field's current value (lazy, so `store` keeps it neutral)."""
    model_field = instance._meta.get_field(field_name)
    current = getattr(instance, model_field.attname)
    for key, choice_label in model_field.flatchoices:
        if key == current:
            return choice_label
    return current


# --- old rows: text written before the messages were stored -------------------------------

@dataclass(frozen=True)
class Known:
    """A message old rows may hold as text, in any of the site's languages.

    `params` says what a placeholder held: `int`, `OneOf(...)` (one of these messages, e.g. a
    choice label), `TextOr(...)` (text that may itself be one of these messages), or nothing
    (any text).
    """

    msgid: str
    context: str | None = None
    params: Mapping = field(default_factory=dict)

    def __post_init__(self):  # hashable, so the compiled patterns can be cached
        object.__setattr__(self, "params", tuple(sorted(dict(self.params).items())))

    @property
    def specs(self) -> dict:
        return dict(self.params)

    def stored(self) -> StoredText:
        return {"msgid": self.msgid} if self.context is None else {
            "context": self.context, "msgid": self.msgid}

    def text(self) -> str:
        return pgettext(self.context, self.msgid) if self.context else gettext(self.msgid)


class OneOf:
    """A placeholder that held one of these messages (a choice label)."""

    def __init__(self, *known: Known):
        self.known = tuple(known)

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.known == other.known

    def __hash__(self) -> int:
        return hash((type(self), self.known))


class TextOr(OneOf):
    """A placeholder that held text, which may itself be one of these messages."""


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%%")


def _pattern(template: str, specs: Mapping) -> tuple[re.Pattern, int]:
    """A regex that matches `template` with its placeholders filled, and its literal length."""
    parts, seen, pos, literal = [], set(), 0, 0
    for mo in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[pos:mo.start()]))
        literal += mo.start() - pos
        pos = mo.end()
        if mo.group(0) == "%%":
            parts.append("%")
            literal += 1
            continue
        key = mo.group(1)
        if key in seen:
            parts.append(f"(?P={key})")
            continue
        seen.add(key)
        spec = specs.get(key)
        if spec is int:
            parts.append(rf"(?P<{key}>-?\d+)")
        elif isinstance(spec, OneOf) and not isinstance(spec, TextOr):
            texts = sorted({k.text() for k in spec.known}, key=len, reverse=True)
            parts.append(f"(?P<{key}>{'|'.join(re.escape(t) for t in texts)})")
        else:
            parts.append(rf"(?P<{key}>.+?)")
    parts.append(re.escape(template[pos:]))
    literal += len(template) - pos
    return re.compile("".join(parts), re.S), literal


def _captured(spec, text: str):
    if spec is int:
        return int(text)
    if isinstance(spec, TextOr):
        return recognise(text, spec.known) or text
    if isinstance(spec, OneOf):
        return next((k.stored() for k in spec.known if k.text() == text), text)
    return text


@functools.lru_cache(maxsize=256)
def _patterns(known: tuple[Known, ...], language: str) -> list[tuple[re.Pattern, Known]]:
    """The patterns of `known` in `language` (active), the most literal text first."""
    compiled = sorted(((*_pattern(k.text(), k.specs), k) for k in known),
                      key=lambda item: item[1], reverse=True)
    return [(pattern, k) for pattern, _literal, k in compiled]


def recognise(text: str, known: Iterable[Known]) -> StoredText | None:
    """The stored form of `text` if it is one of `known` in one of the site's languages.

    The most specific message wins ("… awaiting approval" before "%(kind)s ¥%(amount)s").
    Text that matches none gives None: such a row stays as it is and shows as stored.
    """
    if not isinstance(text, str) or not text:
        return None
    known = tuple(known)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for pattern, k in _patterns(known, code):
                mo = pattern.fullmatch(text)
                if mo is None:
                    continue
                stored = k.stored()
                if mo.groupdict():
                    stored["params"] = {key: _captured(k.specs.get(key), captured)
                                        for key, captured in mo.groupdict().items()}
                return stored
    return None


def convert_rows(rows, text_field: str, message_field: str, known: Iterable[Known], *,
                 max_length: int) -> int:
    """Give old rows whose text is one of `known` (in any language) their message, and their
    English in the text column; the others stay as they are and show as stored. For data
    migrations: `rows` is a queryset of the migration's own model. Returns the rows changed."""
    known = tuple(known)
    converted = []
    # Read everything first, then write: no update runs while the read cursor is open.
    for row in rows.exclude(**{text_field: ""}).only("pk", text_field, message_field).iterator(
            chunk_size=2000):
        if getattr(row, message_field):
            continue
        stored = recognise(getattr(row, text_field), known)
        if stored is None:
            continue
        setattr(row, message_field, stored)
        setattr(row, text_field, english(stored, getattr(row, text_field))[:max_length])
        converted.append(row)
    rows.model.objects.bulk_update(converted, [text_field, message_field], batch_size=500)
    return len(converted)
