"""Writes of evaluation and classification: scoring models, values entered by hand, the run
(score every customer, propose classes), approving and refusing proposals, the rules.

The run (`evaluate`, job "evaluation" nightly; on demand from the page, the API and
`outletcrm classify`) reads each source's values set-based — one GROUP BY per source for all
customers, or for the changed ones — scores in Python (scoring.py), writes the evaluations
in bulk upserts and the proposals in bulk. A run of changed customers takes the customers
whose orders, payments, archive record or hand-entered values changed since the last run
started, and scores only those; the nightly run scores everyone (the 12-month window and the
days since the last order move for everyone every day, and the Pareto cut-offs move with the
whole company).

Classification (brief §3: "ABC … with a scientific, dynamic re-classification mechanism"):
  ABC from behaviour: customers ranked by order value over the last 12 months; those who
  together make the first `a_share` % of the company's value are A, up to `b_share` % B, the
  rest C (Pareto, brief §2 "80 % of profit comes from 20 % of customers"); no order for
  `recency_days` days: at most C. Customers with neither orders in 12 months nor an ABC class
  (prospects) get no ABC proposal.
  Class (key / ordinary / potential) from the model: the grade band's class.
A change is proposed (one pending proposal per customer, updated as the data changes, withdrawn
when the data no longer supports it) and waits for the supervisor, or is applied at once when
the administrator chose so; applying goes through customers.services.customers_set_classes,
which keeps it in the customer's history with the reason. A change refused in the last
REFUSAL_QUIET_DAYS days is not proposed again.
"""

import datetime
import json
import time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.core import scoping
from outletcrm.customers.choices import ClassScheme
from outletcrm.customers.models import Customer, CustomerClass
from outletcrm.customers.services import customers_set_classes
from outletcrm.evaluation import bulk, scoring, sources
from outletcrm.evaluation.choices import Dimension, Direction, ProposalStatus, RunKind
from outletcrm.evaluation.models import (
    ClassificationSettings,
    ClassProposal,
    Evaluation,
    EvaluationRun,
    GradeBand,
    Indicator,
    ManualValue,
    ScoringModel,
    ScoringModelVersion,
)

BATCH = 2000
REFUSAL_QUIET_DAYS = 90
MAX_INDICATORS = 40
MAX_BANDS = 10
MAX_NUMBER = Decimal("99999999999999")

APPROVED_NOTE = gettext_lazy(
    "Class changed by dynamic classification, approved: %(reason)s")
APPLIED_NOTE = gettext_lazy(
    "Class changed by dynamic classification, applied automatically: %(reason)s")
REASON = gettext_lazy(
    "score %(total)s, grade %(grade)s; order value ¥%(value)s over 12 months in %(orders)s "
    "orders, last order %(last)s")


# --- scoring models ---------------------------------------------------------------------------

def _decimal(value, *, field: str, errors: list, row: str) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        errors.append(_("%(row)s: %(field)s must be a number.") % {"row": row, "field": field})
        return None
    if not number.is_finite() or abs(number) > MAX_NUMBER:
        errors.append(_("%(row)s: %(field)s is out of range.") % {"row": row, "field": field})
        return None
    return number.quantize(Decimal("0.01"))


