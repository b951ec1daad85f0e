"""A report's stored figures in the reader's language (pages, print and Excel alike)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.development.choices import REPORT_TEXT_FIELDS, Intention, OutletOutcome, ReportKind

SWEEP_COUNTS = [
    ("met", _("Outlets met")),
    ("new_filed", _("New outlets filed")),
    ("flagged", _("Possible duplicates to resolve")),
    ("forms_filled", _("Forms filled in")),
    ("forms_completed", _("Forms completed")),
    ("intentions", _("Intentions found")),
]
WORK_COUNTS = [
    ("visits", pgettext_lazy("sweep", "Visits")),
    ("route_visits", _("Route visits")),
    ("planned_stops", _("Planned stops")),
    ("orders", _("Orders")),
    ("order_value", _("Order value")),
    ("payments", _("Payments collected")),
    ("new_customers", _("New customers filed")),
    ("tasks_done", _("Tasks done")),
    ("tasks_overdue", _("Tasks overdue")),
    ("outlets_swept", _("Outlets met")),
    ("forms_completed", _("Forms completed")),
]
TEXT_LABELS = {
    "remarks": _("Remarks"),
    "problems": _("Problems"),
    "risks": _("Risks"),
    "changes": _("Changes"),
    "next_steps": _("Proposed next steps"),
}
WORK_TEXT_LABELS = {**TEXT_LABELS, "remarks": _("This week's work"),
                    "next_steps": _("Next week's plan")}


def answer_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict) and value.get("photo"):
        return str(_("(photo)"))
    return str(value)


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


def report_view(report) -> dict:
    """{"counts": [(label, n)], "tables": [{title, headers, rows}], "texts": [(label, text)]}."""
    figures = report.figures or {}
    counts = figures.get("counts", {})
    keys = WORK_COUNTS if report.kind == ReportKind.WORK_WEEKLY else SWEEP_COUNTS
    tables = []
    if report.kind == ReportKind.SWEEP_DAILY:
        tables.append({"title": _("Outlets met"), "headers": [
            _("Time"), _("Outlet"), pgettext_lazy("sweep", "Customer no."), pgettext_lazy("sweep", "Outcome"), _("Complete (%)"),
            _("Intention"), pgettext_lazy("sweep", "Note")], "rows": [
            [r.get("time"), r.get("name"), r.get("code"), _label(OutletOutcome, r.get("outcome")),
             r.get("completeness"), _label(Intention, r.get("intention")), r.get("note")]
            for r in figures.get("rows", [])]})
    elif report.kind == ReportKind.SURVEY_WEEKLY:
        tables.append({"title": _("By day"), "headers": [
            pgettext_lazy("report", "Date"), *[label for _k, label in SWEEP_COUNTS]], "rows": [
            [d["date"], *[d.get(k, 0) for k, _l in SWEEP_COUNTS]]
            for d in figures.get("days", [])]})
        tables.append({"title": _("Campaigns"), "headers": [
            _("Campaign"), _("Outlets surveyed"), _("Forms complete")], "rows": [
            [c["name"], c["outlets"], c["complete"]] for c in figures.get("campaigns", [])]})
    elif report.kind == ReportKind.TEAM_SURVEY_WEEKLY:
        tables.append({"title": _("By rep"), "headers": [
            _("Rep"), *[label for _k, label in SWEEP_COUNTS]], "rows": [
            [r["rep"], *[r.get(k, 0) for k, _l in SWEEP_COUNTS]]
            for r in figures.get("rows", [])]})
    else:
        tables.append({"title": _("Tasks due next week"), "headers": [
            pgettext_lazy("sweep", "Due"), pgettext_lazy("sweep", "Task"), _("Customer")], "rows": [
            [t["due_date"], t["title"], t["customer"]] for t in figures.get("next_week", [])]})
    text_labels = WORK_TEXT_LABELS if report.kind == ReportKind.WORK_WEEKLY else TEXT_LABELS
    return {
        "counts": [(label, counts.get(key, 0)) for key, label in keys],
        "tables": tables,
        "texts": [(text_labels[name], getattr(report, name))
                  for name in REPORT_TEXT_FIELDS[report.kind]],
    }
