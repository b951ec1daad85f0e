"""Handover (交接, issue 10 item 6): a rep's customers, and the work on them, to other reps.

When a rep leaves or moves, a supervisor of both reps' teams (a manager above them, an
administrator) gives the rep's customers — all of them, or those of a region, class, status or
a list — to one or more reps, split evenly or by choice, in one transaction:

  * each customer's owner (and the team and region the data scope reads) changes; the change
    is in the customer's history with who did it and from whom to whom;
  * the rep's open follow-up tasks on those customers go to the new owner (visits.FollowUpTask);
  * their future planned stops are released from the rep's plan (visits, on owner_changed) and
    put on the new owner's plan for the same day; route stops move to a route of the new owner
    on the same schedule (created with the same name when he has none);
  * open complaints about them that the rep handled are reassigned (complaints);
  * prospects: a pipeline app listens to customers.signals.owner_changed, which is sent for
    every customer moved, with `handover` set (the hook for later apps);
  * optionally the departing rep is deactivated: his sessions and API token end at once
    (accounts), and his remaining general tasks go to the first receiving rep. Deactivating
    needs every live customer of his to be handed over.

Anything wrong (a permission, a customer that changed owner since the preview, a bad id)
raises before or inside the transaction, and nothing is changed.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.accounts.services import user_sessions_end
from outletcrm.complaints.choices import ACTIVE_STATUSES
from outletcrm.complaints.models import Complaint
from outletcrm.complaints.services import complaint_assign
from outletcrm.core import i18n, scoping
from outletcrm.core.audit import audit_record
from outletcrm.core.models import AuditEvent, ChangeLog
from outletcrm.customers import signals
from outletcrm.customers.choices import Status
from outletcrm.customers.models import Customer
from outletcrm.handover.choices import SplitMode
from outletcrm.handover.models import Handover, HandoverMove
from outletcrm.org.models import Role, User
from outletcrm.visits.models import FollowUpTask, PlannedStop, Route, RouteStop
from outletcrm.visits.services import plan_add_stop

MAX_TARGETS = 20
MAX_IDS = 10_000
MODES = tuple(SplitMode.values)
NOTE = gettext_lazy("Handed over from %(from)s to %(to)s")


@dataclass
class HandoverPlan:
    """Who gets which customer, before anything is written (the preview)."""

    from_rep: User
    to_reps: list[User]
    moves: dict[int, int]  # customer id → receiving rep id
    selection: dict = field(default_factory=dict)

    def by_rep(self) -> dict[int, list[int]]:
        grouped: dict[int, list[int]] = {rep.pk: [] for rep in self.to_reps}
        for customer_id, rep_id in self.moves.items():
            grouped[rep_id].append(customer_id)
        return grouped

    def counts(self, *, deactivate: bool = False) -> dict:
        """How much moves, per receiving rep and in total: customers, open tasks, planned
        stops from tomorrow (from today when deactivating), route stops, open complaints."""
        ids = list(self.moves)
        first_day = _first_moved_day(deactivate)
        rows = {
            "tasks": FollowUpTask.objects.filter(rep=self.from_rep, customer_id__in=ids,
                                                 done_at__isnull=True),
            "stops": PlannedStop.objects.filter(rep=self.from_rep, customer_id__in=ids,
                                                date__gte=first_day, released_at__isnull=True,
                                                dropped_at__isnull=True),
            "routes": RouteStop.objects.filter(route__rep=self.from_rep, customer_id__in=ids),
            "complaints": Complaint.objects.filter(assignee=self.from_rep, customer_id__in=ids,
                                                   status__in=ACTIVE_STATUSES),
        }
        per_rep = {rep.pk: Counter() for rep in self.to_reps}
        for rep_id in self.moves.values():
            per_rep[rep_id]["customers"] += 1
        for kind, queryset in rows.items():
            for customer_id, count in (queryset.order_by().values_list("customer_id")
                                       .annotate(n=Count("pk"))):
                per_rep[self.moves[customer_id]][kind] += count
        total = sum(per_rep.values(), Counter())
        kinds = ["customers", *rows]
        return {"per_rep": [(rep, {k: per_rep[rep.pk][k] for k in kinds}) for rep in self.to_reps],
                "total": {k: total[k] for k in kinds}}


def _first_moved_day(deactivate: bool) -> datetime.date:
    # Today's plan stays the departing rep's to work (scoping.can_work_own_planned_stop) unless
    # he leaves today; then today's stops go too.
    today = timezone.localdate()
    return today if deactivate else today + datetime.timedelta(days=1)


def _field_people(ids, *, label: str) -> list[User]:
    people = {u.pk: u for u in User.objects.select_related("team").filter(
        pk__in=ids, role__in=[Role.REP, Role.SUPERVISOR])}
    missing = [i for i in ids if i not in people]
    if missing:
        raise ValidationError({label: _("Choose field reps or supervisors.")})
    return [people[i] for i in ids]


def handover_plan(
    *, actor: User, from_rep: User, to_reps: list[User], region: int | None = None,
    customer_class: int | None = None, status: str = "", customer_ids=None,
    mode: str = "even", assignments: dict | None = None,
) -> HandoverPlan:
    """Check a handover and work out who gets which customer; writes nothing.

    `mode="even"` splits the selection into near-equal runs of neighbouring outlets (by
    district and address), one run per receiving rep in the order given; `mode="choice"`
    takes `assignments` ({customer id: rep id}) and splits whatever it leaves out evenly.
    """
    if mode not in MODES:
        raise ValidationError({"mode": _("Choose how to split the customers.")})
    if from_rep.role not in (Role.REP, Role.SUPERVISOR):
        raise ValidationError({"from_rep": _("Choose a field rep or supervisor to hand over from.")})
    to_reps = list(dict.fromkeys(to_reps))
    if not to_reps:
        raise ValidationError({"to_reps": _("Choose at least one rep to hand the customers to.")})
    if len(to_reps) > MAX_TARGETS:
        raise ValidationError({"to_reps": _("Choose at most %(n)s reps.") % {"n": MAX_TARGETS}})
    if any(rep.pk == from_rep.pk for rep in to_reps):
        raise ValidationError({"to_reps": _("A rep cannot hand customers over to himself.")})
    _field_people([rep.pk for rep in to_reps], label="to_reps")
    if any(not rep.is_active for rep in to_reps):
        raise ValidationError({"to_reps": _("Hand customers only to active reps.")})
    if not scoping.can_hand_over(actor, from_rep, to_reps):
        raise PermissionDenied(_("Only a supervisor of both reps, a manager above them or an "
                                 "administrator can hand customers over."))
    if status and status not in Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    customers = scoping.restrict(Customer.objects.live().filter(owner=from_rep), actor)
    selection: dict = {}
    if region:
        from outletcrm.org.models import Region

        path = Region.objects.filter(pk=region).values_list("path", flat=True).first()
        if not path:
            raise ValidationError({"region": _("Unknown region.")})
        customers = customers.filter(region__path__startswith=path)
        selection["region"] = region
    if customer_class:
        customers = customers.filter(customer_class_id=customer_class)
        selection["customer_class"] = customer_class
    if status:
        customers = customers.filter(status=status)
        selection["status"] = status
    if customer_ids is not None:
        ids = _ids(customer_ids, label="customers")
        customers = customers.filter(pk__in=ids)
        selection["customers"] = len(ids)
        if customers.count() != len(ids):
            raise ValidationError({"customers": _(
                "Some of the chosen customers are not this rep's live customers in your scope.")})
    ordered = list(customers.order_by("district", "address_norm", "name_sort", "pk")
                   .values_list("pk", flat=True))
    if not ordered:
        raise ValidationError(_("This rep has no live customers matching the selection."))
    moves: dict[int, int] = {}
    if mode == "choice" and assignments:
        allowed = {rep.pk for rep in to_reps}
        for key, value in assignments.items():
            customer_id, rep_id = _id(key, "assignments"), _id(value, "assignments")
            if rep_id not in allowed:
                raise ValidationError({"assignments": _(
                    "Assign customers only to the reps chosen to receive them.")})
            moves[customer_id] = rep_id
        unknown = set(moves) - set(ordered)
        if unknown:
            raise ValidationError({"assignments": _(
                "Some assigned customers are not in the selection.")})
    rest = [pk for pk in ordered if pk not in moves]
    # Near-equal runs of neighbouring outlets: a route stays in one pair of hands.
    size, extra = divmod(len(rest), len(to_reps))
    start = 0
    for index, rep in enumerate(to_reps):
        end = start + size + (1 if index < extra else 0)
        for pk in rest[start:end]:
            moves[pk] = rep.pk
        start = end
    selection["mode"] = mode
    return HandoverPlan(from_rep=from_rep, to_reps=to_reps, moves=moves, selection=selection)


def _id(value, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({label: _("Ids are whole numbers.")}) from None
    if not 1 <= number <= 2**63 - 1:
        raise ValidationError({label: _("Ids are whole numbers.")})
    return number


def _ids(values, *, label: str) -> list[int]:
    values = list(values)
    if len(values) > MAX_IDS:
        raise ValidationError({label: _("Choose at most %(n)s customers.") % {"n": MAX_IDS}})
    return list(dict.fromkeys(_id(v, label) for v in values))


@transaction.atomic
def handover_run(
    *, actor: User, from_rep: User, to_reps: list[User], deactivate: bool = False,
    reason: str = "", channel: str = "web", **selection,
) -> Handover:
    """Hand the selected customers of `from_rep` over (see the module's docstring); returns the
    handover record. One transaction: on any error nothing has changed."""
    plan = handover_plan(actor=actor, from_rep=from_rep, to_reps=to_reps, **selection)
    reason = (reason or "").strip()[:200]
    ids = list(plan.moves)
    now = timezone.now()
    # Lock the customers; one that changed owner since the preview stops the handover.
    still_his = set(Customer.objects.select_for_update().filter(
        pk__in=ids, owner=from_rep, archived_at__isnull=True).values_list("pk", flat=True))
    if len(still_his) != len(ids):
        raise ValidationError(_("Some of these customers changed owner meanwhile; nothing was "
                                "handed over. Look at the preview again."))
    if deactivate and Customer.objects.live().filter(owner=from_rep).exclude(
            pk__in=ids).exists():
        raise ValidationError({"deactivate": _(
            "Deactivating needs every live customer of the rep handed over; this selection "
            "leaves some with him.")})
    counts = plan.counts(deactivate=deactivate)["total"]
    reps = {rep.pk: rep for rep in plan.to_reps}
    stops = list(PlannedStop.objects.filter(
        rep=from_rep, customer_id__in=ids, date__gte=_first_moved_day(deactivate),
        released_at__isnull=True, dropped_at__isnull=True).values_list("customer_id", "date"))
    names = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "name"))
    from_name = i18n.name(from_rep)
    for rep_id, customer_ids in plan.by_rep().items():
        if not customer_ids:
            continue
        rep = reps[rep_id]
        region_id = rep.team.region_id if rep.team_id else rep.region_id
        Customer.objects.filter(pk__in=customer_ids).update(
            owner=rep, team_id=rep.team_id, region_id=region_id,
            version=F("version") + 1, updated_at=now)
        FollowUpTask.objects.filter(rep=from_rep, customer_id__in=customer_ids,
                                    done_at__isnull=True).update(rep=rep)
        note, note_message = i18n.store(NOTE, {"from": from_rep, "to": rep}, max_length=300)
        ChangeLog.objects.bulk_create([
            ChangeLog(object_type="customer", object_id=pk, customer_id=pk,
                      object_repr=str(names[pk])[:200], action=ChangeLog.Action.UPDATE,
                      changes={"owner": [from_name, i18n.name(rep)]}, actor=actor,
                      note=note, note_message=note_message)
            for pk in customer_ids], batch_size=2000)
    moved = {c.pk: c for c in Customer.objects.select_related("owner").filter(pk__in=ids)}
    for customer in moved.values():
        # visits releases the rep's stops; a pipeline app moves its prospects (the hook).
        signals.owner_changed.send(sender=Customer, customer=customer,
                                   old_owner_id=from_rep.pk, actor=actor, handover=True)
    for customer_id, day in stops:
        customer = moved[customer_id]
        try:
            with transaction.atomic():
                plan_add_stop(actor=actor, rep=customer.owner, date=day, customer=customer)
        except ValidationError:
            pass  # already on the new owner's plan that day
    _move_route_stops(from_rep=from_rep, moves=plan.moves, reps=reps)
    for complaint in Complaint.objects.filter(assignee=from_rep, customer_id__in=ids,
                                              status__in=ACTIVE_STATUSES):
        complaint_assign(actor=actor, complaint=complaint,
                         assignee=reps[plan.moves[complaint.customer_id]],
                         note=_("Handover from %(rep)s") % {"rep": from_rep})
    if deactivate:
        FollowUpTask.objects.filter(rep=from_rep, customer__isnull=True,
                                    done_at__isnull=True).update(rep=plan.to_reps[0])
        user_sessions_end(actor=actor, user=from_rep, reason="handover")
        from_rep.is_active = False
        from_rep.save(update_fields=["is_active"])
    handover = Handover.objects.create(
        from_rep=from_rep, created_by=actor, reason=reason, deactivated=deactivate,
        selection=plan.selection, counts=counts, channel=channel)
    HandoverMove.objects.bulk_create(
        [HandoverMove(handover=handover, customer_id=pk, to_rep_id=rep_id)
         for pk, rep_id in plan.moves.items()], batch_size=2000)
    audit_record(action=AuditEvent.Action.HANDOVER, actor=actor, object_type="customer",
                 row_count=len(ids), channel=channel,
                 detail={"from": from_rep.username, "from_id": from_rep.pk,
                         "to": [rep.username for rep in plan.to_reps],
                         "deactivated": deactivate, "handover_id": handover.pk,
                         "counts": counts})
    return handover


def _move_route_stops(*, from_rep: User, moves: dict[int, int], reps: dict[int, User]) -> None:
    """A moved customer's place on the rep's routes goes to a route of its new owner on the
    same schedule (the same name; made when he has none), at the end of it."""
    targets: dict[tuple[int, int], Route] = {}
    next_position: dict[int, int] = defaultdict(int)
    doomed = []
    for stop in RouteStop.objects.select_related("route").filter(
            route__rep=from_rep, customer_id__in=list(moves)).order_by("route", "position"):
        route, rep = stop.route, reps[moves[stop.customer_id]]
        key = (route.pk, rep.pk)
        if key not in targets:
            targets[key], _created = Route.objects.get_or_create(
                rep=rep, name=route.name, cycle_weeks=route.cycle_weeks,
                week_of_cycle=route.week_of_cycle, weekday=route.weekday,
                defaults={"is_active": route.is_active})
            last = targets[key].stops.order_by("-position").values_list(
                "position", flat=True).first()
            next_position[targets[key].pk] = last or 0
        target = targets[key]
        if RouteStop.objects.filter(route=target, customer_id=stop.customer_id).exists():
            doomed.append(stop.pk)
            continue
        next_position[target.pk] += 1
        stop.route = target
        stop.position = next_position[target.pk]
        stop.save(update_fields=["route", "position"])
    RouteStop.objects.filter(pk__in=doomed).delete()
