"""Survey forms (客户调查表): the default form, the editor's text format, answer checks.

The default follows the four topics of a street sweep (brief §4): business environment,
channel, competitors, consumers. Supervisors edit a form as plain text, one line each:

    # Channel                                  ← a section
    choice: Location | Main street; Market; Residential area   ← a choice question
    number: Floor area (m²)
    text: Main brands carried and their volumes
    photo: Shelf display

Completeness is answered questions ÷ questions, rounded down to a whole percent, so a form
shows 100 % only when every question has an answer (an empty text or a missing photo is not
an answer).
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from outletcrm.development.choices import QuestionKind

MAX_SECTIONS = 20
MAX_QUESTIONS = 150
MAX_OPTIONS = 20
MAX_TEXT_ANSWER = 1000
NUMBER_LIMIT = Decimal("1e12")

DEFAULT_NAME = "客户调查表（扫街）"
DEFAULT_FORM = """\
# 经营环境
choice: 所在商圈 | 主街商圈; 农贸市场; 居民社区; 学校医院周边; 乡镇村落
choice: 周边客流量 | 大; 中; 小
text: 本地市场规模与客户分布特点
# 渠道
choice: 位置 | 临街; 市场内; 社区内; 其他
number: 经营面积（平方米）
number: 经营年限（年）
number: 店员人数
choice: 店面展示与布置 | 好; 一般; 差
choice: 管理水平 | 规范; 一般; 较差
text: 经营品类与主推品牌、销量
photo: 货架陈列照片
# 竞争对手
text: 主要竞品及其销售政策
text: 竞品批发价与零售价
choice: 竞品陈列与促销 | 有陈列和促销; 仅有陈列; 都没有
# 消费者
text: 消费者购买时考虑的因素（按重要性排序）
number: 高档消费占比（%）
number: 中档消费占比（%）
number: 低档消费占比（%）
"""

KIND_WORDS = {
    "choice": QuestionKind.CHOICE, "number": QuestionKind.NUMBER, "text": QuestionKind.TEXT,
    "photo": QuestionKind.PHOTO,
    "选择": QuestionKind.CHOICE, "数字": QuestionKind.NUMBER, "文字": QuestionKind.TEXT,
    "照片": QuestionKind.PHOTO,
}


def parse_form(text: str) -> list[dict]:
    """The editor's text as [{"title", "questions": [{"kind", "text", "options"}]}].

    Every problem is reported with its line number; nothing is accepted half."""
    sections: list[dict] = []
    errors: list[str] = []
    count = 0
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            title = line.lstrip("#").strip()
            if not title:
                errors.append(_("Line %(n)d: a section needs a title.") % {"n": number})
            sections.append({"title": title[:100], "questions": []})
            continue
        word, sep, rest = line.replace("：", ":").partition(":")
        kind = KIND_WORDS.get(word.strip().lower())
        if not sep or kind is None:
            errors.append(_("Line %(n)d: start with choice:, number:, text: or photo:, or "
                            "# for a section.") % {"n": number})
            continue
        if not sections:
            errors.append(_("Line %(n)d: put the question under a section (# title).")
                          % {"n": number})
            continue
        question, _bar, option_text = rest.replace("｜", "|").partition("|")
        question = question.strip()
        options = [o.strip()[:50] for o in option_text.replace("；", ";").split(";")
                   if o.strip()]
        if not question:
            errors.append(_("Line %(n)d: the question has no text.") % {"n": number})
        elif len(question) > 200:
            errors.append(_("Line %(n)d: a question has at most 200 characters.")
                          % {"n": number})
        if kind == QuestionKind.CHOICE and not 2 <= len(options) <= MAX_OPTIONS:
            errors.append(pgettext("survey form", "Line %(n)d: a choice question needs 2 to "
                                     "%(max)d options after |, separated by ;.") % {"n": number, "max": MAX_OPTIONS})
        if kind != QuestionKind.CHOICE and options:
            errors.append(_("Line %(n)d: only choice questions have options.") % {"n": number})
        count += 1
        sections[-1]["questions"].append({"kind": str(kind), "text": question,
                                          "options": options})
    if not errors:
        if not sections or not count:
            errors.append(_("The form needs at least one section with a question."))
        elif any(not s["questions"] for s in sections):
            errors.append(_("Every section needs at least one question."))
        elif len(sections) > MAX_SECTIONS or count > MAX_QUESTIONS:
            errors.append(_("A form has at most %(s)d sections and %(q)d questions.")
                          % {"s": MAX_SECTIONS, "q": MAX_QUESTIONS})
    if errors:
        raise ValidationError({"definition": errors[:20]})
    return sections


def render_form(template) -> str:
    """A stored form back in the editor's text format."""
    lines = []
    for section in template.sections.all():
        lines.append(f"# {section.title}")
        for q in section.questions.all():
            tail = f" | {'; '.join(q.options)}" if q.kind == QuestionKind.CHOICE else ""
            lines.append(f"{q.kind}: {q.text}{tail}")
    return "\n".join(lines) + "\n"


def clean_answer(question, value):
    """The stored value of an answer to `question`, or ValidationError. None clears it."""
    if value is None or value == "":
        return None
    key = f"answers.{question.pk}"
    if question.kind == QuestionKind.CHOICE:
        if not isinstance(value, str) or value not in question.options:
            raise ValidationError({key: _("Choose one of the options.")})
        return value
    if question.kind == QuestionKind.NUMBER:
        if isinstance(value, bool):
            raise ValidationError({key: _("Enter a number.")})
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError({key: _("Enter a number.")}) from None
        if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
            raise ValidationError({key: _("Enter a number.")})
        if number < 0:
            raise ValidationError({key: _("Enter a number of zero or more.")})
        return float(number) if number != number.to_integral_value() else int(number)
    if question.kind == QuestionKind.TEXT:
        if not isinstance(value, str):
            raise ValidationError({key: _("Enter text.")})
        value = value.strip()
        if len(value) > MAX_TEXT_ANSWER:
            raise ValidationError({key: _("At most %(n)d characters.") % {"n": MAX_TEXT_ANSWER}})
        return value or None
    raise ValidationError({key: _("A photo question is answered with a photo.")})


def completeness(answered: int, questions: int) -> int:
    """Whole percent answered, rounded down: 100 only when every question is answered."""
    if questions <= 0:
        return 0
    return min(answered, questions) * 100 // questions
