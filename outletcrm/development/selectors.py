"""Reads of customer development, each starting from the caller's scope (core/scoping.py)."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from outletcrm.core import scoping
from outletcrm.customers.models import Customer
from outletcrm.development import geo
from outletcrm.development.choices import INTENTIONS_FOUND, OutletOutcome
from outletcrm.development.models import (
    Report,
    SurveyAnswer,
    SurveyQuestion,
    SweepCampaign,
    SweepOutlet,
)
from outletcrm.org.models import Region

TARGET_LIMIT = 20000
MAP_LIMIT = 3000


def campaign_list(*, user) -> QuerySet:
    return (scoping.restrict_campaigns(SweepCampaign.objects.all(), user)
            .select_related("team", "region", "template", "created_by")
            .annotate(outlet_count=Count("outlets", distinct=True))
            .order_by("-starts_on", "-pk"))


def campaign_get(*, user, pk) -> SweepCampaign:
    campaign = scoping.restrict_campaigns(SweepCampaign.objects.all(), user).select_related(
        "team", "region", "template").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def running_campaigns(*, user, day: datetime.date) -> QuerySet:
    """The campaigns the user sweeps today (he is on the team sent)."""
    return (SweepCampaign.objects.filter(members=user, starts_on__lte=day, ends_on__gte=day)
            .order_by("ends_on", "pk"))


def outlets_of(*, user, campaign: SweepCampaign) -> QuerySet:
    return scoping.restrict_sweep_records(
        SweepOutlet.objects.filter(campaign=campaign), user).select_related("rep", "customer")


def campaign_answers(*, user, campaign: SweepCampaign, rep=None,
                     complete: bool | None = None) -> dict:
    """The survey answers of a campaign, as far as `user` may see (a rep his own outlets):
    {"questions": [SurveyQuestion], "outlets": [SweepOutlet], "answers": {outlet pk:
    {question pk: value, or {"photo": True}}}}. The page's Excel export, the API and
    `outletcrm sweeps answers` all read it here. `rep` narrows to one rep's outlets,
    `complete` to complete (True) or incomplete (False) forms."""
    outlets = outlets_of(user=user, campaign=campaign)
    if rep is not None:
        outlets = outlets.filter(rep=rep)
    if complete is not None:
        outlets = outlets.filter(completed_at__isnull=not complete)
    outlets = list(outlets.order_by("rep__username", "met_on", "pk"))
    questions = list(SurveyQuestion.objects.filter(section__template=campaign.template)
                     .select_related("section").order_by("section__position", "position"))
    answers: dict[int, dict] = {}
    for a in SurveyAnswer.objects.filter(outlet__in=[o.pk for o in outlets]).only(
            "outlet_id", "question_id", "value", "photo"):
        answers.setdefault(a.outlet_id, {})[a.question_id] = {"photo": True} if a.photo \
            else a.value
    return {"questions": questions, "outlets": outlets, "answers": answers}


def _targets(campaign: SweepCampaign) -> list[tuple]:
    """Live customers of the campaign's area: (pk, code, name, lat, lng, owner_id)."""
    base = Customer.objects.live()
    if campaign.region_id:
        path = Region.objects.filter(pk=campaign.region_id).values_list("path", flat=True).first()
        base = base.filter(region__path__startswith=path or "/none/")
    if campaign.area:
        box = geo.bounds(campaign.area)
        base = base.filter(latitude__range=(box[0], box[2]), longitude__range=(box[1], box[3]))
    rows = list(base.values_list("pk", "code", "name", "latitude", "longitude",
                                 "owner_id")[:TARGET_LIMIT])
    if campaign.area:
        rows = [r for r in rows if geo.contains(campaign.area, r[3], r[4])]
    return rows


