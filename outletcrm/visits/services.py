"""Writes for plans and visits. Pages, the mobile app, the API and offline sync call these."""

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.core import i18n, params, scoping
from outletcrm.core.chinese_dates import due_date_in
from outletcrm.core.timeline import timeline_add
from outletcrm.customers.dedupe import haversine_m
from outletcrm.customers.models import Customer
from outletcrm.customers.services import customer_update
from outletcrm.customers.validators import validate_latitude, validate_longitude
from outletcrm.orders.models import Product
from outletcrm.orders.services import order_create
from outletcrm.org.models import User
from outletcrm.visits import kpi_summary
from outletcrm.visits.choices import (
    HARD_TERMINAL,
    ORIGIN_RANK,
    SOFT_TERMINAL,
    StopOrigin,
    TaskKind,
    VisitKind,
    VisitStatus,
)
from outletcrm.visits.models import (
    COUNTED_ORIGINS,
    CompetitorSighting,
    DailyPlan,
    FollowUpTask,
    PlannedStop,
    PlannedStopAddition,
    StepTemplate,
    StockCheck,
    TaskPostponement,
    Visit,
    VisitKindSetting,
    VisitOrder,
    VisitPhoto,
    VisitStep,
)
from outletcrm.visits.photos import load_image, redact_position_data, watermark

# --- plans -------------------------------------------------------------------------------
# Who adds a customer to a day's plan first never changes what counts (visits/kpis.py, "order
# of events"): the stronger origin holds the stop (ORIGIN_RANK: the route, then the supervisor,
# then the rep) and the weaker additions it took over stay on file (PlannedStopAddition).

def _locked_plan(rep: User, date: datetime.date) -> DailyPlan:
    """The rep's plan for the day, created if needed and locked until the transaction ends,
    so the plan generation and an addition running at the same time take turns."""
    plan, _created = DailyPlan.objects.get_or_create(rep=rep, date=date)
    return DailyPlan.objects.select_for_update().get(pk=plan.pk)


def link_visits(*, rep_ids, date: datetime.date, customer_ids=None) -> int:
    """Point the day's visits at their planned stop, whichever came first (an offline check-in
    uploaded before a stop was added, or after). The KPIs match visits to stops by rep,
    customer and day when they are read; this keeps `planned_stop`/`is_planned` telling the
    same story on the pages."""
    stops = PlannedStop.objects.filter(rep_id=OuterRef("rep_id"), date=OuterRef("date"),
                                       customer_id=OuterRef("customer_id"))
    visits = Visit.objects.filter(rep_id__in=list(rep_ids), date=date)
    if customer_ids is not None:
        visits = visits.filter(customer_id__in=list(customer_ids))
    return visits.update(planned_stop_id=Subquery(stops.values("pk")[:1]),
                         is_planned=Exists(stops.filter(origin__in=COUNTED_ORIGINS)))


def take_over_stops(stops: list[PlannedStop], *, origin: str, actor: User | None,
                    route_ids: dict[int, int] | None = None, now=None) -> list[PlannedStop]:
    """Give existing stops to a stronger origin, keeping their earlier holder on file.

    A released stop (customer handed over or archived) taken over counts again: the one who
    put it back is the supervisor or the route, never the rep.
    """
    now = now or timezone.now()
    PlannedStopAddition.objects.bulk_create(
        PlannedStopAddition(stop=stop, origin=stop.origin, added_by_id=stop.added_by_id,
                            added_at=stop.added_at, superseded_at=now) for stop in stops)
    for stop in stops:
        stop.origin = origin
        stop.added_by = actor
        stop.added_at = now
        stop.route_id = (route_ids or {}).get(stop.pk)
        stop.released_at = None
        stop.release_reason = ""
        stop.release_reason_message = {}
    PlannedStop.objects.bulk_update(stops, ["origin", "added_by", "added_at", "route",
                                            "released_at", "release_reason",
                                            "release_reason_message"])
    return stops


@transaction.atomic
def plan_add_stop(*, actor: User, rep: User, date: datetime.date, customer: Customer) -> PlannedStop:
    """Add a customer to a day's plan: a supervisor's addition counts as planned, a rep's not.

    A supervisor adding a customer the rep had already added takes the stop over (it counts
    from then on; the rep's addition stays on file). A rep adding a customer that is already
    on the plan changes nothing.
    """
    if actor.pk == rep.pk:
        origin = StopOrigin.REP
    elif scoping.can_supervise(actor, rep):
        origin = StopOrigin.SUPERVISOR
    else:
        raise PermissionDenied(_("You cannot change this rep's plan."))
    scoping.ensure_not_borrowed(actor, customer)  # a borrowed customer is read-only (借阅制度)
    if customer.is_archived:
        raise ValidationError({"customer": _("This customer is archived.")})
    earliest, latest = params.plan_window()
    params.check_date_bounds(date, field="date", earliest=earliest, latest=latest)
    if date < timezone.localdate() and origin == StopOrigin.SUPERVISOR:
        raise ValidationError({"date": _("Past plans cannot be extended.")})
    plan = _locked_plan(rep, date)
    stop = PlannedStop.objects.filter(plan=plan, customer=customer).first()
    now = timezone.now()
    if stop is not None:
        stronger = ORIGIN_RANK[origin] > ORIGIN_RANK[stop.origin]
        if origin == StopOrigin.SUPERVISOR and (stronger or stop.released_at is not None):
            take_over_stops([stop], origin=origin, actor=actor, now=now)
            link_visits(rep_ids=[rep.pk], date=date, customer_ids=[customer.pk])
            kpi_summary.refresh(rep_ids=[rep.pk], date_from=date)
            return stop
        raise ValidationError({"customer": _("This customer is already on the plan.")})
    last = plan.stops.aggregate(m=Max("position"))["m"] or 0
    try:
        with transaction.atomic():
            stop = PlannedStop.objects.create(plan=plan, rep=rep, date=date, customer=customer,
                                              position=last + 1, origin=origin, added_by=actor,
                                              added_at=now)
    except IntegrityError:  # added by someone else a moment ago
        raise ValidationError({"customer": _("This customer is already on the plan.")}) from None
    link_visits(rep_ids=[rep.pk], date=date, customer_ids=[customer.pk])
    kpi_summary.refresh(rep_ids=[rep.pk], date_from=date)
    return stop


