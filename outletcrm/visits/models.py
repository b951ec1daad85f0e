"""Routes, daily plans, visits and what a visit records (brief §5)."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.core import i18n
from outletcrm.core.params import validate_business_date
from outletcrm.visits.choices import (
    NOT_ROUTE_VISIT_KINDS,
    DoneAction,
    PhotoKind,
    StopOrigin,
    VisitKind,
    VisitStatus,
    task_kind_choices,
)

COUNTED_ORIGINS = (StopOrigin.GENERATED, StopOrigin.SUPERVISOR)

# A check-in that is a visit at the outlet for the KPIs (visits/kpis.py, DEFINITIONS): not
# rejected, not a phone contact or a supervisor's ride-along, and made on site (within the
# check-in radius, or accepted by the supervisor after review). The database computes it
# (Visit.counts_as_visit), so every path that writes visits, bulk loads included, agrees.
COUNTS_AS_VISIT = (~models.Q(status=VisitStatus.REJECTED)
                   & ~models.Q(kind__in=NOT_ROUTE_VISIT_KINDS)
                   & (models.Q(off_site=False) | models.Q(accepted_at__isnull=False)))


class VisitKindSetting(models.Model):
    """Per visit kind: live photos required, minimum duration, follow-up (configurable)."""

    kind = models.CharField(_("Visit kind"), max_length=20, choices=VisitKind.choices, unique=True)
    requires_live_photo = models.BooleanField(_("Photos must be taken live"), default=True)
    min_minutes = models.PositiveSmallIntegerField(_("Minimum duration (minutes)"), default=5)
    follow_up_days = models.PositiveSmallIntegerField(
        _("Return visit after (days)"), null=True, blank=True,
        help_text=_("A visit of this kind creates a return visit task this many days later."),
    )

    def __str__(self) -> str:
        return self.get_kind_display()


class StepTemplate(models.Model):
    """One step of a visit kind's checklist (brief §5 step lists; configurable)."""

    kind = models.CharField(_("Visit kind"), max_length=20, choices=VisitKind.choices)
    position = models.PositiveSmallIntegerField(_("Sort order"))
    title = models.CharField(_("Step"), max_length=100)
    title_en = models.CharField(_("English name"), max_length=100, blank=True)
    is_active = models.BooleanField(_("Enabled"), default=True)

    class Meta:
        ordering = ["kind", "position"]

    def __str__(self) -> str:
        return self.title


class Route(models.Model):
    """A named, ordered list of outlets a rep visits on one day of a visit cycle."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                            related_name="routes", verbose_name=_("Rep"))
    name = models.CharField(_("Route name"), max_length=60)
    cycle_weeks = models.PositiveSmallIntegerField(
        _("Cycle (weeks)"), default=1, choices=[(1, _("Weekly")), (2, _("2 weeks")),
                                                (4, _("4 weeks"))])
    week_of_cycle = models.PositiveSmallIntegerField(
        _("Week of the cycle"), default=1, validators=[MinValueValidator(1), MaxValueValidator(4)])
    weekday = models.PositiveSmallIntegerField(
        _("Weekday"), validators=[MaxValueValidator(6)],
        help_text=_("0 = Monday … 6 = Sunday"))
    is_active = models.BooleanField(pgettext_lazy("route", "Active"), default=True)
    customers = models.ManyToManyField("customers.Customer", through="RouteStop",
                                       related_name="routes")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rep", "week_of_cycle", "weekday", "name"]
        verbose_name = _("Route")
        verbose_name_plural = _("Routes")

    def __str__(self) -> str:
        return self.name


class RouteStop(models.Model):
    """An outlet's place on a route."""

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="route_stops")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["route", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["route", "customer"],
                                               name="uniq_customer_per_route")]

    def __str__(self) -> str:
        return f"{self.route}#{self.position}"


