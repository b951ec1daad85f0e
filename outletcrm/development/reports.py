"""Drafting reports from the records (brief §4 日报表/周总结表, §8 weekly work report).

Each function reads the author's records of the period and returns plain JSON: counts and
rows with keys, never translated words (labels are looked up when the report is shown, in
the reader's language). What the data cannot know (remarks, problems, risks, next steps) is
left to the author.

Counting rules, written once:
- outlets met: distinct outlets with a contact on the day (a contact is recorded by filing
  the outlet, by answering its form, or by a photo);
- new filed: outlets first met that day and filed as new potential customers; possible
  duplicates still waiting for a decision are counted apart;
- forms filled: distinct outlets with at least one answer saved that day;
- forms completed: outlets whose form reached 100 % that day (local date);
- intentions found: outlets met that day whose intention is "some" or "strong" interest.
"""

import datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone

from outletcrm.development.choices import INTENTIONS_FOUND, OutletOutcome, ReportKind
from outletcrm.development.models import SurveyAnswer, SweepContact, SweepOutlet
from outletcrm.org.models import Role, User

FIGURE_KEYS = ["met", "new_filed", "flagged", "forms_filled", "forms_completed",
               "intentions"]


def _day_range(start: datetime.date, end: datetime.date):
    tz = timezone.get_current_timezone()
    return (datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min,
                                      tzinfo=tz))


def sweep_figures(rep_ids: list[int], start: datetime.date, end: datetime.date) -> dict:
    """The sweep counts of these reps over [start, end], per rep and per day (a few queries)."""
    lo, hi = _day_range(start, end)
    per: dict[tuple[int, str], dict] = {}

    def bucket(rep_id, day):
        return per.setdefault((rep_id, day.isoformat()), dict.fromkeys(FIGURE_KEYS, 0))

    contacts = SweepContact.objects.filter(rep_id__in=rep_ids, date__range=(start, end))
    for row in contacts.values("rep_id", "date").annotate(
            n=Count("outlet_id", distinct=True),
            hot=Count("outlet_id", distinct=True,
                      filter=Q(outlet__intention__in=INTENTIONS_FOUND))):
        b = bucket(row["rep_id"], row["date"])
        b["met"], b["intentions"] = row["n"], row["hot"]
    outlets = SweepOutlet.objects.filter(rep_id__in=rep_ids, met_on__range=(start, end))
    for row in outlets.values("rep_id", "met_on").annotate(
            filed=Count("pk", filter=Q(outcome=OutletOutcome.FILED)),
            flagged=Count("pk", filter=Q(outcome=OutletOutcome.FLAGGED))):
        b = bucket(row["rep_id"], row["met_on"])
        b["new_filed"], b["flagged"] = row["filed"], row["flagged"]
    filled = SurveyAnswer.objects.filter(outlet__rep_id__in=rep_ids,
                                         answered_on__range=(start, end))
    for row in filled.values("outlet__rep_id", "answered_on").annotate(
            n=Count("outlet_id", distinct=True)):
        bucket(row["outlet__rep_id"], row["answered_on"])["forms_filled"] = row["n"]
    for rep_id, done_at in SweepOutlet.objects.filter(
            rep_id__in=rep_ids, completed_at__gte=lo, completed_at__lt=hi).values_list(
            "rep_id", "completed_at"):
        bucket(rep_id, timezone.localdate(done_at))["forms_completed"] += 1
    return per


def _totals(rows) -> dict:
    total = dict.fromkeys(FIGURE_KEYS, 0)
    for row in rows:
        for key in FIGURE_KEYS:
            total[key] += row.get(key, 0)
    return total


def daily(rep: User, day: datetime.date) -> dict:
    """客户扫街日报表: the day's counts and one row per outlet met."""
    counts = sweep_figures([rep.pk], day, day).get((rep.pk, day.isoformat()),
                                                     dict.fromkeys(FIGURE_KEYS, 0))
    answered_today = set(SurveyAnswer.objects.filter(
        outlet__rep=rep, answered_on=day).values_list("outlet_id", flat=True))
    contacts = (SweepContact.objects.filter(rep=rep, date=day)
                .select_related("outlet__customer", "outlet__campaign").order_by("met_at", "pk"))
    rows = []
    for contact in contacts:
        outlet = contact.outlet
        rows.append({
            "outlet": str(outlet.client_id), "name": outlet.name,
            "code": outlet.customer.code if outlet.customer_id else "",
            "campaign": outlet.campaign.name, "outcome": outlet.outcome,
            "new": outlet.met_on == day and outlet.outcome == OutletOutcome.FILED,
            "first_contact": outlet.met_on == day,
            "completeness": outlet.completeness, "answered_today": outlet.pk in answered_today,
            "intention": outlet.intention, "note": outlet.note,
            "time": timezone.localtime(contact.met_at).strftime("%H:%M"),
        })
    return {"counts": counts, "rows": rows}


