"""Reads of evaluation and classification, inside the reader's data scope (core.scoping)."""

from decimal import Decimal

from django.shortcuts import get_object_or_404

from outletcrm.core import scoping
from outletcrm.evaluation.choices import ProposalStatus, RfvSegment
from outletcrm.evaluation.models import ClassProposal, Evaluation, EvaluationRun, ScoringModel


def active_model() -> ScoringModel | None:
    return ScoringModel.objects.filter(is_active=True).first()


def evaluation_list(*, user, scoring_model=None, customer_id=None, grade=None):
    """Current evaluations of live customers the user may see (highest total first)."""
    scoring_model = scoring_model or active_model()
    qs = scoping.restrict(Evaluation.objects.all(), user, via="customer__").filter(
        customer__archived_at__isnull=True)
    qs = qs.filter(scoring_model=scoring_model) if scoring_model else qs.none()
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if grade:
        qs = qs.filter(grade=grade)
    return qs.select_related("customer", "customer__owner", "model_version",
                             "scoring_model").order_by("-total", "customer_id")


def evaluation_for_customer(*, customer, scoring_model=None) -> Evaluation | None:
    """The customer's evaluation under the model in use (the caller checked the scope)."""
    scoring_model = scoring_model or active_model()
    if scoring_model is None:
        return None
    return (Evaluation.objects.filter(customer=customer, scoring_model=scoring_model)
            .select_related("model_version", "scoring_model").first())


def proposal_list(*, user, status: str | None = ProposalStatus.PENDING, customer_id=None):
    """Class proposals of customers the user may see, newest first."""
    qs = scoping.restrict(ClassProposal.objects.all(), user, via="customer__").filter(
        customer__archived_at__isnull=True)
    if status:
        qs = qs.filter(status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs.select_related("customer", "customer__owner", "from_class", "to_class",
                             "from_abc", "to_abc", "decided_by").order_by("-proposed_at", "-id")


def proposal_get(*, user, pk: int) -> ClassProposal:
    return get_object_or_404(proposal_list(user=user, status=None), pk=pk)


def run_list(*, user):
    """Evaluation runs, newest first: all of them for those who may see the run log
    (core.scoping.can_see_evaluation_runs), none for anyone else."""
    return scoping.restrict_evaluation_runs(
        EvaluationRun.objects.select_related("scoring_model", "started_by"), user).order_by(
        "-started_at", "-pk")


def _behaviour_rows(user, scoring_model):
    qs = evaluation_list(user=user, scoring_model=scoring_model)
    return qs.values_list("customer_id", "customer__code", "customer__name", "value_12m",
                          "orders_12m", "last_order").order_by("-value_12m", "customer_id")


def pareto(*, user, scoring_model=None, top: int = 50, points: int = 100) -> dict:
    """Who carries the business (brief §2, 80/20): customers in the user's scope ranked by
    order value over the last 12 months, with the cumulative share; `points` points of the
    curve for the chart (share of customers → share of value), the `top` customers' rows."""
    rows = list(_behaviour_rows(user, scoring_model))
    total = sum((r[3] for r in rows), Decimal(0))
    count = len(rows)
    curve = [[0.0, 0.0]]
    table = []
    running = Decimal(0)
    step = max(1, count // points) if count else 1
    customers_for_80 = None
    for index, (cid, code, name, value, orders, last) in enumerate(rows, start=1):
        running += value
        share = float(running * 100 / total) if total else 0.0
        if customers_for_80 is None and share >= 80:
            customers_for_80 = index
        if index % step == 0 or index == count:
            curve.append([round(index * 100 / count, 2), round(share, 2)])
        if index <= top:
            table.append({"customer_id": cid, "code": code, "name": name, "value": value,
                          "orders": orders, "last_order": last,
                          "share": round(float(value * 100 / total), 2) if total else 0.0,
                          "cumulative": round(share, 2)})
    top20 = max(1, round(count * 0.2)) if count else 0
    top20_value = sum((r[3] for r in rows[:top20]), Decimal(0))
    return {
        "customers": count, "total": total, "curve": curve, "rows": table,
        "top20_customers": top20,
        "top20_share": round(float(top20_value * 100 / total), 1) if total else 0.0,
        "customers_for_80": customers_for_80 or 0,
        "customers_for_80_share": round((customers_for_80 or 0) * 100 / count, 1) if count else 0,
        "buying": sum(1 for r in rows if r[3] > 0),
    }


FLAGS = {}  # segment → (recent, frequent, high value)
SEGMENTS = {
    (True, True, True): RfvSegment.CHAMPION, (False, True, True): RfvSegment.KEEP,
    (True, False, True): RfvSegment.DEVELOP, (False, False, True): RfvSegment.WIN_BACK,
    (True, True, False): RfvSegment.GENERAL_VALUE, (False, True, False): RfvSegment.GENERAL_KEEP,
    (True, False, False): RfvSegment.GENERAL_DEVELOP,
    (False, False, False): RfvSegment.GENERAL_WIN_BACK,
}
FLAGS.update({segment: flags for flags, segment in SEGMENTS.items()})


def rfv(*, user, scoring_model=None, day=None, top: int = 50) -> dict:
    """Recency, frequency, value of the buying customers in the user's scope (12 months):
    each above or below the scope's average (recent = fewer days since the last order than
    the average), giving the eight classic segments, with customers and value per segment."""
    from django.utils import timezone

    day = day or timezone.localdate()
    rows = [r for r in _behaviour_rows(user, scoring_model) if r[4] and r[5]]
    n = len(rows)
    if not n:
        return {"customers": 0, "segments": [], "averages": None, "rows": [], "points": []}
    recency = [(day - r[5]).days for r in rows]
    avg_r = sum(recency) / n
    avg_f = sum(r[4] for r in rows) / n
    avg_v = sum(r[3] for r in rows) / n
    total = sum((r[3] for r in rows), Decimal(0))
    stats = {s: [0, Decimal(0)] for s in RfvSegment}
    table = []
    points = []
    step = max(1, n // 1000)
    for index, (row, days) in enumerate(zip(rows, recency, strict=True)):
        cid, code, name, value, orders, last = row
        segment = SEGMENTS[(days <= avg_r, orders >= avg_f, value >= avg_v)]
        stats[segment][0] += 1
        stats[segment][1] += value
        if index % step == 0:
            points.append([days, orders, float(value), segment.value])
        if index < top:
            table.append({"customer_id": cid, "code": code, "name": name, "days": days,
                          "orders": orders, "value": value, "segment": segment})
    segments = [{"segment": s, "label": s.label, "customers": c, "value": v,
                 "recent": FLAGS[s][0], "frequent": FLAGS[s][1], "high_value": FLAGS[s][2],
                 "value_share": round(float(v * 100 / total), 1) if total else 0.0,
                 "customer_share": round(c * 100 / n, 1)}
                for s, (c, v) in stats.items()]
    return {"customers": n, "segments": segments, "rows": table, "points": points,
            "averages": {"days": round(avg_r, 1), "orders": round(avg_f, 1),
                         "value": Decimal(avg_v).quantize(Decimal("0.01"))}}