class DailyPlan(models.Model):
    """A rep's visit plan for one day (拜访计划)."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                            related_name="plans", verbose_name=_("Rep"))
    date = models.DateField(_("Date"), validators=[validate_business_date])
    generated_at = models.DateTimeField(null=True, blank=True)
    # Set when the route optimiser ordered the stops; arrival times live on the stops.
    optimised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "rep"]
        constraints = [models.UniqueConstraint(fields=["rep", "date"], name="uniq_plan_per_day")]

    def __str__(self) -> str:
        return f"{self.rep} {self.date}"


class PlannedStop(models.Model):
    """A customer on a rep's plan for a day. Dropped stops stay: they still count as planned.

    `origin`, `added_by` and `added_at` say who holds the stop; when a stronger origin took
    over a stop someone else had added first, the earlier additions stay in `earlier_additions`.
    A released stop (its customer handed to another rep, or archived, before it was visited)
    no longer counts unless it was visited after all (visits/kpis.py).
    """

    plan = models.ForeignKey(DailyPlan, on_delete=models.CASCADE, related_name="stops")
    # rep and date repeat the plan's so the KPI joins visits on (rep, customer, date) directly.
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(validators=[validate_business_date])
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="planned_stops")
    position = models.PositiveIntegerField(default=0)
    origin = models.CharField(max_length=20, choices=StopOrigin.choices,
                              default=StopOrigin.GENERATED)
    route = models.ForeignKey(Route, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    planned_arrival = models.TimeField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(null=True, blank=True)
    dropped_at = models.DateTimeField(null=True, blank=True)
    drop_reason = models.CharField(_("Reason"), max_length=200, blank=True)
    dropped_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)
    # The system's reason (customer handed over, archived): English here, the message in
    # release_reason_message, shown in the reader's language (core.i18n).
    release_reason = models.CharField(max_length=200, blank=True)
    release_reason_message = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["plan", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "customer"],
                                               name="uniq_customer_per_plan")]
        # (rep, date, customer, origin, released_at) covers the KPI's lookups of a visit's
        # planned stop and its planned count, so they never read the table (SQLite: company
        # month KPI 3.1 s → 1.5 s, bench/visits_bench).
        indexes = [models.Index(fields=["rep", "date", "customer", "origin", "released_at"]),
                   models.Index(fields=["date", "origin"])]

    def __str__(self) -> str:
        return f"{self.plan}#{self.position}"

    @property
    def release_reason_text(self) -> str:
        """Why the stop was released, in the reader's language."""
        return i18n.render(self.release_reason_message, self.release_reason)

    @property
    def counts_as_planned(self) -> bool:
        """Counted in the completion rate's denominator (a released stop only if visited)."""
        return self.origin in COUNTED_ORIGINS and self.released_at is None