def _clean_indicators(rows) -> tuple[list[Indicator], list[str]]:
    """Indicator rows checked one by one; every problem named with its row."""
    errors: list[str] = []
    if not isinstance(rows, list) or not rows:
        return [], [_("A model needs at least one indicator.")]
    if len(rows) > MAX_INDICATORS:
        return [], [_("A model has at most %(count)s indicators.") % {"count": MAX_INDICATORS}]
    indicators, codes = [], set()
    for number, row in enumerate(rows, start=1):
        label = _("Indicator %(number)s") % {"number": number}
        if not isinstance(row, dict):
            errors.append(_("%(row)s: not an indicator.") % {"row": label})
            continue
        name = str(row.get("name") or "").strip()[:80]
        code = slugify(str(row.get("code") or "").strip())[:40] or slugify(
            str(row.get("source_key") or ""))[:40]
        if not name:
            errors.append(_("%(row)s: give it a name.") % {"row": label})
        if not code:
            errors.append(_("%(row)s: give it a code (letters, digits, -, _).") % {"row": label})
        elif code in codes:
            errors.append(_("%(row)s: the code “%(code)s” is used twice.") % {
                "row": label, "code": code})
        codes.add(code)
        source = sources.get_source(str(row.get("source") or ""))
        key = str(row.get("source_key") or "").strip()
        if source is None:
            errors.append(_("%(row)s: unknown source; choose one of %(sources)s.") % {
                "row": label, "sources": ", ".join(s.name for s in sources.all_sources())})
        elif source.keys is not None and key not in source.keys:
            errors.append(_("%(row)s: the source offers no value “%(key)s”; choose one of "
                            "%(keys)s.") % {"row": label, "key": key[:60],
                                            "keys": ", ".join(source.keys)})
        elif source.keys is None and (not key or slugify(key) != key or len(key) > 60):
            errors.append(_("%(row)s: name the value entered by hand with letters, digits, "
                            "- or _.") % {"row": label})
        dimension = str(row.get("dimension") or Dimension.OTHER)
        if dimension not in Dimension.values:
            errors.append(_("%(row)s: unknown dimension.") % {"row": label})
        direction = str(row.get("direction") or Direction.HIGHER)
        if direction not in Direction.values:
            errors.append(_("%(row)s: the direction is “higher” or “lower”.") % {"row": label})
        weight = _decimal(row.get("weight"), field=_("the weight"), errors=errors, row=label)
        if weight is not None and not (0 <= weight <= 1000):
            errors.append(_("%(row)s: the weight is between 0 and 1000.") % {"row": label})
        standard = _decimal(row.get("standard"), field=_("the standard value"), errors=errors,
                            row=label)
        if standard is not None and standard <= 0:
            errors.append(_("%(row)s: the standard value must be more than 0 (points are the "
                            "actual value's ratio to it). For a lower-is-better indicator give "
                            "the largest acceptable value, e.g. 30 days overdue.") % {"row": label})
        cap = _decimal(row.get("cap", "1"), field=_("the cap"), errors=errors, row=label)
        if cap is not None and not (1 <= cap <= 3):
            errors.append(_("%(row)s: the cap is between 1 and 3 (times the standard).")
                          % {"row": label})
        indicators.append(Indicator(
            code=code, name=name, dimension=dimension, source=source.name if source else "",
            source_key=key[:60], weight=weight or 0, standard=standard or 0,
            direction=direction, cap=cap or 1, unit=str(row.get("unit") or "")[:20],
            sort_order=number))
    if not errors and sum(i.weight for i in indicators) <= 0:
        errors.append(_("At least one indicator needs a weight above 0."))
    return indicators, errors


def _clean_bands(rows) -> tuple[list[GradeBand], list[str]]:
    errors: list[str] = []
    if not isinstance(rows, list) or not rows:
        return [], [_("A model needs at least one grade band.")]
    if len(rows) > MAX_BANDS:
        return [], [_("A model has at most %(count)s grade bands.") % {"count": MAX_BANDS}]
    classes = {c.pk: c for c in CustomerClass.objects.filter(scheme=ClassScheme.IMPORTANCE)}
    by_code = {c.code: c for c in classes.values()}
    bands, grades, bounds = [], set(), set()
    for number, row in enumerate(rows, start=1):
        label = _("Grade band %(number)s") % {"number": number}
        if not isinstance(row, dict):
            errors.append(_("%(row)s: not a grade band.") % {"row": label})
            continue
        grade = str(row.get("grade") or "").strip()[:20]
        if not grade:
            errors.append(_("%(row)s: give the grade a name.") % {"row": label})
        elif grade in grades:
            errors.append(_("%(row)s: the grade “%(grade)s” is used twice.") % {
                "row": label, "grade": grade})
        grades.add(grade)
        low = _decimal(row.get("min_score"), field=_("the lower score"), errors=errors, row=label)
        if low is not None:
            if not (0 <= low <= 300):
                errors.append(_("%(row)s: the lower score is between 0 and 300.") % {"row": label})
            elif low in bounds:
                errors.append(_("%(row)s: two bands start at %(score)s.") % {
                    "row": label, "score": low})
            bounds.add(low)
        chosen = row.get("customer_class")
        klass = None
        if chosen not in (None, ""):
            if isinstance(chosen, CustomerClass):
                chosen = chosen.pk
            klass = by_code.get(str(chosen))
            if klass is None:
                try:
                    klass = classes.get(int(chosen))
                except (TypeError, ValueError):
                    klass = None
            if klass is None:
                errors.append(_("%(row)s: unknown class (choose key, ordinary or potential).")
                              % {"row": label})
        bands.append(GradeBand(grade=grade, min_score=low or 0, customer_class=klass))
    return sorted(bands, key=lambda b: -b.min_score), errors


