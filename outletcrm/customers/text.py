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


def build_search_text(*, name: str, address: str, phones: list[str], code: str = "") -> str:
    """Everything a user may type to find a customer, lower-cased, separated by '|'."""
    full, initials = pinyin_keys(name)
    parts = [normalise(name), normalise(address), full, initials, code.lower()]
    parts.extend(p for p in phones if p)
    return "|".join(p for p in parts if p)


def search_term(query: str) -> str:
    """The form a typed query takes before it is matched against `search_text`."""
    return normalise(query)