class PlannedStopAddition(models.Model):
    """An earlier addition of a stop that a stronger origin took over (issue 7 §1).

    The rep added the customer to a future day, then the plan was generated from the route
    (or the supervisor added it): the stop counts as the route's (or the supervisor's), and
    this keeps that the rep had added it too, when and by whom.
    """

    stop = models.ForeignKey(PlannedStop, on_delete=models.CASCADE,
                             related_name="earlier_additions")
    origin = models.CharField(max_length=20, choices=StopOrigin.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField()

    class Meta:
        ordering = ["stop", "superseded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.stop} {self.origin}"


class Visit(models.Model):
    """A visit to an outlet: check-in evidence, what was recorded, check-out."""

    client_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                            related_name="visits", verbose_name=_("Rep"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="visits", verbose_name=_("Customer"))
    kind = models.CharField(_("Visit kind"), max_length=20, choices=VisitKind.choices,
                            default=VisitKind.DAY)
    date = models.DateField(_("Date"), validators=[validate_business_date])
    planned_stop = models.ForeignKey(PlannedStop, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="visits")
    is_planned = models.BooleanField(_("On the plan"), default=False)
    status = models.CharField(pgettext_lazy("visit", "Status"), max_length=20,
                              choices=VisitStatus.choices, default=VisitStatus.OPEN)

    # Check-in evidence, kept so a supervisor can judge a doubtful one.
    checked_in_at = models.DateTimeField(_("Checked in (device time)"),
                                         validators=[validate_business_date])
    checkin_received_at = models.DateTimeField(_("Check-in received (server time)"))
    checkin_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_accuracy_m = models.FloatField(_("Reported accuracy (m)"), null=True, blank=True,
                                           validators=[MinValueValidator(0),
                                                       MaxValueValidator(100_000)])
    checkin_fix_age_s = models.FloatField(_("Age of the position fix (s)"), null=True, blank=True,
                                          validators=[MinValueValidator(0),
                                                      MaxValueValidator(7 * 24 * 3600)])
    checkin_distance_m = models.FloatField(_("Distance to the outlet (m)"), null=True, blank=True)
    off_site = models.BooleanField(_("Off-site check-in"), default=False)

    checked_out_at = models.DateTimeField(_("Checked out (device time)"), null=True, blank=True)
    checkout_received_at = models.DateTimeField(null=True, blank=True)
    checkout_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkout_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    checkout_accuracy_m = models.FloatField(null=True, blank=True)
    checkout_distance_m = models.FloatField(null=True, blank=True)
    duration_s = models.PositiveIntegerField(_("Duration (s)"), null=True, blank=True)
    positions_reduced_at = models.DateTimeField(null=True, blank=True)

    notes = models.TextField(_("Notes"), blank=True)
    hard_terminal = models.JSONField(_("Hard terminal"), default=dict, blank=True)
    soft_terminal = models.JSONField(_("Soft terminal"), default=dict, blank=True)
    next_appointment_at = models.DateTimeField(_("Next appointment"), null=True, blank=True,
                                               validators=[validate_business_date])

    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reject_reason = models.CharField(_("Reason for rejection"), max_length=200, blank=True)

    # A supervisor who reviewed an off-site check-in and found the rep was at the outlet.
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    accept_reason = models.CharField(_("Reason for accepting"), max_length=200, blank=True)

    counts_as_visit = models.GeneratedField(
        expression=models.Case(models.When(COUNTS_AS_VISIT, then=models.Value(True)),
                               default=models.Value(False)),
        output_field=models.BooleanField(), db_persist=True)

    class Meta:
        ordering = ["-checked_in_at", "-pk"]
        verbose_name = _("Visit")
        verbose_name_plural = pgettext_lazy("records", "Visits")  # not the KPI count 拜访次数
        # (rep, date, customer, counts_as_visit) covers the KPI's "visited" lookups.
        indexes = [models.Index(fields=["rep", "date", "customer", "counts_as_visit"]),
                   models.Index(fields=["customer", "date"]),
                   models.Index(fields=["date", "status"])]
        constraints = [
            # One rep, one outlet, one day: at most one visit in progress (issue 7 §3).
            models.UniqueConstraint(fields=["rep", "customer", "date"],
                                    condition=models.Q(status=VisitStatus.OPEN),
                                    name="one_open_visit_per_outlet_and_day"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.date}"


class VisitStep(models.Model):
    """A step of the visit's checklist, copied from the kind's template at check-in."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=100)
    done = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["visit", "position"]

    def __str__(self) -> str:
        return self.title


def photo_path(instance, filename: str) -> str:
    return f"visits/{instance.taken_at:%Y/%m/%d}/{instance.client_id}.jpg"


class VisitPhoto(models.Model):
    """A field photo, watermarked on the server with time, outlet and distance to the outlet.

    The file has no public URL: `url` is the scoped view (visits.views.photo_file).
    """

    client_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("Photo"), max_length=20, choices=PhotoKind.choices,
                            default=PhotoKind.DISPLAY)
    image = models.ImageField(upload_to=photo_path)
    taken_at = models.DateTimeField(_("Taken at (device time)"))
    captured_live = models.BooleanField(default=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # Photos stored before the watermark dropped the coordinates still show them; the position
    # retention paints that line over (services.reduce_old_positions) and clears this flag.
    position_in_watermark = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["visit", "taken_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.taken_at:%H:%M}"

    @property
    def url(self) -> str:
        """Where pages, the phone and the API fetch the photo: the scoped view, never MEDIA_URL."""
        from django.urls import reverse

        return reverse("visits:photo", args=[self.client_id])


class StockCheck(models.Model):
    """Our product on the outlet's shelf at the visit (feeds numeric distribution)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="stock_checks")
    product = models.ForeignKey("orders.Product", on_delete=models.PROTECT, related_name="+")
    in_stock = models.BooleanField(_("In stock"))
    quantity = models.DecimalField(_("Quantity"), max_digits=10, decimal_places=1, null=True,
                                   blank=True, validators=[MinValueValidator(0)])
    shelf_price = models.DecimalField(_("Shelf price"), max_digits=10, decimal_places=2,
                                      null=True, blank=True, validators=[MinValueValidator(0)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "product"],
                                               name="uniq_stock_check_per_visit")]

    def __str__(self) -> str:
        return f"{self.product}: {self.in_stock}"


class CompetitorSighting(models.Model):
    """A competitor product seen at the outlet: brand, product, price, promotion."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="sightings")
    product = models.ForeignKey("orders.Product", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    brand = models.CharField(_("Brand"), max_length=50)
    product_name = models.CharField(_("Product"), max_length=100, blank=True)
    price = models.DecimalField(_("Price"), max_digits=10, decimal_places=2, null=True,
                                blank=True, validators=[MinValueValidator(0)])
    promotion = models.CharField(_("Promotion"), max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.brand} {self.product_name}"


class VisitOrder(models.Model):
    """Links an order to the visit during which it was taken (the success-rate numerator)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visit_orders")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="visit_link")

    def __str__(self) -> str:
        return f"{self.visit} → {self.order}"


class FollowUpTask(models.Model):
    """A task on a rep's to-do list: a return visit, an appointment, a commitment made on a
    visit, a to-do the rep (or the supervisor) added, and later the kinds higher apps register.

    Made on the phone too, offline: `client_id` is generated there, so a replayed upload finds
    the task instead of adding it twice. A task without a customer is a general one. Done and
    postponed tasks stay; each postponement keeps its reason (TaskPostponement). A higher app
    links its own record through `source_type`/`source_id` (as the timeline does), never
    through a foreign key from this lower app.
    """

    client_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                            related_name="follow_ups", verbose_name=_("Rep"))
    customer = models.ForeignKey("customers.Customer", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="follow_ups",
                                 verbose_name=_("Customer"))
    kind = models.CharField(_("Kind"), max_length=30, choices=task_kind_choices)
    # What a person typed, or the English of the task the system made (a return visit, an
    # appointment), whose message is in title_message and shown in the reader's language.
    title = models.CharField(_("Task"), max_length=200)
    title_message = models.JSONField(default=dict, blank=True)
    due_date = models.DateField(_("Due"), validators=[validate_business_date])
    source_visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="follow_ups")
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    # A task the system makes (a care task, a churn action, a complaint's satisfaction call)
    # carries a key naming what it is for ("care:birthday:contact=12:2027-03-04"), so a
    # periodic job run twice for the same day creates it once (tasks_create_system).
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True,
                                  editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(_("Done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    # What was done and how it went (issue 9 §1): a care call, a gift, a visit… Required on
    # completion for the kinds registered with needs_outcome (visits.choices).
    done_action = models.CharField(_("What was done"), max_length=20, blank=True,
                                   choices=DoneAction.choices)
    outcome = models.TextField(_("Outcome"), max_length=1000, blank=True)
    # When the overdue task was escalated to the rep's supervisor (the tasks-escalate job);
    # set once, so the job run twice escalates once.
    escalated_at = models.DateTimeField(_("Escalated"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("Task")
        verbose_name_plural = _("Tasks")
        indexes = [models.Index(fields=["rep", "due_date"]),
                   models.Index(fields=["source_type", "source_id"])]

    def __str__(self) -> str:
        return self.title_text

    @property
    def title_text(self) -> str:
        """The task in the reader's language (a typed task as typed)."""
        return i18n.render(self.title_message, self.title)

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class TaskPostponement(models.Model):
    """A task moved to a later date, and why (the reason is kept for the supervisor)."""

    task = models.ForeignKey(FollowUpTask, on_delete=models.CASCADE,
                             related_name="postponements")
    from_date = models.DateField(_("Was due"))
    to_date = models.DateField(_("Now due"))
    reason = models.CharField(_("Reason"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["task", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.task}: {self.from_date} → {self.to_date}"


class SyncReceipt(models.Model):
    """The answer given to one uploaded offline operation, so a replay is a no-op (issue 3, §4).

    Operations with a record of their own (check-in, order, payment, photo) are idempotent on
    that record's client id; the others (record, check-out, stock, sightings, plan changes,
    coordinates) leave a receipt here under the device's client id.
    """

    client_id = models.UUIDField(unique=True)
    op = models.CharField(max_length=30)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.op} {self.client_id}"


# --- KPI summary (visits/kpi_summary.py) ----------------------------------------------------
# What visits/kpis.py counts, kept per rep and day by the services that write plans, visits
# and orders, so the company's month or year is read from a few hundred thousand small rows
# instead of millions of stops and visits. Never a definition of its own: every row is
# recomputed by the queries of kpis.py for that rep and day (kpi_summary.refresh), and
# `outletcrm kpi-rebuild` recomputes any period.

class KpiDay(models.Model):
    """One rep's KPI counts of one day, as visits/kpis.py counts them (kpi_summary)."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                            related_name="+")
    date = models.DateField()
    planned_kept = models.PositiveIntegerField(default=0)       # counted, not released
    released_visited = models.PositiveIntegerField(default=0)   # released but visited
    visited_on_plan = models.PositiveIntegerField(default=0)
    visited_with_order = models.PositiveIntegerField(default=0)
    unplanned = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    phone_contacts = models.PositiveIntegerField(default=0)
    ride_alongs = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    off_site = models.PositiveIntegerField(default=0)
    deep_visits = models.PositiveIntegerField(default=0)
    duration_sum = models.BigIntegerField(default=0)             # checked-out visits that count
    duration_count = models.PositiveIntegerField(default=0)
    order_amount = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    customers_visited = models.PositiveIntegerField(default=0)  # distinct, this rep and day
    worked = models.BooleanField(default=False)  # a planned stop or a visit that counts
    # A row of its own in a grouped report: a counted stop or a visit not rejected.
    listed = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rep", "date"], name="uniq_kpi_day")]
        indexes = [models.Index(fields=["date", "rep"])]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.date}"


class KpiMonth(models.Model):
    """The sums of one rep's KpiDay rows of one calendar month (kpi_summary): a company's year
    reads 12 rows per rep instead of 365. Kept by kpi_summary.refresh from KpiDay itself, so
    it is KpiDay's sum by construction (tests/visits/test_kpi_summary.py checks it)."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                            related_name="+")
    month = models.DateField()  # the first day of the month
    planned_kept = models.PositiveIntegerField(default=0)
    released_visited = models.PositiveIntegerField(default=0)
    visited_on_plan = models.PositiveIntegerField(default=0)
    visited_with_order = models.PositiveIntegerField(default=0)
    unplanned = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    phone_contacts = models.PositiveIntegerField(default=0)
    ride_alongs = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    off_site = models.PositiveIntegerField(default=0)
    deep_visits = models.PositiveIntegerField(default=0)
    duration_sum = models.BigIntegerField(default=0)
    duration_count = models.PositiveIntegerField(default=0)
    order_amount = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    worked_days = models.PositiveSmallIntegerField(default=0)  # KpiDay rows with worked
    listed_days = models.PositiveSmallIntegerField(default=0)  # KpiDay rows with listed

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rep", "month"], name="uniq_kpi_month")]
        indexes = [models.Index(fields=["month", "rep"], name="kpi_month_month_rep")]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.month:%Y-%m}"


class KpiVisitedYear(models.Model):
    """The days of a year on which a rep made a visit that counts at a customer: one bit per
    day (bit d-1 of month m's column). Distinct customers visited over any period and scope
    (customers visited, coverage) are counted from these rows (kpi_summary)."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                            related_name="+")
    # related_name "+": a customer merge does not re-point these rows; the merge hook
    # recomputes them (kpi_summary.on_merged).
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="+")
    year = models.PositiveSmallIntegerField()
    m1 = models.IntegerField(default=0)
    m2 = models.IntegerField(default=0)
    m3 = models.IntegerField(default=0)
    m4 = models.IntegerField(default=0)
    m5 = models.IntegerField(default=0)
    m6 = models.IntegerField(default=0)
    m7 = models.IntegerField(default=0)
    m8 = models.IntegerField(default=0)
    m9 = models.IntegerField(default=0)
    m10 = models.IntegerField(default=0)
    m11 = models.IntegerField(default=0)
    m12 = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rep", "customer", "year"],
                                               name="uniq_kpi_visited_year")]
        indexes = [models.Index(fields=["year", "rep"])]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.customer_id} {self.year}"


class KpiStockYear(models.Model):
    """The days of a year on which a rep's visit that counts found our product in stock at a
    customer (a stock check, in stock): one bit per day like KpiVisitedYear. Numeric
    distribution over any period and scope is counted from these rows (kpi_summary)."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                            related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="+")
    product = models.ForeignKey("orders.Product", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    m1 = models.IntegerField(default=0)
    m2 = models.IntegerField(default=0)
    m3 = models.IntegerField(default=0)
    m4 = models.IntegerField(default=0)
    m5 = models.IntegerField(default=0)
    m6 = models.IntegerField(default=0)
    m7 = models.IntegerField(default=0)
    m8 = models.IntegerField(default=0)
    m9 = models.IntegerField(default=0)
    m10 = models.IntegerField(default=0)
    m11 = models.IntegerField(default=0)
    m12 = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rep", "customer", "product", "year"],
                                               name="uniq_kpi_stock_year")]
        indexes = [models.Index(fields=["year", "rep"], name="kpi_stock_year_rep")]

    def __str__(self) -> str:
        return f"{self.rep_id} {self.customer_id} {self.product_id} {self.year}"


class KpiSharedVisit(models.Model):
    """A customer visited (a visit that counts) by two or more reps on the same day: one row
    per rep. Rare; it corrects the sum of the reps' daily distinct customers when a day's
    figures cover several reps (kpi_summary)."""

    date = models.DateField()
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="+")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                            related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["date", "customer", "rep"],
                                               name="uniq_kpi_shared_visit")]
        indexes = [models.Index(fields=["rep", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.customer_id} {self.rep_id}"