def definition_of(scoring_model: ScoringModel) -> dict:
    """The model's definition as stored with each version (see ScoringModelVersion)."""
    indicators = list(scoring_model.indicators.all())
    bands = list(scoring_model.bands.select_related("customer_class"))
    weights = scoring.effective_weights([i.weight for i in indicators])
    total = sum((i.weight for i in indicators), Decimal(0))
    return {
        "indicators": [{
            "code": i.code, "name": i.name, "dimension": i.dimension, "source": i.source,
            "source_key": i.source_key, "unit": i.unit, "direction": i.direction,
            "weight": str(i.weight), "effective_weight": w, "standard": str(i.standard),
            "cap": str(i.cap)} for i, w in zip(indicators, weights, strict=True)],
        "bands": [{"grade": b.grade, "min_score": str(b.min_score),
                   "customer_class": b.customer_class_id} for b in bands],
        "weights_total": str(total),
        "normalised": total != 100,
    }


@transaction.atomic
def scoring_model_save(*, actor, scoring_model: ScoringModel | None = None, name: str,
                       description: str = "", is_active: bool = False, indicators,
                       bands) -> ScoringModel:
    """Create or redefine a scoring model, all or nothing.

    Weights need not sum to 100: they are scaled to 100 in proportion (decision: a model
    whose weights sum to 80 is accepted and shown with its weights as entered and as they
    count). Rejected, with every problem named: no indicators or bands, a standard value of 0
    or less, an unknown source or value, weights all 0, a cap outside 1–3, repeated codes,
    grades or band bounds.
    """
    if not scoping.can_manage_scoring_models(actor):
        raise PermissionDenied(_("Only administrators define scoring models."))
    errors: dict[str, list[str]] = {}
    name = str(name or "").strip()[:80]
    if not name:
        errors["name"] = [_("Give the model a name.")]
    elif ScoringModel.objects.filter(name=name).exclude(
            pk=getattr(scoring_model, "pk", None)).exists():
        errors["name"] = [_("Another model has this name.")]
    cleaned, problems = _clean_indicators(indicators)
    if problems:
        errors["indicators"] = problems
    cleaned_bands, problems = _clean_bands(bands)
    if problems:
        errors["bands"] = problems
    if errors:
        raise ValidationError(errors)
    if is_active:
        ScoringModel.objects.filter(is_active=True).exclude(
            pk=getattr(scoring_model, "pk", None)).update(is_active=False)
    if scoring_model is None:
        scoring_model = ScoringModel.objects.create(
            name=name, description=str(description or "")[:300], is_active=bool(is_active),
            updated_by=actor)
    else:
        scoring_model = ScoringModel.objects.select_for_update().get(pk=scoring_model.pk)
        scoring_model.name = name
        scoring_model.description = str(description or "")[:300]
        scoring_model.is_active = bool(is_active)
        scoring_model.version += 1
        scoring_model.updated_by = actor
        scoring_model.save()
        scoring_model.indicators.all().delete()
        scoring_model.bands.all().delete()
    for indicator in cleaned:
        indicator.scoring_model = scoring_model
    for band in cleaned_bands:
        band.scoring_model = scoring_model
    Indicator.objects.bulk_create(cleaned)
    GradeBand.objects.bulk_create(cleaned_bands)
    ScoringModelVersion.objects.create(scoring_model=scoring_model,
                                       version=scoring_model.version,
                                       definition=definition_of(scoring_model))
    return scoring_model


def current_version(scoring_model: ScoringModel) -> ScoringModelVersion:
    """The stored definition of the model's current version (made if missing)."""
    version = ScoringModelVersion.objects.filter(scoring_model=scoring_model,
                                                 version=scoring_model.version).first()
    if version is None:
        version = ScoringModelVersion.objects.create(
            scoring_model=scoring_model, version=scoring_model.version,
            definition=definition_of(scoring_model))
    return version


@transaction.atomic
def scoring_model_delete(*, actor, scoring_model: ScoringModel) -> None:
    if not scoping.can_manage_scoring_models(actor):
        raise PermissionDenied(_("Only administrators define scoring models."))
    if scoring_model.is_active:
        raise ValidationError(_("The model used for classification cannot be deleted; make "
                                "another one the used one first."))
    Evaluation.objects.filter(scoring_model=scoring_model).delete()
    scoring_model.delete()


