"""The date a Chinese text means: 明天, 后天, 下周二, 周五前, 下个月3号, 3天后, 一周后, 12月5日…

A rep writes a commitment as he would say it ("下周二送陈列架"); its due date is the first date
expression in the text, read relative to a base date (the visit's day, Asia/Shanghai). A text
without one, or with one that is ambiguous (下周, 月中) or not after the base, gives None, and the
caller keeps its default.

Why our own parser (issue 7, §4; measured on tests/core/test_chinese_dates.py's cases):
dateparser 1.5 read 11 of 22 (下周二 as Wednesday, 下个月3号 as the 25th, 两天后 and 一周后 not
at all); JioNLP 1.5 (and its time parser alone, jionlp-time 1.0) read 16–17 of 22 but takes a
bare weekday (星期一) as the past one, a week as a span, and brings numpy, a 150 MB segmenter and
a banner printed on import into the web process. The forms a rep writes are few and regular.
"""

import calendar
import datetime
import re

MAX_DAYS_AHEAD = 366

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = r"[0-9０-９]{1,3}|[零〇一二两俩三四五六七八九十]{1,4}"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
             "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEK = r"(?:周|星期|礼拜)"
_DAY = r"[一二三四五六日天末1-7]"


def number(text: str) -> int | None:
    """An Arabic or Chinese number up to 99 (三, 十二, 二十五, 两, ３); None if it is not one."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    if not text or any(c not in _DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return _DIGITS[text] if len(text) == 1 else None
    tens, _sep, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)


def _add_months(base: datetime.date, months: int, day: int | None = None) -> datetime.date | None:
    month_index = base.year * 12 + base.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return datetime.date(year, month, min(base.day, last))
    if not 1 <= day <= last:
        return None
    return datetime.date(year, month, day)


def _weekday_on_or_after(base: datetime.date, weekday: int, *, strictly: bool) -> datetime.date:
    ahead = (weekday - base.weekday()) % 7
    if ahead == 0 and strictly:
        ahead = 7
    return base + datetime.timedelta(days=ahead)


def _month_end(base: datetime.date, months: int) -> datetime.date:
    first = _add_months(base.replace(day=1), months)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


# Each rule: a pattern and a function (match, base) -> date or None. Order matters where one
# pattern is the tail of another (大后天 before 后天, 下个月3号 before 3号).
def _rules():
    def relative_days(days):
        return lambda m, base: base + datetime.timedelta(days=days)

    def in_units(m, base):
        count = 1 if m["n"] in (None, "") else number(m["n"])
        if count is None:
            return None
        unit = m["unit"]
        if unit in ("天", "日"):
            return base + datetime.timedelta(days=count)
        if unit in ("周", "个星期", "星期", "个礼拜", "礼拜"):
            return base + datetime.timedelta(weeks=count)
        if unit == "半个月":
            return base + datetime.timedelta(days=15)
        return _add_months(base, count)  # 个月 / 月

    def next_week_day(m, base):
        monday = base - datetime.timedelta(days=base.weekday()) + datetime.timedelta(weeks=1)
        return monday + datetime.timedelta(days=_WEEKDAYS[m["d"]])

    def this_week_day(m, base):
        monday = base - datetime.timedelta(days=base.weekday())
        return monday + datetime.timedelta(days=_WEEKDAYS[m["d"]])

    def bare_week_day(m, base):
        return _weekday_on_or_after(base, _WEEKDAYS[m["d"]], strictly=True)

    def full_date(m, base):
        year, month, day = int(m["y"]), number(m["m"]), number(m["d"])
        try:
            return datetime.date(year, month or 0, day or 0)
        except ValueError:
            return None

    def month_day(m, base):
        month, day = number(m["m"]), number(m["d"])
        if not month or not day:
            return None
        for year in (base.year, base.year + 1):
            try:
                value = datetime.date(year, month, day)
            except ValueError:
                return None
            if value >= base:
                return value
        return None

    def next_month_day(m, base):
        day = number(m["d"])
        months = 2 if m["which"] in ("下下个月", "下下月") else 1
        return _add_months(base.replace(day=1), months, day) if day else None

    def this_month_day(m, base):
        day = number(m["d"])
        return _add_months(base.replace(day=1), 0, day) if day else None

    def day_before(m, base):
        """"3号前": the next 3rd of a month (a bare "3号" is as often a size: 5号电池)."""
        day = number(m["d"])
        if not day or day > 31:
            return None
        value = _add_months(base.replace(day=1), 0, day) if day <= calendar.monthrange(
            base.year, base.month)[1] else None
        if value is not None and value >= base:
            return value
        return _add_months(base.replace(day=1), 1, day)

    def month_end(m, base):
        return _month_end(base, 1 if m["which"] in ("下个", "下") else 0)

    return [
        (rf"(?P<y>20\d\d)\s*年\s*(?P<m>{_NUMBER})\s*月\s*(?P<d>{_NUMBER})\s*[日号]", full_date),
        (r"(?P<y>20\d\d)[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})", full_date),
        (r"大后天", relative_days(3)),
        (r"后天", relative_days(2)),
        (r"明天|明日|明儿", relative_days(1)),
        (r"今天|今日|当天", relative_days(0)),
        # A number is required before 天/日: "日后" alone means "some day", not tomorrow.
        (rf"(?P<n>{_NUMBER})\s*(?P<unit>天|日)\s*(?:之|以)?后", in_units),
        (rf"(?P<n>{_NUMBER})?\s*(?P<unit>个星期|个礼拜|周|星期|礼拜|个月|半个月)\s*(?:之|以)?后",
         in_units),
        (rf"(?:下个|下一个|下){_WEEK}(?P<d>{_DAY})", next_week_day),
        (rf"(?:这个|这|本){_WEEK}(?P<d>{_DAY})", this_week_day),
        (rf"{_WEEK}(?P<d>{_DAY})", bare_week_day),
        (rf"(?P<which>下下个月|下下月|下个月|下月)\s*(?P<d>{_NUMBER})\s*[日号]", next_month_day),
        (rf"(?:这个月|本月)\s*(?P<d>{_NUMBER})\s*[日号]", this_month_day),
        (r"(?P<which>下个|下|这个|本)?月[底末]", month_end),
        (rf"(?P<m>{_NUMBER})\s*月\s*(?P<d>{_NUMBER})\s*[日号]", month_day),
        (rf"(?P<d>{_NUMBER})\s*[日号]\s*(?:之|以)?前", day_before),
    ]


_RULES = [(re.compile(pattern), handler) for pattern, handler in _rules()]


def due_date_in(text: str, base: datetime.date) -> datetime.date | None:
    """The date the first date expression of `text` means, read from `base`; None if there is
    none, if it is ambiguous, or if it falls before `base` or more than a year after it."""
    if not text:
        return None
    text = str(text)[:500]
    found = []
    for pattern, handler in _RULES:
        for match in pattern.finditer(text):
            found.append((match.start(), -len(match.group(0)), match, handler))
    for _start, _length, match, handler in sorted(found, key=lambda item: item[:2]):
        value = handler(match, base)
        if value is None:
            return None
        if base <= value <= base + datetime.timedelta(days=MAX_DAYS_AHEAD):
            return value
        return None
    return None
