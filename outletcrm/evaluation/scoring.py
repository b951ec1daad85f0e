"""The scoring arithmetic, in one place and free of the database (brief §4: "compare the
actual value with the standard to score each indicator, sum to a total score, and grade the
customer by it").

For each indicator, with W its weight scaled so that the model's weights sum to 100
(weights 20 + 20 + 40 = 80 count as 25 + 25 + 50):

  higher is better   ratio = actual ÷ standard
  lower is better    ratio = standard ÷ actual   (an actual of 0 or less earns the cap)
  ratio              kept between 0 and the indicator's cap (1 = full points at the standard)
  points             W × ratio, rounded to 0.01
  missing value      0 points, shown as "missing" (the total does not pretend to know)
  zero standard      0 points, shown as "zero standard" (a definition saved through the
                     service cannot have one; old or imported data might)

The total is the sum of the points; the grade is that of the highest band whose lower bound
the total reaches (none below the lowest band).
"""

from decimal import Decimal

from outletcrm.evaluation.choices import Direction, LineStatus


def effective_weights(weights: list) -> list[float]:
    """Weights scaled to sum to 100 (all zero: all zero)."""
    total = sum(float(w) for w in weights)
    if total <= 0:
        return [0.0 for _w in weights]
    return [round(float(w) * 100 / total, 4) for w in weights]


def score_line(*, actual, standard, effective_weight: float, direction: str,
               cap) -> tuple[float | None, float, str]:
    """(ratio, points, status) of one indicator."""
    if actual is None:
        return None, 0.0, LineStatus.MISSING.value
    standard = float(standard)
    cap = float(cap)
    actual = float(actual)
    if standard == 0:
        return None, 0.0, LineStatus.ZERO_STANDARD.value
    if direction == Direction.LOWER:
        ratio = cap if actual <= 0 else standard / actual
    else:
        ratio = actual / standard
    ratio = max(ratio, 0.0)
    status = LineStatus.SCORED.value
    if ratio > cap:
        ratio, status = cap, LineStatus.CAPPED.value
    return round(ratio, 4), round(effective_weight * ratio, 2), status


def score(definition: dict, values: dict) -> tuple[float, str, list]:
    """(total, grade, lines) of one customer: `values` maps indicator code → actual (None or
    absent: missing). Lines are [actual, ratio, points, status] in the definition's order."""
    lines = []
    total = 0.0
    for ind in definition["indicators"]:
        actual = values.get(ind["code"])
        ratio, points, status = score_line(
            actual=actual, standard=ind["standard"], effective_weight=ind["effective_weight"],
            direction=ind["direction"], cap=ind["cap"])
        total += points
        lines.append([None if actual is None else round(float(actual), 2), ratio, points, status])
    total = round(total, 2)
    return total, grade_for(total, definition["bands"]), lines


def band_for(total: float, bands: list[dict]) -> dict | None:
    """The band of the highest lower bound the total reaches (bands sorted high to low)."""
    for band in bands:
        if total >= float(band["min_score"]):
            return band
    return None


def grade_for(total: float, bands: list[dict]) -> str:
    band = band_for(total, bands)
    return band["grade"] if band else ""


def join_lines(definition: dict, lines: list) -> list[dict]:
    """The stored compact lines joined with the indicators they were scored against."""
    from outletcrm.evaluation.choices import Dimension

    labels = dict(Dimension.choices)
    joined = []
    for ind, line in zip(definition.get("indicators", []), lines, strict=False):
        actual, ratio, points, status = line
        joined.append({**ind, "actual": actual, "ratio": ratio, "points": points,
                       "status": status, "max_points": round(
                           float(ind["effective_weight"]) * float(ind["cap"]), 2),
                       "weight": Decimal(str(ind["weight"])),
                       "dimension_label": labels.get(ind.get("dimension"), "")})
    return joined