def release_stops(*, customer: Customer, reason, reason_params: dict | None = None,
                  rep_id: int | None = None, now=None) -> int:
    """Stops of `customer` from today on no longer count unless they are visited.

    Called when the customer is handed to another rep (only the former rep's stops) or
    archived (everyone's). Nobody can visit it for the former rep any more after that day, so
    an unvisited stop must not count against him; a stop he did visit, whenever the check-in
    reaches the server, still counts for him (visits/kpis.py). The reason is the system's text
    (a lazy message and its params), stored language-neutrally (core.i18n).
    """
    text, message = i18n.store(reason, reason_params, max_length=200)
    now = now or timezone.now()
    stops = PlannedStop.objects.filter(customer=customer, date__gte=timezone.localdate(now),
                                       released_at__isnull=True)
    if rep_id is not None:
        stops = stops.filter(rep_id=rep_id)
    touched = set(stops.order_by().values_list("rep_id", "date"))
    count = stops.update(released_at=now, release_reason=text, release_reason_message=message)
    kpi_summary.refresh_pairs(touched)
    return count


def on_owner_changed(sender, *, customer: Customer, old_owner_id, actor=None, **kwargs) -> None:
    """customers.signals.owner_changed: the former owner's stops of the customer are released."""
    if old_owner_id is None:
        return
    release_stops(customer=customer, rep_id=old_owner_id,
                  reason=gettext_lazy("Customer handed over to %(rep)s"),
                  reason_params={"rep": customer.owner})


def on_archived(sender, *, customer: Customer, actor=None, **kwargs) -> None:
    """customers.signals.archived: every rep's stops of the customer are released."""
    release_stops(customer=customer, reason=gettext_lazy("Customer archived"))


