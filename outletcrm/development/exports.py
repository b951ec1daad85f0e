"""Excel workbooks of reports and campaigns (openpyxl through core/spreadsheet.py)."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from outletcrm.core.spreadsheet import append
from outletcrm.development import labels


def _book():
    book = Workbook()
    return book, book.active


def _bold_last(sheet):
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def report_workbook(report, comments) -> bytes:
    """One sheet: the header, the drafted figures and rows, the author's texts, comments."""
    book, sheet = _book()
    sheet.title = pgettext("sweep", "Report")[:31]
    view = labels.report_view(report)
    append(sheet, [str(report.get_kind_display())])
    _bold_last(sheet)
    append(sheet, [_("Author"), str(report.author)])
    append(sheet, [_("Period"), f"{report.period_start} – {report.period_end}"])
    append(sheet, [pgettext("sweep", "Submitted"), report.submitted_at.strftime("%Y-%m-%d %H:%M")
                   if report.submitted_at else _("Draft")])
    append(sheet, [])
    for label, value in view["counts"]:
        append(sheet, [str(label), value])
    for table in view["tables"]:
        append(sheet, [])
        append(sheet, [str(table["title"])])
        _bold_last(sheet)
        append(sheet, [str(h) for h in table["headers"]])
        _bold_last(sheet)
        for row in table["rows"]:
            append(sheet, [str(v) if v is not None else "" for v in row])
    append(sheet, [])
    for label, value in view["texts"]:
        append(sheet, [str(label), value])
    if comments:
        append(sheet, [])
        append(sheet, [_("Comments")])
        _bold_last(sheet)
        for comment in comments:
            append(sheet, [str(comment.author), comment.created_at.strftime("%Y-%m-%d %H:%M"),
                           comment.text])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def campaign_workbook(campaign, outlets, questions, answers) -> bytes:
    """One row per outlet met with every answer of its form (the region's base archive)."""
    book, sheet = _book()
    sheet.title = _("Outlets")[:31]
    append(sheet, [_("Outlet"), pgettext("sweep", "Customer no."), _("Rep"), pgettext("sweep", "Outcome"), _("Intention"),
                   _("First met on"), _("Complete (%)"), *[q.text for q in questions]])
    _bold_last(sheet)
    for outlet in outlets:
        mine = answers.get(outlet.pk, {})
        append(sheet, [outlet.name, outlet.customer.code if outlet.customer_id else "",
                       str(outlet.rep), str(outlet.get_outcome_display()),
                       str(outlet.get_intention_display()), outlet.met_on.isoformat(),
                       outlet.completeness,
                       *[labels.answer_text(mine.get(q.pk)) for q in questions]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def answer_rows(found: dict) -> dict:
    """selectors.campaign_answers as plain JSON (the API and `outletcrm sweeps answers`):
    the questions once, then one row per outlet with its answers by question id (a photo
    answer is {"photo": true}; an unanswered question is absent)."""
    return {
        "questions": [{"id": q.pk, "section": q.section.title, "kind": q.kind, "text": q.text,
                       "options": q.options} for q in found["questions"]],
        "results": [{
            "outlet": str(o.client_id), "name": o.name,
            "customer": o.customer_id, "code": o.customer.code if o.customer_id else "",
            "rep": o.rep.username, "outcome": o.outcome, "intention": o.intention,
            "met_on": o.met_on.isoformat(), "completeness": o.completeness,
            "answers": {str(qid): value
                        for qid, value in found["answers"].get(o.pk, {}).items()
                        if value not in (None, "")},
        } for o in found["outlets"]],
    }