def weekly(rep: User, start: datetime.date, end: datetime.date) -> dict:
    """客户调查阶段周总结表 of one rep: per day, the week's totals, and his campaigns' state."""
    per = sweep_figures([rep.pk], start, end)
    days = []
    for offset in range((end - start).days + 1):
        day = start + datetime.timedelta(days=offset)
        days.append({"date": day.isoformat(),
                     **per.get((rep.pk, day.isoformat()), dict.fromkeys(FIGURE_KEYS, 0))})
    campaigns = list(SweepOutlet.objects.filter(rep=rep, met_on__lte=end)
                     .values("campaign_id", "campaign__name")
                     .annotate(outlets=Count("pk"),
                               complete=Count("pk", filter=Q(completed_at__isnull=False)))
                     .order_by("campaign__name"))
    return {"days": days, "counts": _totals(days),
            "campaigns": [{"name": c["campaign__name"], "outlets": c["outlets"],
                           "complete": c["complete"]} for c in campaigns]}


def team_weekly(supervisor: User, start: datetime.date, end: datetime.date) -> dict:
    """The survey-stage weekly summary of the supervisor's team: one row per rep."""
    reps = list(User.objects.filter(team_id=supervisor.team_id, is_active=True,
                                    role=Role.REP).order_by("username"))
    per = sweep_figures([r.pk for r in reps], start, end)
    rows = []
    for rep in reps:
        mine = [v for (rep_id, _day), v in per.items() if rep_id == rep.pk]
        rows.append({"rep": str(rep), "rep_id": rep.pk, **_totals(mine)})
    return {"rows": rows, "counts": _totals(rows)}


def work_weekly(rep: User, start: datetime.date, end: datetime.date) -> dict:
    """The weekly work report's facts (brief §8): visits, orders, tasks, customers developed."""
    from outletcrm.customers.models import Customer
    from outletcrm.orders.models import Order, Payment
    from outletcrm.visits.models import FollowUpTask, PlannedStop, Visit

    lo, hi = _day_range(start, end)
    visits = Visit.objects.filter(rep=rep, date__range=(start, end), counts_as_visit=True)
    stops = PlannedStop.objects.filter(rep=rep, date__range=(start, end),
                                       dropped_at__isnull=True)
    orders = Order.objects.filter(rep=rep, ordered_at__gte=lo, ordered_at__lt=hi).exclude(
        status="cancelled")
    order_sum = orders.aggregate(n=Count("pk"), total=Sum("total"))
    paid = Payment.objects.filter(collected_by=rep, paid_at__gte=lo, paid_at__lt=hi).aggregate(
        total=Sum("amount"))["total"]
    tasks = FollowUpTask.objects.filter(rep=rep)
    next_start, next_end = end + datetime.timedelta(days=1), end + datetime.timedelta(days=7)
    next_tasks = list(tasks.filter(done_at__isnull=True, due_date__range=(next_start, next_end))
                      .select_related("customer").order_by("due_date", "pk")[:30])
    sweep = weekly(rep, start, end)["counts"]
    return {
        "counts": {
            "visits": visits.count(),
            "route_visits": visits.filter(is_planned=True).count(),
            "planned_stops": stops.count(),
            "orders": order_sum["n"] or 0,
            "order_value": str(order_sum["total"] or 0),
            "payments": str(paid or 0),
            "new_customers": Customer.objects.filter(created_by=rep, created_at__gte=lo,
                                                     created_at__lt=hi).count(),
            "tasks_done": tasks.filter(done_at__gte=lo, done_at__lt=hi).count(),
            "tasks_overdue": tasks.filter(done_at__isnull=True, due_date__lt=end).count(),
            "outlets_swept": sweep["met"],
            "forms_completed": sweep["forms_completed"],
        },
        "next_week": [{"title": t.title_text, "due_date": t.due_date.isoformat(),
                       "customer": t.customer.name if t.customer_id else ""}
                      for t in next_tasks],
    }


def draft(report) -> dict:
    """The drafted part of a report, by kind."""
    if report.kind == ReportKind.SWEEP_DAILY:
        return daily(report.author, report.period_start)
    if report.kind == ReportKind.SURVEY_WEEKLY:
        return weekly(report.author, report.period_start, report.period_end)
    if report.kind == ReportKind.TEAM_SURVEY_WEEKLY:
        return team_weekly(report.author, report.period_start, report.period_end)
    return work_weekly(report.author, report.period_start, report.period_end)