@transaction.atomic
def plan_drop_stop(*, actor: User, stop: PlannedStop, reason: str) -> PlannedStop:
    """Drop a stop with a reason. It stays on file and still counts as planned (KPI honesty)."""
    if actor.pk != stop.rep_id and not scoping.can_supervise(actor, stop.rep):
        raise PermissionDenied(_("You cannot change this rep's plan."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for dropping the stop.")})
    if stop.dropped_at:
        raise ValidationError(_("This stop is already dropped."))
    stop.dropped_at = timezone.now()
    stop.drop_reason = reason[:200]
    stop.dropped_by = actor
    stop.save(update_fields=["dropped_at", "drop_reason", "dropped_by"])
    return stop


@transaction.atomic
def plan_reorder(*, actor: User, plan: DailyPlan, stop_ids: list[int]) -> DailyPlan:
    """Put the plan's stops in the given order (all stops, each once)."""
    if actor.pk != plan.rep_id and not scoping.can_supervise(actor, plan.rep):
        raise PermissionDenied(_("You cannot change this rep's plan."))
    current = set(plan.stops.values_list("pk", flat=True))
    try:
        wanted = [int(i) for i in stop_ids]
    except (TypeError, ValueError):
        raise ValidationError({"stops": _("Invalid stop list.")}) from None
    if set(wanted) != current or len(wanted) != len(current):
        raise ValidationError({"stops": _("The new order must list every stop of the plan once.")})
    stops = {s.pk: s for s in plan.stops.all()}
    for position, pk in enumerate(wanted, start=1):
        stops[pk].position = position
    PlannedStop.objects.bulk_update(stops.values(), ["position"])
    return plan


# --- visits ------------------------------------------------------------------------------

def _uuid(value, field="client_id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError({field: _("Invalid client id.")}) from None


def _device_time(value, field: str) -> datetime.datetime:
    """A device timestamp: parsed, aware, not in the future, not older than the offline limit."""
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        try:
            parsed = parse_datetime(value[:64])
        except ValueError:  # well-formed but impossible, e.g. 2026-02-30T10:00
            parsed = None
        if parsed is None:
            raise ValidationError({field: _("Invalid date and time.")})
        value = parsed
    if not isinstance(value, datetime.datetime):
        raise ValidationError({field: _("Invalid date and time.")})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    now = timezone.now()
    if value > now + datetime.timedelta(seconds=settings.DEVICE_CLOCK_TOLERANCE_S):
        raise ValidationError({field: _("The device time is in the future; check the phone's clock.")})
    if value < now - datetime.timedelta(days=settings.OFFLINE_MAX_AGE_DAYS):
        raise ValidationError({field: _("This record is too old to be uploaded.")})
    return value


def _position(lat, lng, field_prefix: str) -> tuple[Decimal | None, Decimal | None]:
    if lat in (None, "") and lng in (None, ""):
        return None, None
    try:
        lat_d, lng_d = Decimal(str(lat)).quantize(Decimal("0.000001")), Decimal(str(lng)).quantize(
            Decimal("0.000001"))
    except Exception:  # noqa: BLE001 - any unparsable number is the same user error
        raise ValidationError({f"{field_prefix}lat": _("Invalid coordinates.")}) from None
    errors = {}
    for value, validator, name in ((lat_d, validate_latitude, "lat"),
                                   (lng_d, validate_longitude, "lng")):
        try:
            validator(value)
        except ValidationError as exc:
            errors[f"{field_prefix}{name}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return lat_d, lng_d


# The largest position accuracy and fix age a phone may report (docs/input-bounds.md).
MAX_ACCURACY_M = 100_000.0
MAX_FIX_AGE_S = 7 * 24 * 3600.0
_NUMBER_MAXIMA = {"accuracy_m": MAX_ACCURACY_M, "fix_age_s": MAX_FIX_AGE_S}


def _non_negative(value, field: str) -> float | None:
    """A finite, non-negative number no larger than the field's maximum, or None."""
    if isinstance(value, list | dict | tuple):
        raise ValidationError({field: _("Enter a number.")})
    return params.parse_number(value, field=field, minimum=0,
                               maximum=_NUMBER_MAXIMA.get(field, params.MAX_ID))


def _distance(customer: Customer, lat, lng) -> float | None:
    if lat is None or customer.latitude is None:
        return None
    return round(haversine_m(lat, lng, customer.latitude, customer.longitude), 1)


def kind_setting(kind: str) -> VisitKindSetting:
    setting = VisitKindSetting.objects.filter(kind=kind).first()
    return setting or VisitKindSetting(kind=kind)


class OpenVisitExists(ValidationError):
    """A check-in refused because the rep already has a visit in progress at that outlet."""

    def __init__(self, visit: Visit):
        self.visit = visit
        super().__init__({"customer": _(
            "You already have a visit in progress at this outlet (checked in at %(time)s). "
            "Check out of it before checking in again.") % {
                "time": timezone.localtime(visit.checked_in_at).strftime("%H:%M")}})


def _open_visit(rep: User, customer: Customer, date: datetime.date) -> Visit | None:
    return Visit.objects.filter(rep=rep, customer=customer, date=date,
                                status=VisitStatus.OPEN).first()


@transaction.atomic
def visit_check_in(
    *, actor: User, customer: Customer, client_id, kind: str = VisitKind.DAY, device_time=None,
    lat=None, lng=None, accuracy_m=None, fix_age_s=None,
) -> tuple[Visit, bool]:
    """Check in at an outlet. A replayed client_id returns the first visit (created=False).

    One rep has at most one visit in progress per outlet and day (a database constraint, so
    two check-ins racing each other cannot both open one): a second check-in there is refused
    with OpenVisitExists until the first is checked out. Whether the visit counts for the KPIs
    (kind, position, review) is decided by visits/kpis.py, not here.
    """
    client_id = _uuid(client_id)
    existing = Visit.objects.filter(client_id=client_id).first()
    if existing:
        if existing.rep_id != actor.pk:
            raise ValidationError({"client_id": _("This client id belongs to another record.")})
        return existing, False
    scoping.ensure_not_borrowed(actor, customer)  # a borrowed customer is read-only (借阅制度)
    if kind not in VisitKind.values:
        raise ValidationError({"kind": _("Unknown visit kind.")})
    if kind == VisitKind.RIDE_ALONG and not scoping.is_field_supervisor(actor):
        raise ValidationError({"kind": _(
            "A ride-along is checked in by the supervisor who goes along. Check in with the "
            "kind of visit you are making.")})
    checked_in_at = _device_time(device_time or timezone.now(), "device_time")
    # A check-in made before the customer was archived still arrives (offline uploads).
    if customer.is_archived and not checked_in_at < customer.archived_at:
        raise ValidationError({"customer": _("This customer is archived.")})
    lat, lng = _position(lat, lng, "")
    if lat is None and kind != VisitKind.PHONE:
        raise ValidationError({"lat": _("A check-in needs the phone's position.")})
    distance = _distance(customer, lat, lng)
    date = timezone.localdate(checked_in_at)
    open_visit = _open_visit(actor, customer, date)
    if open_visit is not None:
        raise OpenVisitExists(open_visit)
    planned = PlannedStop.objects.filter(rep=actor, date=date, customer=customer).first()
    visit = Visit(
        client_id=client_id, rep=actor, customer=customer, kind=kind, date=date,
        planned_stop=planned, is_planned=bool(planned and planned.origin in COUNTED_ORIGINS),
        checked_in_at=checked_in_at, checkin_received_at=timezone.now(),
        checkin_lat=lat, checkin_lng=lng,
        checkin_accuracy_m=_non_negative(accuracy_m, "accuracy_m"),
        checkin_fix_age_s=_non_negative(fix_age_s, "fix_age_s"),
        checkin_distance_m=distance,
        off_site=distance is not None and distance > settings.CHECKIN_RADIUS_M,
    )
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError:
        # Another upload won the race: the same check-in (a replay), or another check-in at
        # the same outlet that is now the open visit.
        replay = Visit.objects.filter(client_id=client_id, rep=actor).first()
        if replay is not None:
            return replay, False
        open_visit = _open_visit(actor, customer, date)
        if open_visit is not None:
            raise OpenVisitExists(open_visit) from None
        raise
    steps = StepTemplate.objects.filter(kind=kind, is_active=True).order_by("position")
    VisitStep.objects.bulk_create(
        VisitStep(visit=visit, position=s.position, title=s.title) for s in steps)
    kpi_summary.refresh(rep_ids=[visit.rep_id], date_from=visit.date)
    return visit, True


def _editable(actor: User, visit: Visit) -> None:
    if visit.rep_id != actor.pk:
        raise PermissionDenied(_("Only the rep who made the visit can record it."))
    if visit.status == VisitStatus.REJECTED:
        raise ValidationError(_("This visit was rejected."))


@transaction.atomic
def visit_record(
    *, actor: User, visit: Visit, notes: str | None = None, steps: dict | None = None,
    hard_terminal: dict | None = None, soft_terminal: dict | None = None,
    next_appointment_at=None, commitments: list[str] | None = None,
) -> Visit:
    """Record what happened: steps done, notes, terminal checklists, next appointment."""
    _editable(actor, visit)
    fields = []
    if notes is not None:
        visit.notes = str(notes)[:5000]
        fields.append("notes")
    for name, value, allowed in (("hard_terminal", hard_terminal, HARD_TERMINAL),
                                 ("soft_terminal", soft_terminal, SOFT_TERMINAL)):
        if value is not None:
            keys = {k for k, _label in allowed}
            if not isinstance(value, dict) or not set(value) <= keys:
                raise ValidationError({name: _("Unknown checklist item.")})
            setattr(visit, name, {k: bool(v) for k, v in value.items()})
            fields.append(name)
    if next_appointment_at:
        if isinstance(next_appointment_at, str):
            from django.utils.dateparse import parse_datetime

            try:
                parsed = parse_datetime(next_appointment_at[:64])
            except ValueError:  # well-formed but impossible, e.g. 2026-02-30T10:00
                parsed = None
            if parsed is None:
                raise ValidationError({"next_appointment_at": _("Invalid date and time.")})
            next_appointment_at = parsed
        if timezone.is_naive(next_appointment_at):
            next_appointment_at = timezone.make_aware(next_appointment_at)
        if next_appointment_at < visit.checked_in_at:
            raise ValidationError({"next_appointment_at": _("The next appointment must be later.")})
        if next_appointment_at > visit.checked_in_at + datetime.timedelta(
                days=params.PLAN_FUTURE_DAYS):
            raise ValidationError({"next_appointment_at": _(
                "The next appointment can be at most %(days)s days ahead.")
                % {"days": params.PLAN_FUTURE_DAYS}})
        visit.next_appointment_at = next_appointment_at
        fields.append("next_appointment_at")
        FollowUpTask.objects.update_or_create(
            source_visit=visit, kind=TaskKind.APPOINTMENT,
            defaults={"rep": visit.rep, "customer": visit.customer,
                      "due_date": timezone.localdate(next_appointment_at),
                      **_task_title(gettext_lazy("Appointment with %(name)s"),
                                    {"name": visit.customer.name})})
    if steps:
        by_position = {s.position: s for s in visit.steps.all()}
        for key, done in steps.items():
            try:
                step = by_position[int(key)]
            except (KeyError, TypeError, ValueError):
                raise ValidationError({"steps": _("Unknown step.")}) from None
            step.done = bool(done)
        VisitStep.objects.bulk_update(by_position.values(), ["done"])
    for text in commitments or []:
        text = str(text).strip()
        if text:
            # "下周二送陈列架" is due next Tuesday from the visit's day; without a date, in a week.
            due = due_date_in(text, visit.date) or visit.date + datetime.timedelta(days=7)
            FollowUpTask.objects.get_or_create(
                source_visit=visit, kind=TaskKind.COMMITMENT, title=text[:200],
                defaults={"rep": visit.rep, "customer": visit.customer, "due_date": due,
                          "created_by": actor})
    if fields:
        visit.save(update_fields=fields)
    return visit


@transaction.atomic
def visit_check_out(*, actor: User, visit: Visit, device_time=None, lat=None, lng=None,
                    accuracy_m=None) -> Visit:
    """Check out; keeps the duration, creates the return visit a home visit calls for."""
    _editable(actor, visit)
    checked_out_at = _device_time(device_time or timezone.now(), "device_time")
    if visit.status == VisitStatus.DONE:
        if visit.checked_out_at == checked_out_at:
            return visit  # a replayed upload of the same check-out
        raise ValidationError(_("This visit is already checked out."))
    if checked_out_at < visit.checked_in_at:
        raise ValidationError({"device_time": _("The check-out time is before the check-in.")})
    lat, lng = _position(lat, lng, "")
    visit.checked_out_at = checked_out_at
    visit.checkout_received_at = timezone.now()
    visit.checkout_lat, visit.checkout_lng = lat, lng
    visit.checkout_accuracy_m = _non_negative(accuracy_m, "accuracy_m")
    visit.checkout_distance_m = _distance(visit.customer, lat, lng)
    visit.duration_s = int((checked_out_at - visit.checked_in_at).total_seconds())
    visit.status = VisitStatus.DONE
    visit.save()
    kpi_summary.refresh(rep_ids=[visit.rep_id], date_from=visit.date)
    setting = kind_setting(visit.kind)
    follow_up_days = setting.follow_up_days
    if follow_up_days is None and visit.kind == VisitKind.HOME:
        follow_up_days = 1  # brief §5: a home visit is followed by a return visit 1–2 days later
    if follow_up_days:
        FollowUpTask.objects.get_or_create(
            source_visit=visit, kind=TaskKind.RETURN_VISIT,
            defaults={"rep": visit.rep, "customer": visit.customer,
                      "due_date": visit.date + datetime.timedelta(days=follow_up_days),
                      **_task_title(gettext_lazy("Return visit to %(name)s"),
                                    {"name": visit.customer.name})})
    timeline_add(
        customer_id=visit.customer_id, kind="visit", at=visit.checked_in_at, actor=actor,
        source=visit, title=gettext_lazy("%(kind)s by %(rep)s, %(minutes)d min"),
        params={"kind": i18n.label(visit, "kind"), "rep": str(actor),
                "minutes": visit.duration_s // 60},
        body=visit.notes[:500],
    )
    return visit


@transaction.atomic
def visit_add_photo(*, actor: User, visit: Visit, upload, client_id, kind: str, taken_at=None,
                    captured_live: bool = True) -> tuple[VisitPhoto, bool]:
    """Store a watermarked field photo; live capture is required where the kind says so."""
    client_id = _uuid(client_id)
    existing = VisitPhoto.objects.filter(client_id=client_id).select_related("visit").first()
    if existing:
        if existing.visit.rep_id != actor.pk:  # a replay is the same rep's, never another's
            raise ValidationError({"client_id": _("This client id belongs to another record.")})
        return existing, False
    _editable(actor, visit)
    from outletcrm.visits.choices import PhotoKind

    if kind not in PhotoKind.values:
        raise ValidationError({"kind": _("Unknown photo kind.")})
    if not captured_live and kind_setting(visit.kind).requires_live_photo:
        raise ValidationError({"image": _("This visit needs photos taken with the camera now, "
                                          "not picked from the album.")})
    taken_at = _device_time(taken_at or timezone.now(), "taken_at")
    image = load_image(upload)
    data = watermark(image, taken_at=taken_at, outlet=visit.customer.name,
                     code=visit.customer.code, distance_m=visit.checkin_distance_m)
    photo = VisitPhoto(client_id=client_id, visit=visit, kind=kind, taken_at=taken_at,
                       captured_live=captured_live)
    photo.image.save(f"{client_id}.jpg", ContentFile(data), save=False)
    photo.save()
    return photo, True


@transaction.atomic
def visit_record_stock(*, actor: User, visit: Visit, rows: list[dict]) -> list[StockCheck]:
    """Record the stock check of our products (one row per product; a new check replaces)."""
    _editable(actor, visit)
    checks = []
    for i, row in enumerate(rows):
        product = Product.objects.filter(pk=row.get("product"), is_competitor=False).first() \
            if str(row.get("product", "")).isascii() and str(row.get("product", "")).isdigit() \
            else None
        if product is None:
            raise ValidationError({f"stock[{i}].product": _("Unknown or unavailable product.")})
        check = StockCheck(visit=visit, product=product, in_stock=bool(row.get("in_stock")),
                           quantity=row.get("quantity") or None,
                           shelf_price=row.get("shelf_price") or None)
        check.full_clean(exclude=["visit"], validate_unique=False)
        checks.append(check)
    StockCheck.objects.filter(visit=visit, product__in=[c.product for c in checks]).delete()
    created = StockCheck.objects.bulk_create(checks)
    kpi_summary.refresh(rep_ids=[visit.rep_id], date_from=visit.date)  # numeric distribution
    return created


@transaction.atomic
def visit_record_sighting(*, actor: User, visit: Visit, brand: str, product_name: str = "",
                          price=None, promotion: str = "", product=None) -> CompetitorSighting:
    """Record a competitor product seen at the outlet."""
    _editable(actor, visit)
    sighting = CompetitorSighting(visit=visit, brand=(brand or "").strip(),
                                  product_name=(product_name or "").strip(),
                                  price=price if price not in ("", None) else None,
                                  promotion=(promotion or "").strip(), product=product)
    sighting.full_clean()
    sighting.save()
    return sighting


@transaction.atomic
def visit_record_order(*, actor: User, visit: Visit, lines: list[dict], client_id,
                       notes: str = "", due_date=None, ordered_at=None):
    """Take an order during the visit; it counts for the success rate (brief §5).

    The order is dated when the device took it (or, failing that, at the visit's check-in),
    never when an offline upload happened to reach the server: a visit synced after midnight
    would otherwise date its order on the next day, after its own payment.
    """
    _editable(actor, visit)
    ordered_at = _device_time(ordered_at, "ordered_at") if ordered_at else visit.checked_in_at
    if ordered_at < visit.checked_in_at:
        ordered_at = visit.checked_in_at
    order, created = order_create(actor=actor, customer=visit.customer, lines=lines,
                                  client_id=client_id, notes=notes, due_date=due_date,
                                  ordered_at=ordered_at)
    VisitOrder.objects.get_or_create(order=order, defaults={"visit": visit})
    kpi_summary.refresh(rep_ids=[visit.rep_id], date_from=visit.date)
    return order, created


@transaction.atomic
def visit_reject(*, actor: User, visit: Visit, reason: str) -> Visit:
    """A supervisor rejects a visit; a rejected visit counts for no KPI."""
    if not scoping.can_supervise(actor, visit.rep):
        raise PermissionDenied(_("Only the rep's supervisor or manager can reject a visit."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the rejection.")})
    if visit.status == VisitStatus.REJECTED:
        raise ValidationError(_("This visit is already rejected."))
    visit.status = VisitStatus.REJECTED
    visit.rejected_at = timezone.now()
    visit.rejected_by = actor
    visit.reject_reason = reason[:200]
    visit.save(update_fields=["status", "rejected_at", "rejected_by", "reject_reason"])
    kpi_summary.refresh(rep_ids=[visit.rep_id], date_from=visit.date)
    return visit


@transaction.atomic
def visit_accept(*, actor: User, visit: Visit, reason: str) -> Visit:
    """A supervisor accepts an off-site check-in after review: from then on it counts as a
    visit at the outlet (visits/kpis.py). A rejection still overrides it."""
    if not scoping.can_supervise(actor, visit.rep):
        raise PermissionDenied(_("Only the rep's supervisor or manager can review a visit."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the check-in is accepted.")})
    if visit.status == VisitStatus.REJECTED:
        raise ValidationError(_("This visit was rejected."))
    if not visit.off_site:
        raise ValidationError(_("Only an off-site check-in needs accepting."))
    if visit.accepted_at is not None:
        raise ValidationError(_("This check-in is already accepted."))
    visit.accepted_at = timezone.now()
    visit.accepted_by = actor
    visit.accept_reason = reason[:200]
    visit.save(update_fields=["accepted_at", "accepted_by", "accept_reason"])
    kpi_summary.refresh(rep_ids=[visit.rep_id], date_from=visit.date)
    return visit


@transaction.atomic
def capture_coordinates(*, actor: User, customer: Customer, lat, lng, accuracy_m=None) -> Customer:
    """Record an outlet's position on the spot (经纬度采集) when the archive has none."""
    lat, lng = _position(lat, lng, "")
    if lat is None:
        raise ValidationError({"lat": _("Invalid coordinates.")})
    accuracy = _non_negative(accuracy_m, "accuracy_m")
    if accuracy is not None and accuracy > 100:
        raise ValidationError({"accuracy_m": _("The position is too imprecise (over 100 m); "
                                               "wait for a better fix.")})
    if customer.latitude is not None and not scoping.can_override_duplicate(actor):
        raise ValidationError({"lat": _("This outlet already has coordinates; ask the custodian "
                                         "to correct them.")})
    return customer_update(actor=actor, customer=customer, latitude=lat, longitude=lng)


def reduce_old_positions(*, days: int | None = None) -> int:
    """Drop raw positions older than the retention, keeping only the distance (issue 3, §9)."""
    days = settings.POSITION_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    count = Visit.objects.filter(checked_in_at__lt=cutoff, positions_reduced_at__isnull=True).update(
        checkin_lat=None, checkin_lng=None, checkin_accuracy_m=None, checkin_fix_age_s=None,
        checkout_lat=None, checkout_lng=None, checkout_accuracy_m=None,
        positions_reduced_at=timezone.now(),
    )
    redact_photo_positions()
    return count


def redact_photo_positions() -> int:
    """Paint the coordinates out of old photos whose visit's positions have been reduced."""
    photos = VisitPhoto.objects.filter(position_in_watermark=True,
                                       visit__positions_reduced_at__isnull=False)
    done = 0
    for photo in photos.iterator():
        if photo.image and photo.image.storage.exists(photo.image.name):
            # Through the storage, not a path: the photo may be in an object store (S3).
            storage = photo.image.storage
            with storage.open(photo.image.name, "rb") as stored:
                data = stored.read()
            with storage.open(photo.image.name, "wb") as target:
                target.write(redact_position_data(data))
        VisitPhoto.objects.filter(pk=photo.pk).update(position_in_watermark=False)
        done += 1
    return done


# --- field app additions (mobile pages, field API, offline sync) -------------------------

@transaction.atomic
def visit_record_payment(*, actor: User, visit: Visit, order, amount, client_id,
                         method: str = "", paid_at=None):
    """Money collected during the visit (回款) against an order of the visited customer."""
    from outletcrm.orders.models import Payment
    from outletcrm.orders.services import payment_record

    client_id = _uuid(client_id)
    existing = Payment.objects.filter(client_id=client_id).first()
    if existing:
        if existing.collected_by_id != actor.pk:
            raise ValidationError({"client_id": _("This client id belongs to another record.")})
        return existing, False
    _editable(actor, visit)
    if order.customer_id != visit.customer_id:
        raise ValidationError({"order": _("The order belongs to another customer.")})
    method = method or Payment.Method.CASH
    if method not in Payment.Method.values:
        raise ValidationError({"method": _("Unknown payment method.")})
    paid_at = _device_time(paid_at or timezone.now(), "paid_at")
    return payment_record(actor=actor, order=order, amount=amount, method=method,
                          paid_at=paid_at, client_id=client_id)


# --- tasks: the rep's to-do list (issue 7, §4) -------------------------------------------
# Every kind of task goes through these three writes: the field work's own (return visits,
# appointments, commitments), what a rep or his supervisor adds, and later what higher apps add
# (care, complaints, churn: they register a kind in visits.choices and call task_add).

TASK_HORIZON_DAYS = 366


def _task_due(value, *, field: str, earliest: datetime.date) -> datetime.date:
    from outletcrm.core.params import parse_date

    latest = timezone.localdate() + datetime.timedelta(days=TASK_HORIZON_DAYS)
    due = parse_date(value, field=field, earliest=earliest, latest=latest)
    if due is None:
        raise ValidationError({field: _("Enter a date (YYYY-MM-DD).")})
    return due


def _task_title(title, title_params: dict | None = None) -> dict:
    """A task title the system writes: its English and its message (core.i18n), so the rep
    and his supervisor each read it in their own language."""
    text, message = i18n.store(title, title_params, max_length=200)
    return {"title": text, "title_message": message}


def _task_customer_check(rep: User, customer: Customer | None) -> None:
    if customer is None:
        return
    if customer.is_archived:
        raise ValidationError({"customer": _("This customer is archived.")})
    if not scoping.restrict(Customer.objects.filter(pk=customer.pk), rep).exists():
        raise ValidationError({"customer": _("This customer is not one of the rep's customers.")})


@transaction.atomic
def task_add(*, actor: User, rep: User, title, due_date=None, customer: Customer | None = None,
             kind: str = TaskKind.TODO, client_id=None, source_visit: Visit | None = None,
             source=None, title_params: dict | None = None) -> tuple[FollowUpTask, bool]:
    """Put a task on a rep's list (the rep's own, or his supervisor's for him).

    `title` is what a person typed, or a higher app's own text: a lazy message with its
    `title_params`, stored language-neutrally (core.i18n). Without a due date a typed title is
    read for one (明天, 下周二, 3天后…), else it is due today.
    A replayed client_id returns the first task (created=False), so an offline phone may
    upload the same addition twice.
    """
    from outletcrm.visits.choices import task_kind_choices

    if client_id is not None:
        client_id = _uuid(client_id)
        existing = FollowUpTask.objects.filter(client_id=client_id).first()
        if existing is not None:
            if existing.created_by_id != actor.pk:
                raise ValidationError({"client_id": _("This client id belongs to another record.")})
            return existing, False
    if not scoping.can_manage_tasks_of(actor, rep):
        raise PermissionDenied(_("You cannot change this rep's tasks."))
    if kind not in dict(task_kind_choices()):
        raise ValidationError({"kind": _("Unknown kind of task.")})
    title, title_message = i18n.store(title, title_params)
    title = " ".join(title.split())
    if title_message:
        title = title[:200]  # the English of the system's text; readers see its message
    if not title:
        raise ValidationError({"title": _("Say what is to be done.")})
    if len(title) > 200:
        raise ValidationError({"title": _("Keep the task under 200 characters.")})
    _task_customer_check(rep, customer)
    if customer is not None:  # a borrowed customer is read-only, for the rep and the adder
        for person in {actor, rep}:
            scoping.ensure_not_borrowed(person, customer)
    today = timezone.localdate()
    if due_date in (None, ""):
        due_date = (None if title_message else due_date_in(title, today)) or today
    # A task added offline may reach the server days later: its date is not refused for that.
    due_date = _task_due(due_date, field="due_date", earliest=today - datetime.timedelta(
        days=settings.OFFLINE_MAX_AGE_DAYS))
    task = FollowUpTask(
        rep=rep, customer=customer, kind=kind, title=title, title_message=title_message,
        due_date=due_date, source_visit=source_visit, created_by=actor,
        source_type=source._meta.label_lower if source is not None else "",
        source_id=source.pk if source is not None else None)
    if client_id is not None:
        task.client_id = client_id
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:  # a second upload of the same task won the race
        return FollowUpTask.objects.get(client_id=task.client_id), False
    return task, True


@dataclass(frozen=True)
class SystemTask:
    """A task a periodic job puts on a rep's list (tasks_create_system)."""

    dedupe_key: str
    rep_id: int
    kind: str
    title: object  # a lazy message (gettext_lazy), shown in the reader's language
    due_date: datetime.date
    customer_id: int | None = None
    title_params: dict | None = None
    source: object = None  # a higher app's record (source_type/source_id)


def tasks_create_system(tasks, *, batch_size: int = 2000) -> int:
    """Create the tasks the system makes, in bulk; return how many were new.

    Idempotent: a task whose `dedupe_key` exists is left alone, so a job run twice (or rerun
    after a crash) creates each task once. Each batch is one transaction. Callers check scope
    and rules themselves (a job acts for the company, not for a user).
    """
    from outletcrm.visits.choices import task_kind_choices

    kinds = dict(task_kind_choices())
    created = 0
    batch: list[FollowUpTask] = []

    def flush():
        nonlocal created
        if not batch:
            return
        keys = [t.dedupe_key for t in batch]
        with transaction.atomic():
            known = set(FollowUpTask.objects.filter(dedupe_key__in=keys)
                        .values_list("dedupe_key", flat=True))
            new = [t for t in batch if t.dedupe_key not in known]
            FollowUpTask.objects.bulk_create(new, ignore_conflicts=True)
        created += len(new)
        batch.clear()

    seen: set[str] = set()
    for spec in tasks:
        if spec.kind not in kinds:
            raise ValueError(f"unknown task kind {spec.kind!r}")
        if spec.dedupe_key in seen:
            continue
        seen.add(spec.dedupe_key)
        title, message = i18n.store(spec.title, spec.title_params, max_length=200)
        batch.append(FollowUpTask(
            rep_id=spec.rep_id, customer_id=spec.customer_id, kind=spec.kind, title=title,
            title_message=message, due_date=spec.due_date, dedupe_key=spec.dedupe_key,
            source_type=spec.source._meta.label_lower if spec.source is not None else "",
            source_id=spec.source.pk if spec.source is not None else None))
        if len(batch) >= batch_size:
            flush()
    flush()
    return created


def tasks_close_system(dedupe_keys) -> int:
    """Mark open tasks the system made as done, with no one as their doer, when what they asked
    for happened by itself (a churn flag cleared because the customer ordered again). Returns
    how many were open. The caller owns the transaction."""
    keys = list(dedupe_keys)
    closed = 0
    for start in range(0, len(keys), 2000):
        closed += FollowUpTask.objects.filter(
            dedupe_key__in=keys[start:start + 2000], done_at__isnull=True,
        ).update(done_at=timezone.now())
    return closed


def _task_editable(actor: User, task: FollowUpTask) -> None:
    if not scoping.can_manage_tasks_of(actor, task.rep):
        raise PermissionDenied(_("You cannot change this rep's tasks."))


OUTCOME_MAX_LENGTH = 1000


def _done_record(action, outcome) -> tuple[str, str]:
    """The action taken and its outcome as given, checked (both optional here)."""
    from outletcrm.visits.choices import DoneAction

    action = str(action or "").strip()
    if action and action not in DoneAction.values:
        raise ValidationError({"action": _("Choose what was done: a call, a visit, a gift, "
                                           "a message or other.")})
    outcome = str(outcome or "").strip()
    if len(outcome) > OUTCOME_MAX_LENGTH:
        raise ValidationError({"outcome": _("Keep the outcome under %(n)d characters.")
                               % {"n": OUTCOME_MAX_LENGTH}})
    return action, outcome


@transaction.atomic
def task_complete(*, actor: User, task: FollowUpTask, action: str | None = None,
                  outcome: str = "") -> FollowUpTask:
    """Mark a task done, with what was done (`action`: call, visit, gift, message, other) and
    how it went (`outcome`). Done twice (two devices, a replay) is still done once, at the
    first, with the first record. A kind registered with needs_outcome (a care call, a
    complaint's satisfaction follow-up) cannot be completed without both (issue 9 §1).
    """
    from outletcrm.visits.choices import task_kind_needs_outcome

    _task_editable(actor, task)
    action, outcome = _done_record(action, outcome)
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        return task
    if task_kind_needs_outcome(task.kind):
        errors = {}
        if not action:
            errors["action"] = _("Say what was done.")
        if not outcome:
            errors["outcome"] = _("Say how it went.")
        if errors:
            raise ValidationError(errors)
    task.done_at = timezone.now()
    task.done_by = actor
    task.done_action = action
    task.outcome = outcome
    task.save(update_fields=["done_at", "done_by", "done_action", "outcome"])
    if task.customer_id:
        title = i18n.as_param(task.title, task.title_message)
        if action:
            timeline_add(customer_id=task.customer_id, kind="task", actor=actor, source=task,
                         title=gettext_lazy("Task done (%(action)s): %(title)s"),
                         params={"title": title, "action": i18n.label(task, "done_action")},
                         body=outcome)
        else:
            timeline_add(customer_id=task.customer_id, kind="task", actor=actor, source=task,
                         title=gettext_lazy("Task done: %(title)s"), params={"title": title},
                         body=outcome)
    return task


@transaction.atomic
def task_postpone(*, actor: User, task: FollowUpTask, due_date, reason: str) -> FollowUpTask:
    """Move an open task to a later date; the reason stays on file (TaskPostponement)."""
    _task_editable(actor, task)
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        raise ValidationError(_("This task is already done."))
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Give a reason for postponing.")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("Keep the reason under 200 characters.")})
    today = timezone.localdate()
    new_date = _task_due(due_date, field="due_date", earliest=today)
    if new_date <= task.due_date:
        raise ValidationError({"due_date": _("Postpone to a date after %(date)s.")
                               % {"date": task.due_date.isoformat()}})
    TaskPostponement.objects.create(task=task, from_date=task.due_date, to_date=new_date,
                                    reason=reason, by=actor)
    task.due_date = new_date
    # A postponed task is no longer overdue: should it fall overdue again, it escalates again.
    task.escalated_at = None
    task.save(update_fields=["due_date", "escalated_at"])
    return task


# --- tasks due and overdue: the daily reminders and the escalation (issue 9 §1, §5) ---------
# Two periodic jobs (visits/tasks.py, settings.SCHEDULE), both idempotent for the day: the
# notifications carry dedupe keys, and an escalated task is marked (escalated_at) in the same
# transaction as its notifications, so a crash leaves a task either escalated and notified or
# neither, and a rerun finishes the rest.

def tasks_notify_due(day: datetime.date) -> dict:
    """Tell each rep, once a day, how many of his open tasks are due today and overdue: one
    summary notification per rep ("task.due"), not one per task. Nothing on a rest day: a rep
    is not called to work on 春节; the overdue ones come up on the next working day."""
    from django.db.models import Count, Q
    from django.urls import reverse

    from outletcrm.core import workcal
    from outletcrm.notifications.services import notify

    if not workcal.is_workday(day):
        return {"reps": 0, "notified": 0, "rest_day": True}
    rows = (FollowUpTask.objects.filter(done_at__isnull=True, due_date__lte=day,
                                        rep__is_active=True)
            .values("rep_id").order_by("rep_id")
            .annotate(due_today=Count("pk", filter=Q(due_date=day)),
                      overdue=Count("pk", filter=Q(due_date__lt=day))))
    rows = list(rows)
    reps = User.objects.in_bulk([row["rep_id"] for row in rows])
    link = reverse("visits:tasks")
    notified = 0
    for row in rows:
        sent = notify(user=reps[row["rep_id"]], kind="task.due",
                      title=gettext_lazy("Your tasks: %(due_today)s due today, "
                                         "%(overdue)s overdue"),
                      params={"due_today": row["due_today"], "overdue": row["overdue"]},
                      link=link, dedupe_key=f"task-due:{row['rep_id']}:{day.isoformat()}")
        notified += sent is not None
    return {"reps": len(rows), "notified": notified}


def escalation_deadline(due_date: datetime.date, days: int) -> datetime.date:
    """The last day a task due on `due_date` may stay open before it escalates: the `days`-th
    working day after it (company calendar). Due on a Friday with 2 days: Tuesday, so it
    escalates on Wednesday; a weekend or a holiday does not count against the rep."""
    from outletcrm.core import workcal

    deadline = due_date
    for _step in range(days):
        deadline = workcal.next_workday(deadline + datetime.timedelta(days=1))
    return deadline


def task_supervisors(rep: User) -> list[User]:
    """Who an overdue task of `rep` escalates to: his team's supervisors."""
    from outletcrm.org.models import Role

    if not rep.team_id:
        return []
    return list(User.objects.filter(team_id=rep.team_id, role=Role.SUPERVISOR, is_active=True)
                .exclude(pk=rep.pk).order_by("pk"))


def tasks_escalate(day: datetime.date) -> dict:
    """Escalate each open task overdue by more than settings.TASK_ESCALATION_DAYS working days
    to the rep's team supervisor ("task.overdue", one notification per task and due date) and
    mark it escalated, so it shows so on the supervisor's list. A rep without a supervisor is
    left for a later run (counted as `no_supervisor`)."""
    from django.urls import reverse

    from outletcrm.notifications.services import notify

    days = int(getattr(settings, "TASK_ESCALATION_DAYS", 2))
    # N working days after the due date lie at least N calendar days after it.
    candidates = (FollowUpTask.objects.filter(
        done_at__isnull=True, escalated_at__isnull=True,
        due_date__lt=day - datetime.timedelta(days=days))
        .select_related("rep", "customer").order_by("due_date", "pk"))
    deadlines: dict[datetime.date, datetime.date] = {}
    supervisors: dict[int, list[User]] = {}
    escalated = no_supervisor = 0
    link = reverse("visits:tasks") + "?escalated=1"
    for task in list(candidates):  # a list: SQLite does not write while a cursor is open
        if task.due_date not in deadlines:
            deadlines[task.due_date] = escalation_deadline(task.due_date, days)
        if day <= deadlines[task.due_date]:
            continue
        if task.rep_id not in supervisors:
            supervisors[task.rep_id] = task_supervisors(task.rep)
        bosses = supervisors[task.rep_id]
        if not bosses:
            no_supervisor += 1
            continue
        with transaction.atomic():
            # Locked and re-read: a rep completing it now, or a second run, wins cleanly.
            locked = (FollowUpTask.objects.select_for_update()
                      .filter(pk=task.pk, done_at__isnull=True, escalated_at__isnull=True)
                      .first())
            if locked is None:
                continue
            for boss in bosses:
                notify(user=boss, kind="task.overdue",
                       title=gettext_lazy("Overdue since %(due)s: %(rep)s – %(title)s"),
                       params={"due": task.due_date.isoformat(),
                               "rep": task.rep.display_name or task.rep.username,
                               "title": i18n.as_param(task.title, task.title_message)},
                       link=link, customer_id=task.customer_id, source=task,
                       dedupe_key=f"task-overdue:{task.pk}:{task.due_date.isoformat()}")
            locked.escalated_at = timezone.now()
            locked.save(update_fields=["escalated_at"])
        escalated += 1
    return {"escalated": escalated, "no_supervisor": no_supervisor}