# --- values entered by hand ---------------------------------------------------------------------

def manual_keys() -> dict[str, str]:
    """Keys of the hand-entered indicators of every model, with an indicator's name."""
    keys = {}
    for key, name in Indicator.objects.filter(source="manual").values_list("source_key", "name"):
        keys.setdefault(key, name)
    return keys


@transaction.atomic
def manual_value_set(*, actor, customer: Customer, key: str, value) -> ManualValue | None:
    """Enter (or, with an empty value, clear) a customer's value of a hand-entered indicator.
    The customer is in the actor's scope (the caller fetched it through the scope)."""
    if not scoping.can_enter_evaluation_values(actor):
        raise PermissionDenied(_("You may not enter evaluation values."))
    if key not in manual_keys():
        raise ValidationError({"key": [_("No model has an indicator entered by hand with this "
                                         "name.")]})
    if value in (None, ""):
        ManualValue.objects.filter(customer=customer, key=key).delete()
        # The customer's record is touched so the next run of changed customers rescores it.
        Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now())
        return None
    errors: list[str] = []
    number = _decimal(value, field=_("the value"), errors=errors, row=key)
    if errors:
        raise ValidationError({"value": errors})
    if number < 0:
        raise ValidationError({"value": [_("The value cannot be negative.")]})
    entry, _created = ManualValue.objects.update_or_create(
        customer=customer, key=key, defaults={"value": number, "entered_by": actor})
    return entry


# --- the run --------------------------------------------------------------------------------------

def _settings_stamp(rules: ClassificationSettings) -> str:
    return f"{rules.a_share}/{rules.b_share}/{rules.recency_days}/{int(rules.auto_apply)}"


def _changed_customers(since, used_sources) -> set[int]:
    changed: set[int] = set()
    for name in {"archive", "orders", *used_sources}:
        source = sources.get_source(name)
        if source is not None and source.changed is not None:
            changed.update(source.changed(since))
    return changed


def _abc_classes() -> list[CustomerClass]:
    """The A, B and C classes: the ABC scheme's first three active classes in their order."""
    classes = list(CustomerClass.objects.filter(scheme=ClassScheme.ABC, is_active=True)
                   .order_by("sort_order", "pk")[:3])
    return classes if len(classes) == 3 else []


def pareto_cuts(values: list, a_share: int, b_share: int) -> tuple[Decimal, Decimal, Decimal]:
    """(total, A cut, B cut): the smallest value still inside the first a_share % (b_share %)
    of the total, customers ranked by value, largest first. Zero values never count."""
    values = sorted((v for v in values if v and v > 0), reverse=True)
    total = sum(values, Decimal(0)) if values and isinstance(values[0], Decimal) else sum(values)
    a_cut = b_cut = None
    running = 0
    for value in values:
        share_before = running * 100 / total if total else 0
        if share_before < a_share:
            a_cut = value
        if share_before < b_share:
            b_cut = value
        else:
            break
        running += value
    inf = Decimal("Infinity")
    return total, a_cut if a_cut is not None else inf, b_cut if b_cut is not None else inf


def _propose_abc(value, last_order, day, rules, cuts, abc) -> CustomerClass | None:
    a, b, c = abc
    if last_order is None or (day - last_order).days > rules.recency_days:
        return c
    if value >= cuts[1]:
        return a
    if value >= cuts[2]:
        return b
    return c


