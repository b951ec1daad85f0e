"""The funnel as an Excel workbook (cells through core/spreadsheet.py; audited)."""

import io

import openpyxl
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from outletcrm.core import spreadsheet
from outletcrm.core.audit import audit_record
from outletcrm.core.models import AuditEvent


def funnel_workbook(report: dict, *, user, channel: str = "web") -> bytes:
    """Two sheets: the stages (reached, conversion, time in stage) and the groups."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Funnel"))
    spreadsheet.append(sheet, [_("Period"), f"{report['date_from']} – {report['date_to']}"])
    spreadsheet.append(sheet, [])
    spreadsheet.append(sheet, [_("Stage"), _("Reached"), _("Share of entered (%)"),
                               _("Conversion to next (%)"), _("Stays ended"),
                               _("Median days in stage"), _("Mean days in stage")])
    for row in report["stages"]:
        spreadsheet.append(sheet, [str(row["stage"]), row["reached"], row["of_entered"],
                                   row["conversion"], row["stays"], row["median_days"],
                                   row["mean_days"]])
    total = report["total"]
    spreadsheet.append(sheet, [])
    spreadsheet.append(sheet, [pgettext("prospect", "Won"), total.won])
    spreadsheet.append(sheet, [pgettext("prospect", "Lost"), total.lost])
    spreadsheet.append(sheet, [_("Win rate (%)"), total.win_rate])
    for reason in report["lost_reasons"]:
        spreadsheet.append(sheet, [reason["label"], reason["count"]])
    for key, text in report["definitions"].items():
        spreadsheet.append(sheet, [key, text])
    if report["group"]:
        groups = workbook.create_sheet(_("By group"))
        stages = [str(r["stage"]) for r in report["stages"]]
        reasons = report["lost_reasons"]
        spreadsheet.append(groups, [report["group_label"], _("Entered"), *stages, pgettext("prospect", "Won"),
                                    pgettext("prospect", "Lost"), _("Win rate (%)"), *[r["label"] for r in reasons]])
        for row in report["groups"]:
            spreadsheet.append(groups, [row.label, row.entered, *row.reached, row.won, row.lost,
                                        row.win_rate,
                                        *[row.lost_reasons.get(r["reason"], 0) for r in reasons]])
    out = io.BytesIO()
    workbook.save(out)
    audit_record(action=AuditEvent.Action.EXPORT, actor=user, object_type="pipeline_funnel",
                 row_count=len(report["groups"]) or len(report["stages"]), channel=channel,
                 detail={"from": str(report["date_from"]), "to": str(report["date_to"]),
                         "group": report["group"] or ""})
    return out.getvalue()
