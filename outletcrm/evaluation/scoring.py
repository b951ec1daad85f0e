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


_MISSING = LineStatus.MISSING.value
_ZERO_STANDARD = LineStatus.ZERO_STANDARD.value
_SCORED = LineStatus.SCORED.value
_CAPPED = LineStatus.CAPPED.value


def line_scorer(*, standard, effective_weight: float, direction: str, cap):
    """A function actual → line [actual, ratio, points, status] of one indicator: the
    arithmetic above, with the indicator's constants bound once (a run scores 100,000
    customers × every indicator through it)."""
    standard = float(standard)
    cap = float(cap)
    weight = effective_weight
    lower = direction == Direction.LOWER

    if standard == 0:
        def line(actual):
            if actual is None:
                return [None, None, 0.0, _MISSING]
            return [round(float(actual), 2), None, 0.0, _ZERO_STANDARD]
        return line

    def line(actual):
        if actual is None:
            return [None, None, 0.0, _MISSING]
        actual = float(actual)
        if lower:
            ratio = cap if actual <= 0 else standard / actual
        else:
            ratio = actual / standard
        if ratio < 0.0:
            ratio = 0.0
        if ratio > cap:
            return [round(actual, 2), round(cap, 4), round(weight * cap, 2), _CAPPED]
        return [round(actual, 2), round(ratio, 4), round(weight * ratio, 2), _SCORED]

    return line


def score_line(*, actual, standard, effective_weight: float, direction: str,
               cap) -> tuple[float | None, float, str]:
    """(ratio, points, status) of one indicator."""
    _actual, ratio, points, status = line_scorer(
        standard=standard, effective_weight=effective_weight, direction=direction,
        cap=cap)(actual)
    return ratio, points, status


def add_points(lines) -> float:
    """The total of the lines' points, rounded to 0.01 (added one by one, left to right)."""
    total = 0.0
    for line in lines:
        total += line[2]
    return round(total, 2)


def score(definition: dict, values: dict) -> tuple[float, str, list]:
    """(total, grade, lines) of one customer: `values` maps indicator code → actual (None or
    absent: missing). Lines are [actual, ratio, points, status] in the definition's order."""
    lines = [line_scorer(standard=ind["standard"], effective_weight=ind["effective_weight"],
                         direction=ind["direction"], cap=ind["cap"])(values.get(ind["code"]))
             for ind in definition["indicators"]]
    total = add_points(lines)
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