def evaluate(*, day: datetime.date | None = None, full: bool | None = None, actor=None,
             customer_ids=None) -> EvaluationRun:
    """Score customers with the active model and propose class changes (see the module).

    `full` None: everyone if the model, the rules or nothing ran before, else only the
    customers changed since the last run started; `customer_ids`: exactly those customers
    (the "re-score" button).
    """
    day = day or timezone.localdate()
    started = time.perf_counter()
    started_at = timezone.now()
    scoring_model = ScoringModel.objects.filter(is_active=True).first()
    if scoring_model is None:
        raise ValidationError(_("No scoring model is used for classification; an "
                                "administrator makes one the used one."))
    version = current_version(scoring_model)
    definition = version.definition
    rules = ClassificationSettings.current()
    stamp = _settings_stamp(rules)
    last = EvaluationRun.objects.filter(scoring_model=scoring_model).order_by(
        "-started_at", "-pk").first()
    if customer_ids is not None:
        kind = RunKind.CHANGES
        targets = set(customer_ids)
    else:
        if full is None:
            full = (last is None or last.model_version != scoring_model.version
                    or last.settings_stamp != stamp)
        kind = RunKind.FULL if full else RunKind.CHANGES
        used = {i["source"] for i in definition["indicators"]}
        targets = None if full else _changed_customers(last.started_at, used)
    live = Customer.objects.filter(archived_at__isnull=True)
    if targets is not None:
        ids = sorted(targets)
        rows = []
        for start in range(0, len(ids), sources.IN_CHUNK):
            rows.extend(live.filter(pk__in=ids[start:start + sources.IN_CHUNK]).values_list(
                "pk", "team_id", "customer_class_id", "abc_class_id"))
        scope_ids = [r[0] for r in rows]
    else:
        rows = list(live.values_list("pk", "team_id", "customer_class_id", "abc_class_id")
                    .order_by("pk").iterator(10000))
        scope_ids = None
    run = EvaluationRun.objects.create(
        kind=kind, day=day, started_at=started_at, scoring_model=scoring_model,
        model_version=scoring_model.version, settings_stamp=stamp,
        started_by=actor if getattr(actor, "pk", None) else None,
        since=last.started_at if last is not None and kind == RunKind.CHANGES else None)
    if rows:
        behaviour = sources.order_behaviour(day, scope_ids)
        values = _indicator_values(definition, day, scope_ids, behaviour)
        evaluations = _score_and_store(rows, definition, version, scoring_model, values,
                                       behaviour, day, started_at)
        if kind == RunKind.FULL and targets is None:
            Evaluation.objects.filter(scoring_model=scoring_model,
                                      customer__archived_at__isnull=False).delete()
        counts = _classify(run, rows, evaluations, rules, day, actor,
                           everyone=kind == RunKind.FULL and targets is None)
        run.customers = len(rows)
        run.proposed, run.applied, run.withdrawn = counts
    run.seconds = round(time.perf_counter() - started, 3)
    run.save(update_fields=["customers", "proposed", "applied", "withdrawn", "seconds"])
    return run


def _indicator_values(definition, day, customer_ids, behaviour) -> dict[str, dict]:
    """{indicator code: {customer_id: actual}}: one read per source for all its keys."""
    keys_by_source: dict[str, set[str]] = {}
    for ind in definition["indicators"]:
        keys_by_source.setdefault(ind["source"], set()).add(ind["source_key"])
    by_source: dict[str, dict] = {}
    for name, keys in keys_by_source.items():
        source = sources.get_source(name)
        if source is None:  # a source no longer registered: its indicators are missing
            by_source[name] = {}
        elif name == "orders":
            by_source[name] = sources.order_values(sorted(keys), day, customer_ids, behaviour)
        else:
            by_source[name] = source.values(sorted(keys), day, customer_ids)
    return {ind["code"]: by_source.get(ind["source"], {}).get(ind["source_key"], {})
            for ind in definition["indicators"]}


EVALUATION_COLUMNS = ["customer", "scoring_model", "model_version", "total", "grade", "lines",
                      "value_12m", "orders_12m", "last_order", "computed_on", "computed_at"]


def _score_and_store(rows, definition, version, scoring_model, values, behaviour, day,
                     now) -> dict[int, tuple]:
    """Score every customer of `rows`, upsert their evaluations; {customer: (total, band,
    value, orders, last order)}.

    The hot loop of the run (100,000 customers × every indicator): each indicator's scorer is
    built once and applied to a chunk of customers at a time; rows are handed to the bulk
    upsert already in the database's terms (constants adapted once, not per row)."""
    scorers = [(values.get(ind["code"], {}).get, _memo_line(scoring.line_scorer(
        standard=ind["standard"], effective_weight=ind["effective_weight"],
        direction=ind["direction"], cap=ind["cap"]))) for ind in definition["indicators"]]
    bands = [(float(band["min_score"]), band) for band in definition["bands"]]
    as_date = bulk.date_adapter()
    model_pk, version_pk = scoring_model.pk, version.pk
    day_value = as_date(day)
    now_value = bulk.datetime_adapter()(now)
    zero = Decimal("0.00")
    results = {}

    def records():
        ids = [row[0] for row in rows]
        for start in range(0, len(ids), bulk.CHUNK):
            chunk = ids[start:start + bulk.CHUNK]
            columns = [[line(get(cid)) for cid in chunk] for get, line in scorers]
            for customer_id, scored in zip(chunk, zip(*columns, strict=True), strict=True):
                total = scoring.add_points(line for line, _json in scored)
                band = next((band for low, band in bands if total >= low), None)
                value, orders, last_day = behaviour.get(customer_id) or (zero, 0, None)
                results[customer_id] = (total, band, value, orders, last_day)
                # The lines' JSON, as json.dumps writes the list of lines, from each line's.
                lines_json = "[" + ", ".join(text for _line, text in scored) + "]"
                yield (customer_id, model_pk, version_pk, Decimal(str(total)),
                       band["grade"] if band else "", lines_json, value, orders,
                       None if last_day is None else as_date(last_day), day_value, now_value)

    with transaction.atomic():
        bulk.upsert(Evaluation, EVALUATION_COLUMNS, records(), prepared=True,
                    conflict=["customer", "scoring_model"], update=EVALUATION_COLUMNS[2:])
    return results


