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


# Marks a run of characters that have no pinyin (letters, digits, rare characters), kept as is.
_OTHER = "\x00"


@lru_cache(maxsize=4096)
def _syllables(text: str) -> tuple[str, ...]:
    """One pypinyin pass over normalised `text`, from which the search keys and the sort key are
    all made (pypinyin's phrase matching is most of an import's CPU, and each key used to run
    it again): each Chinese character's pinyin with its tone digit (5 = neutral), each other
    run of characters as it is, marked with _OTHER."""
    return tuple(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True,
                             errors=lambda chars: [_OTHER + chars]))


def pinyin_keys(text: str) -> tuple[str, str]:
    """Pinyin full spelling and initials of `text` ("联华超市" → "lianhuachaoshi", "lhcs")."""
    full, initials = [], []
    for item in _syllables(normalise(text)):
        if item.startswith(_OTHER):
            full.append(item[1:])
            initials.append(item[1:])
        else:
            full.append(item[:-1] if item[-1].isdigit() else item)
            initials.append(item[0])
    return "".join(full).lower(), "".join(initials).lower()


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
    joined = "".join(item.removeprefix(_OTHER) for item in _syllables(normalise(name)))
    return _NOT_SORT_KEY_RE.sub("", joined.lower())[:NAME_SORT_LENGTH]


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
