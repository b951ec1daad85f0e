"""Text keys for search and duplicate detection: normalised forms and pinyin."""

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_PUNCT_RE = re.compile(r"[\s\-_·•.,，。、()（）\[\]【】#/\\'\"“”‘’:：;；!！?？]+")


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, without spaces and punctuation."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _PUNCT_RE.sub("", text)


@lru_cache(maxsize=4096)
def pinyin_keys(text: str) -> tuple[str, str]:
    """Pinyin full spelling and initials of `text` ("联华超市" → "lianhuachaoshi", "lhcs")."""
    text = normalise(text)
    syllables = lazy_pinyin(text, errors="default")
    full = "".join(syllables)
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default"))
    return full.lower(), initials.lower()


# Longest stored sort key: the first ~30 characters of a name decide its place in a list.
NAME_SORT_LENGTH = 200
_NOT_SORT_KEY_RE = re.compile(r"[^0-9a-z]")


def name_sort_key(name: str) -> str:
    """Where a name goes when names are sorted A→Z the way Chinese users expect (拼音排序).

    Character by character, each Chinese character by its pinyin and then its tone, as in the
    dictionary and in ICU's Chinese collation: 汪记 (wang1) < 王府井 (wang2) < 万家乐 (wan4…
    sorts before wang: "wan4" < "wang"). The tone digit ends each syllable, so 西安 (xi1an1)
    comes before 先锋 (xian1). Latin letters and digits stay as they are, lower-cased; anything
    else is left out. Pure ASCII, so every database orders it the same way.
    """
    syllables = lazy_pinyin(
        normalise(name), style=Style.TONE3, neutral_tone_with_five=True, errors="default"
    )
    return _NOT_SORT_KEY_RE.sub("", "".join(syllables).lower())[:NAME_SORT_LENGTH]


def by_pinyin(items, key=str) -> list:
    """`items` sorted A→Z by their display text in pinyin order (small in-memory lists:
    people and tags in a chooser)."""
    return sorted(items, key=lambda item: (name_sort_key(key(item)), key(item)))


def build_search_text(*, name: str, address: str, phones: list[str], code: str = "") -> str:
    """Everything a user may type to find a customer, lower-cased, separated by '|'."""
    full, initials = pinyin_keys(name)
    parts = [normalise(name), normalise(address), full, initials, code.lower()]
    parts.extend(p for p in phones if p)
    return "|".join(p for p in parts if p)


def search_term(query: str) -> str:
    """The form a typed query takes before it is matched against `search_text`."""
    return normalise(query)
