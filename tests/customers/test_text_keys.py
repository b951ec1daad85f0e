"""The search keys and the sort key come from one pypinyin pass (customers.text._syllables);
they must be exactly what pypinyin's three separate passes give, or stored search texts and
sort keys would change under existing customers."""

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from outletcrm.customers.text import (
    _NOT_SORT_KEY_RE,
    NAME_SORT_LENGTH,
    name_sort_key,
    normalise,
    pinyin_keys,
)

# Common shop-name characters, heteronyms in phrases (重庆, 银行, 长沙), neutral tones (的, 了),
# ü (女, 绿, 略), interjections without a vowel-led spelling (嗯, 呣, 欸), a rare character,
# Latin letters, digits (full- and half-width), punctuation and spaces.
ALPHABET = ("联华超市便利店药房诊所餐厅批发重庆银行长沙的了女绿略嗯呣欸乐佳世万之好又多"
            "宁波海曙文三路和平大药房老字号㐀abcXYZ0123456789ａｂ１２ -·（）#")


def three_passes(text: str) -> tuple[str, str, str]:
    """The keys as the code made them before the one-pass version."""
    norm = normalise(text)
    full = "".join(lazy_pinyin(norm, errors="default")).lower()
    initials = "".join(lazy_pinyin(norm, style=Style.FIRST_LETTER, errors="default")).lower()
    tone3 = lazy_pinyin(norm, style=Style.TONE3, neutral_tone_with_five=True, errors="default")
    sort = _NOT_SORT_KEY_RE.sub("", "".join(tone3).lower())[:NAME_SORT_LENGTH]
    return full, initials, sort


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=30))
@example("联华超市abc3店")
@example("7eleven便利")
@example("重庆银行长沙分行的了")
@example("女绿略嗯呣欸")
@example("")
def test_one_pass_gives_the_keys_of_three(text):
    assert (*pinyin_keys(text), name_sort_key(text)) == three_passes(text)