def _memo_line(line):
    """`line` remembering its answers, each with its JSON text: many actual values repeat
    across customers (counts, days, percentages, hand-entered marks), so most lines are
    scored and written out once."""
    known: dict = {}

    def remembered(actual):
        try:
            return known[actual]
        except KeyError:
            scored = line(actual)
            answer = known[actual] = (scored, json.dumps(scored))
            return answer
        except TypeError:  # not hashable: not remembered
            scored = line(actual)
            return scored, json.dumps(scored)

    return remembered


def _pareto_values(run, evaluations, full: bool) -> list[Decimal]:
    """The 12-month order values the Pareto cut-offs rank: every live customer's. A full run
    has just scored all of them (and removed the archived ones' evaluations); a run of changed
    customers reads them (one column, without the ORM's per-row conversion)."""
    if full:
        return [value for _total, _band, value, _orders, _last in evaluations.values()
                if value > 0]
    from django.db import connection

    sql = ("SELECT e.value_12m FROM evaluation_evaluation e JOIN customers_customer c "
           "ON c.id = e.customer_id WHERE e.scoring_model_id = %s AND c.archived_at IS NULL "
           "AND e.value_12m > 0")
    with connection.cursor() as cursor:
        cursor.execute(sql, [run.scoring_model_id])
        found = [row[0] for row in cursor.fetchall()]
    # SQLite hands back the stored numbers as floats: the cents as the ORM would read them.
    return [v if isinstance(v, Decimal) else Decimal(f"{v:.2f}") for v in found]


def _classify(run, rows, evaluations, rules, day, actor, *, everyone: bool
              ) -> tuple[int, int, int]:
    """Proposals for the scored customers; (proposed, applied, withdrawn). `everyone`: the
    run scored every live customer."""
    abc = _abc_classes()
    cuts = pareto_cuts(_pareto_values(run, evaluations, everyone), rules.a_share,
                       rules.b_share)
    model_name = run.scoring_model.name if run.scoring_model else ""
    common = {
        "model": model_name,
        "a_cut": str(cuts[1]) if cuts[1].is_finite() else None,
        "b_cut": str(cuts[2]) if cuts[2].is_finite() else None,
        "a_share": rules.a_share, "b_share": rules.b_share,
        "recency_days": rules.recency_days,
    }
    wanted: dict[int, tuple] = {}
    for customer_id, team_id, class_id, abc_id in rows:
        total, band, value, orders, last_day = evaluations[customer_id]
        change = {}
        target_class = band["customer_class"] if band else None
        if target_class is not None and target_class != class_id:
            change["customer_class"] = target_class
        if abc and (orders or abc_id is not None):
            target_abc = _propose_abc(value, last_day, day, rules, cuts, abc)
            if target_abc.pk != abc_id:
                change["abc_class"] = target_abc.pk
        if not change:
            wanted[customer_id] = (change, None, class_id, abc_id, team_id)
            continue
        facts = {
            "model": model_name, "total": total, "grade": band["grade"] if band else "",
            "value_12m": str(value), "orders_12m": orders,
            "last_order": last_day.isoformat() if last_day else None,
            "days_since": (day - last_day).days if last_day else None,
            **common,
        }
        wanted[customer_id] = (change, facts, class_id, abc_id, team_id)
    return _write_proposals(run, wanted, rules, actor, everyone=everyone)