def coverage(*, user, campaign: SweepCampaign) -> dict:
    """The campaign page's figures, per rep, and its map: outlets surveyed, forms complete,
    customers of the area not surveyed yet, and grid cells of the area not yet swept.

    A rep sees his own outlets; the team's supervisor all of them, and the archive's
    customers of the area that nobody has surveyed yet (those in his scope by name)."""
    outlets = list(outlets_of(user=user, campaign=campaign).order_by("rep__username", "pk"))
    per_rep: dict[int, dict] = {}
    for o in outlets:
        row = per_rep.setdefault(o.rep_id, {
            "rep": o.rep, "outlets": 0, "complete": 0, "filed": 0, "flagged": 0,
            "intentions": 0, "completeness_sum": 0})
        row["outlets"] += 1
        row["complete"] += o.completed_at is not None
        row["filed"] += o.outcome == OutletOutcome.FILED
        row["flagged"] += o.outcome == OutletOutcome.FLAGGED
        row["intentions"] += o.intention in INTENTIONS_FOUND
        row["completeness_sum"] += o.completeness
    reps = []
    for row in per_rep.values():
        row["average"] = row["completeness_sum"] // row["outlets"] if row["outlets"] else 0
        reps.append(row)
    manager = scoping.can_manage_campaign(user, campaign)
    targets = _targets(campaign) if manager else []
    surveyed = set(SweepOutlet.objects.filter(campaign=campaign, customer__isnull=False)
                   .values_list("customer_id", flat=True)) if manager else set()
    visible = set(scoping.restrict(Customer.objects.filter(
        pk__in=[t[0] for t in targets if t[0] not in surveyed][:MAP_LIMIT]), user)
        .values_list("pk", flat=True)) if targets else set()
    not_surveyed = [{"id": t[0], "code": t[1], "name": t[2] if t[0] in visible else "",
                     "lat": float(t[3]) if t[3] is not None else None,
                     "lng": float(t[4]) if t[4] is not None else None}
                    for t in targets if t[0] not in surveyed][:MAP_LIMIT]
    cells = []
    if campaign.area:
        info = geo.grid(campaign.area, campaign.grid_m)
        swept = {geo.cell_of(info, o.latitude, o.longitude) for o in outlets}
        lat0, lng0 = info["origin"] or (0, 0)
        for r, c in info["cells"]:
            cells.append({"bounds": [[lat0 + r * info["dlat"], lng0 + c * info["dlng"]],
                                     [lat0 + (r + 1) * info["dlat"],
                                      lng0 + (c + 1) * info["dlng"]]],
                          "swept": (r, c) in swept})
    total = len(outlets)
    return {
        "outlets": outlets, "reps": reps, "total": total,
        "complete": sum(1 for o in outlets if o.completed_at is not None),
        "filed": sum(1 for o in outlets if o.outcome == OutletOutcome.FILED),
        "flagged": [o for o in outlets if o.outcome == OutletOutcome.FLAGGED],
        "intentions": sum(1 for o in outlets if o.intention in INTENTIONS_FOUND),
        "targets": len(targets), "surveyed_targets": len(surveyed & {t[0] for t in targets}),
        "not_surveyed": not_surveyed, "cells": cells,
        "cells_swept": sum(1 for c in cells if c["swept"]), "manager": manager,
    }


def report_list(*, user, kind: str = "", unread: bool = False, author=None) -> QuerySet:
    reports = scoping.restrict_reports(Report.objects.all(), user).select_related(
        "author", "team", "read_by").annotate(comment_count=Count("comments"))
    if kind:
        reports = reports.filter(kind=kind)
    if author is not None:
        reports = reports.filter(author=author)
    if unread:
        reports = reports.filter(submitted_at__isnull=False, read_at__isnull=True).exclude(
            author=user)
    return reports.order_by("-period_start", "author__username", "kind", "pk")


def unread_count(*, user) -> int:
    """Submitted reports of the people the user supervises that nobody has read yet."""
    if not scoping.is_field_supervisor(user):
        return 0
    return scoping.restrict_reports(Report.objects.filter(
        submitted_at__isnull=False, read_at__isnull=True), user).exclude(
        Q(author=user)).count()


def report_get(*, user, pk) -> Report:
    report = scoping.restrict_reports(Report.objects.all(), user).select_related(
        "author", "team", "read_by").filter(pk=pk).first()
    if report is None:
        raise Http404
    return report