PROPOSAL_FIELDS = ["from_class", "from_abc", "change_class", "to_class", "change_abc", "to_abc",
                   "facts", "run", "status", "decided_at"]


def _write_proposals(run, wanted, rules, actor, *, everyone: bool) -> tuple[int, int, int]:
    """Insert, update or withdraw each scored customer's pending proposal: plain rows in and
    out (no model instance per proposal), written by compiled bulk statements."""
    pending: dict[int, int] = {}  # customer → its pending proposal
    refused: set[tuple] = set()
    quiet = timezone.now() - datetime.timedelta(days=REFUSAL_QUIET_DAYS)
    # A run of everyone reads all pending and recently refused proposals at once; a run of
    # some customers reads theirs, a chunk of ids at a time.
    chunks = [None] if everyone else [
        list(wanted)[start:start + sources.IN_CHUNK]
        for start in range(0, len(wanted), sources.IN_CHUNK)]
    for chunk in chunks:
        proposals = ClassProposal.objects.order_by()
        if chunk is not None:
            proposals = proposals.filter(customer_id__in=chunk)
        pending.update((cid, pk) for pk, cid in proposals.filter(
            status=ProposalStatus.PENDING).values_list("pk", "customer_id"))
        for cid, to_class, change_class, to_abc, change_abc in proposals.filter(
                status=ProposalStatus.REFUSED, decided_at__gte=quiet).values_list(
                    "customer_id", "to_class_id", "change_class", "to_abc_id", "change_abc"):
            refused.add((cid, to_class if change_class else "-", to_abc if change_abc else "-"))
    now = timezone.now()
    as_json = bulk.json_adapter()
    as_datetime = bulk.datetime_adapter()
    now_value = as_datetime(now)
    status = (ProposalStatus.APPLIED if rules.auto_apply else ProposalStatus.PENDING).value
    decided_at = now_value if rules.auto_apply else None
    new, updated, withdrawn, to_apply, new_teams = [], [], [], [], {}
    for customer_id, (change, facts, from_class, from_abc, team_id) in wanted.items():
        existing = pending.get(customer_id)
        if not change or (customer_id, change.get("customer_class", "-"),
                          change.get("abc_class", "-")) in refused:
            if existing is not None:
                withdrawn.append(existing)
            continue
        change_class = "customer_class" in change
        to_class = change.get("customer_class", from_class)
        change_abc = "abc_class" in change
        to_abc = change.get("abc_class", from_abc)
        values = [from_class, from_abc, change_class, to_class, change_abc, to_abc,
                  as_json(facts), run.pk, status, decided_at]
        if existing is not None:
            updated.append([*values, existing])
        else:
            new.append([customer_id, now_value, "", *values])
            if team_id:
                new_teams[team_id] = new_teams.get(team_id, 0) + 1
        if rules.auto_apply:
            to_apply.append(ClassProposal(
                customer_id=customer_id, change_class=change_class, to_class_id=to_class,
                change_abc=change_abc, to_abc_id=to_abc, facts=facts))

    with transaction.atomic():
        for start in range(0, len(withdrawn), sources.IN_CHUNK):
            ClassProposal.objects.filter(pk__in=withdrawn[start:start + sources.IN_CHUNK]).update(
                status=ProposalStatus.WITHDRAWN, decided_at=now)
        bulk.update_by_pk(ClassProposal, PROPOSAL_FIELDS, updated, prepared=True)
        bulk.upsert(ClassProposal, ["customer", "proposed_at", "note", *PROPOSAL_FIELDS], new,
                    prepared=True, conflict=[], update=[])
        if to_apply:
            _apply(to_apply, actor=None, note=APPLIED_NOTE)
    if not rules.auto_apply and new:
        transaction.on_commit(lambda: _notify_supervisors(run, new_teams))
    return len(new) + len(updated), len(to_apply), len(withdrawn)


def reason_params(facts: dict) -> dict:
    """The history note's parameters: the facts a proposal was made on."""
    from outletcrm.core import i18n

    return {"reason": i18n.message(REASON, {
        "total": facts.get("total"), "grade": facts.get("grade") or "–",
        "value": facts.get("value_12m"), "orders": facts.get("orders_12m"),
        "last": facts.get("last_order") or "–"})}


def _apply(proposals, *, actor, note) -> int:
    classes = {c.pk: c for c in CustomerClass.objects.all()}
    changes = []
    facts_of = {}
    for p in proposals:
        fields = {}
        if p.change_class:
            fields["customer_class"] = classes.get(p.to_class_id)
        if p.change_abc:
            fields["abc_class"] = classes.get(p.to_abc_id)
        changes.append((p.customer_id, fields))
        facts_of[p.customer_id] = p.facts
    return customers_set_classes(actor=actor, changes=changes, note=note,
                                 note_params_of=lambda cid: reason_params(facts_of[cid]))


def _notify_supervisors(run, teams: dict[int, int]) -> None:
    """One notification per supervisor whose team has new proposals in this run ({team:
    count of the team's customers with a new proposal})."""
    from django.urls import reverse

    from outletcrm.notifications.services import notify
    from outletcrm.org.models import Role, User

    link = reverse("evaluation:proposals")
    for sup in User.objects.filter(role=Role.SUPERVISOR, is_active=True, team_id__in=list(teams)):
        notify(user=sup, kind="evaluation.proposals",
               title=gettext_lazy("%(count)s class changes wait for your approval"),
               params={"count": teams[sup.team_id]}, link=link,
               dedupe_key=f"class-proposals:{run.pk}:{sup.pk}")


# --- deciding a proposal ----------------------------------------------------------------------

@transaction.atomic
def proposal_approve(*, actor, proposal: ClassProposal, note: str = "") -> ClassProposal:
    """Apply a pending proposal (the supervisor's approval), with its reason in the history."""
    proposal = ClassProposal.objects.select_for_update().select_related("customer").get(
        pk=proposal.pk)
    _check_decidable(actor, proposal)
    customer = proposal.customer
    if ((proposal.change_class and customer.customer_class_id != proposal.from_class_id)
            or (proposal.change_abc and customer.abc_class_id != proposal.from_abc_id)):
        raise ValidationError(_("The customer's class was changed since this was proposed; "
                                "the next evaluation run proposes again."))
    _apply([proposal], actor=actor, note=APPROVED_NOTE)
    proposal.status = ProposalStatus.APPROVED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.note = str(note or "")[:300]
    proposal.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return proposal


@transaction.atomic
def proposal_refuse(*, actor, proposal: ClassProposal, note: str = "") -> ClassProposal:
    """Refuse a pending proposal; the same change is not proposed again for 90 days."""
    proposal = ClassProposal.objects.select_for_update().select_related("customer").get(
        pk=proposal.pk)
    _check_decidable(actor, proposal)
    note = str(note or "").strip()[:300]
    if not note:
        raise ValidationError({"note": [_("Say why the change is refused.")]})
    proposal.status = ProposalStatus.REFUSED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.note = note
    proposal.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return proposal


def _check_decidable(actor, proposal: ClassProposal) -> None:
    if not scoping.can_approve_class_change(actor, proposal.customer):
        raise PermissionDenied(_("Only the customer's supervisor, manager or an administrator "
                                 "decides class changes."))
    if proposal.status != ProposalStatus.PENDING:
        raise ValidationError(_("This proposal was already decided."))


def proposals_apply_all(*, actor=None, proposals) -> int:
    """Apply many pending proposals at once (`outletcrm classify --apply`)."""
    proposals = list(proposals.filter(status=ProposalStatus.PENDING))
    if not proposals:
        return 0
    with transaction.atomic():
        _apply(proposals, actor=actor, note=APPLIED_NOTE if actor is None else APPROVED_NOTE)
        now = timezone.now()
        for p in proposals:
            p.status = ProposalStatus.APPLIED if actor is None else ProposalStatus.APPROVED
            p.decided_at = now
            p.decided_by = actor
        ClassProposal.objects.bulk_update(proposals, ["status", "decided_at", "decided_by"],
                                          batch_size=BATCH)
    return len(proposals)


# --- the rules --------------------------------------------------------------------------------

@transaction.atomic
def settings_save(*, actor, **fields) -> ClassificationSettings:
    if not scoping.can_manage_scoring_models(actor):
        raise PermissionDenied(_("Only administrators change the classification rules."))
    rules = ClassificationSettings.current()
    for key, value in fields.items():
        if key not in {"auto_apply", "a_share", "b_share", "recency_days"}:
            raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": key})
        setattr(rules, key, value)
    rules.updated_by = actor
    rules.full_clean(exclude=["updated_by"])
    rules.save()
    return rules


def last_run_at():
    return EvaluationRun.objects.aggregate(last=Max("started_at"))["last"]
