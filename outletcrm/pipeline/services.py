"""Writes of the prospect pipeline: open, move (with the exit checks), record outputs, close.

Rules (brief §4, issue 8 item 3):
- A prospect moves forward only past stages whose output record exists: leaving a stage that
  `requires_output` without its record is refused, and a move that skips stages needs the
  record of every stage it passes. The refusal names the stage and its record; nothing is
  written (each service is one transaction).
- Moving back (to redo a stage) is always allowed; the stay is kept in the history.
- Entering the stage that `wins` (by default relationship maintenance) closes the prospect as
  won and turns the customer active through the customers service (history, version).
- Closing as lost needs one of the four typical reasons (brief §4) or "other" with words.
- Every stay in a stage is a StageEntry (entered/left, by whom); `furthest_stage` keeps the
  furthest stage ever reached for the funnel.
"""

import datetime
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.core import scoping
from outletcrm.core.timeline import timeline_add
from outletcrm.customers.choices import Status
from outletcrm.customers.models import Customer
from outletcrm.customers.services import customer_update
from outletcrm.org.models import User
from outletcrm.pipeline.choices import LostReason, Move, Outcome
from outletcrm.pipeline.models import OutputRecord, Prospect, Stage, StageEntry

PROSPECT_STATUSES = (Status.POTENTIAL, Status.INTENT)
TEXT_MAX = 4000
NOTE_MAX = 500
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# What an output record may carry: documents and pictures, never HTML or scripts (the file is
# served back as an attachment through a scoped view, core/files.py).
ATTACHMENT_TYPES = {
    "pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
    "doc": "application/msword", "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",
}


def active_stages() -> list[Stage]:
    """The stages in order (administrators edit them; disabled ones are left out)."""
    return list(Stage.objects.filter(is_active=True).order_by("sort_order", "pk"))


def _first_stage() -> Stage:
    stage = Stage.objects.filter(is_active=True).order_by("sort_order", "pk").first()
    if stage is None:
        raise ValidationError(_("No pipeline stage is enabled; an administrator must set them up."))
    return stage


def _check_worker(actor: User) -> None:
    if not scoping.can_work_prospects(actor):
        raise PermissionDenied(_("You may not work on prospects."))


def _check_in_scope(actor: User, customer_id: int) -> None:
    # The write scope: a customer lent to the actor (借阅) is read only, its development too.
    if not scoping.restrict_writable(Customer.objects.filter(pk=customer_id), actor).exists():
        raise PermissionDenied(_("This customer is outside your scope."))


def _locked(prospect: Prospect) -> Prospect:
    """The prospect re-read under a row lock: two moves of one card are serialised, and the
    second one sees where the first put it."""
    return Prospect.objects.select_for_update().select_related("stage", "customer").get(
        pk=prospect.pk)


def _clean_next_action(next_action, next_action_on) -> tuple[str | None, datetime.date | None]:
    if next_action is not None:
        next_action = str(next_action).strip()
        if len(next_action) > 200:
            raise ValidationError({"next_action": _("At most 200 characters.")})
    if next_action_on is not None and not isinstance(next_action_on, datetime.date):
        raise ValidationError({"next_action_on": _("Enter a valid date (YYYY-MM-DD).")})
    return next_action, next_action_on


@transaction.atomic
def prospect_open(*, actor: User, customer: Customer, next_action: str = "",
                  next_action_on: datetime.date | None = None) -> Prospect:
    """Put a potential or intent customer into the pipeline, at the first stage."""
    _check_worker(actor)
    _check_in_scope(actor, customer.pk)
    customer = Customer.objects.get(pk=customer.pk)
    if customer.archived_at is not None:
        raise ValidationError(_("An archived customer cannot be developed."))
    if customer.status not in PROSPECT_STATUSES:
        raise ValidationError(_("Only potential and intent customers are prospects."))
    if Prospect.objects.filter(customer=customer, outcome=Outcome.OPEN).exists():
        raise ValidationError(_("This customer is already in the pipeline."))
    next_action, next_action_on = _clean_next_action(next_action, next_action_on)
    stage = _first_stage()
    now = timezone.now()
    try:
        with transaction.atomic():
            prospect = Prospect.objects.create(
                customer=customer, stage=stage, furthest_stage=stage, owner_id=customer.owner_id,
                team_id=customer.team_id, region_id=customer.region_id, entered_stage_at=now, created_at=now, created_by=actor,
                next_action=next_action or "", next_action_on=next_action_on)
    except IntegrityError as exc:  # opened by someone else a moment ago
        raise ValidationError(_("This customer is already in the pipeline.")) from exc
    StageEntry.objects.create(prospect=prospect, stage=stage, move=Move.OPENED, entered_at=now,
                              entered_by=actor, **_scope(prospect))
    timeline_add(customer_id=customer.pk, kind="pipeline", actor=actor, source=prospect,
                 title=gettext_lazy("Entered the development pipeline: %(stage)s"),
                 params={"stage": str(stage)})
    return prospect


def prospects_open_missing(*, batch: int = 2000) -> int:
    """Open a prospect, at the first stage, for every live potential or intent customer that
    has never been in the pipeline (a nightly job, the CLI, the demo). Bulk: no per-customer
    query; a lost prospect's customer is not reopened automatically."""
    stage = Stage.objects.filter(is_active=True).order_by("sort_order", "pk").first()
    if stage is None:
        return 0
    candidates = (Customer.objects.live().filter(status__in=PROSPECT_STATUSES)
                  .exclude(pk__in=Prospect.objects.values("customer_id"))
                  .values_list("pk", "owner_id", "team_id", "region_id"))
    now = timezone.now()
    opened = 0
    rows = list(candidates)
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        with transaction.atomic():
            prospects = Prospect.objects.bulk_create([
                Prospect(customer_id=cid, stage=stage, furthest_stage=stage, owner_id=owner_id,
                         team_id=team_id, region_id=region_id, entered_stage_at=now,
                         created_at=now) for cid, owner_id, team_id, region_id in chunk])
            if not all(p.pk for p in prospects):  # backends without RETURNING
                ids = dict(Prospect.objects.filter(customer_id__in=[c[0] for c in chunk])
                           .values_list("customer_id", "pk"))
                for p in prospects:
                    p.pk = ids[p.customer_id]
            StageEntry.objects.bulk_create([
                StageEntry(prospect_id=p.pk, stage=stage, move=Move.OPENED, entered_at=now,
                           **_scope(p)) for p in prospects])
        opened += len(chunk)
    return opened


def _scope(prospect: Prospect) -> dict:
    """The scope columns a stay copies from its prospect."""
    return {"owner_id": prospect.owner_id, "team_id": prospect.team_id,
            "region_id": prospect.region_id}


def _missing_outputs(prospect: Prospect, stages: list[Stage]) -> list[Stage]:
    """The stages among `stages` that require an output the prospect has not recorded."""
    needing = [s for s in stages if s.requires_output]
    if not needing:
        return []
    have = set(OutputRecord.objects.filter(prospect=prospect, stage__in=needing)
               .values_list("stage_id", flat=True))
    return [s for s in needing if s.pk not in have]


def exit_check(prospect: Prospect, to_stage: Stage) -> list[Stage]:
    """Stages whose missing output blocks moving `prospect` forward to `to_stage` (empty when
    the move may go ahead; a move back is never blocked)."""
    stages = active_stages()
    order = {s.pk: i for i, s in enumerate(stages)}
    here, there = order.get(prospect.stage_id), order.get(to_stage.pk)
    if here is None or there is None or there <= here:
        return []
    return _missing_outputs(prospect, stages[here:there])


def refusal_message(missing: list[Stage]) -> str:
    """Why a move was refused, in the reader's language."""
    parts = [_("%(stage)s needs its %(output)s") % {
        "stage": str(s), "output": s.output_label or _("output record")} for s in missing]
    return _("The prospect cannot leave the stage yet: %(missing)s. Record it first.") % {
        "missing": "; ".join(parts)}


def _enter(prospect: Prospect, stage: Stage, *, actor: User, move: str, now) -> None:
    """Close the current stay and open one in `stage` (the caller holds the row lock)."""
    current = (StageEntry.objects.filter(prospect=prospect, left_at__isnull=True)
               .order_by("-entered_at", "-pk").first())
    if current is not None:
        current.left_at = now
        current.left_by = actor
        current.seconds = max(0, int((now - current.entered_at).total_seconds()))
        current.save(update_fields=["left_at", "left_by", "seconds"])
    StageEntry.objects.create(prospect=prospect, stage=stage, move=move, entered_at=now,
                              entered_by=actor, **_scope(prospect))


def _leave(prospect: Prospect, *, actor: User, now) -> None:
    current = (StageEntry.objects.filter(prospect=prospect, left_at__isnull=True)
               .order_by("-entered_at", "-pk").first())
    if current is not None:
        current.left_at = now
        current.left_by = actor
        current.seconds = max(0, int((now - current.entered_at).total_seconds()))
        current.save(update_fields=["left_at", "left_by", "seconds"])


def _check_open(actor: User, prospect: Prospect) -> None:
    _check_worker(actor)
    _check_in_scope(actor, prospect.customer_id)
    if prospect.outcome != Outcome.OPEN:
        raise ValidationError(_("This prospect is closed."))


@transaction.atomic
def prospect_move(*, actor: User, prospect: Prospect, to_stage: Stage,
                  next_action: str | None = None,
                  next_action_on: datetime.date | None = None) -> Prospect:
    """Move a prospect to another stage, forward only past recorded outputs (rules above)."""
    prospect = _locked(prospect)
    _check_open(actor, prospect)
    next_action, next_action_on = _clean_next_action(next_action, next_action_on)
    stages = active_stages()
    order = {s.pk: i for i, s in enumerate(stages)}
    if to_stage.pk not in order:
        raise ValidationError({"stage": _("Choose an enabled stage.")})
    to_stage = stages[order[to_stage.pk]]
    if to_stage.pk == prospect.stage_id:
        raise ValidationError({"stage": _("The prospect is already in this stage.")})
    missing = exit_check(prospect, to_stage)
    if missing:
        raise ValidationError({"stage": refusal_message(missing)}, code="output_missing")
    here = order.get(prospect.stage_id, -1)
    forward = order[to_stage.pk] > here
    now = timezone.now()
    _enter(prospect, to_stage, actor=actor, move=Move.FORWARD if forward else Move.BACK, now=now)
    previous = prospect.stage
    prospect.stage = to_stage
    prospect.entered_stage_at = now
    fields = ["stage", "entered_stage_at"]
    if order[to_stage.pk] > order.get(prospect.furthest_stage_id, -1):
        prospect.furthest_stage = to_stage
        fields.append("furthest_stage")
    if next_action is not None:
        prospect.next_action = next_action
        fields.append("next_action")
    if next_action_on is not None:
        prospect.next_action_on = next_action_on
        fields.append("next_action_on")
    prospect.save(update_fields=fields)
    timeline_add(customer_id=prospect.customer_id, kind="pipeline", actor=actor, source=prospect,
                 title=gettext_lazy("Pipeline: %(from)s → %(to)s"),
                 params={"from": str(previous), "to": str(to_stage)})
    if to_stage.wins:
        _win(actor=actor, prospect=prospect, now=now)
    return prospect


def _win(*, actor: User, prospect: Prospect, now) -> None:
    """Close as won and make the customer active (through the customers service, so the
    change is in the customer's history and raises its version)."""
    prospect.outcome = Outcome.WON
    prospect.closed_at = now
    prospect.closed_by = actor
    prospect.save(update_fields=["outcome", "closed_at", "closed_by"])
    customer = prospect.customer
    if customer.status != Status.ACTIVE:
        customer_update(actor=actor, customer=customer, status=Status.ACTIVE)
    timeline_add(customer_id=prospect.customer_id, kind="pipeline", actor=actor, source=prospect,
                 title=gettext_lazy("Development won: now an active customer"))


@transaction.atomic
def prospect_close_won(*, actor: User, prospect: Prospect) -> Prospect:
    """Win a prospect: move it into the winning stage (the exit checks apply), or, when no
    stage wins, close it where it stands once that stage's output is recorded."""
    prospect = _locked(prospect)
    _check_open(actor, prospect)
    winning = next((s for s in active_stages() if s.wins), None)
    if winning is not None and winning.pk != prospect.stage_id:
        return prospect_move(actor=actor, prospect=prospect, to_stage=winning)
    missing = _missing_outputs(prospect, [prospect.stage])
    if missing:
        raise ValidationError({"stage": refusal_message(missing)}, code="output_missing")
    _win(actor=actor, prospect=prospect, now=timezone.now())
    return prospect


@transaction.atomic
def prospect_close_lost(*, actor: User, prospect: Prospect, reason: str,
                        note: str = "") -> Prospect:
    """Close a prospect as lost with one of the typical reasons (brief §4) or other + words."""
    prospect = _locked(prospect)
    _check_open(actor, prospect)
    note = (note or "").strip()
    if reason not in LostReason.values:
        raise ValidationError({"reason": _("Choose why the prospect was lost.")})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("At most 500 characters.")})
    if reason == LostReason.OTHER and not note:
        raise ValidationError({"note": _("Say why the prospect was lost.")})
    now = timezone.now()
    _leave(prospect, actor=actor, now=now)
    prospect.outcome = Outcome.LOST
    prospect.lost_reason = reason
    prospect.lost_note = note
    prospect.closed_at = now
    prospect.closed_by = actor
    prospect.save(update_fields=["outcome", "lost_reason", "lost_note", "closed_at", "closed_by"])
    timeline_add(customer_id=prospect.customer_id, kind="pipeline", actor=actor, source=prospect,
                 body=note, title=gettext_lazy("Development lost: %(reason)s"),
                 params={"reason": LostReason(reason).label})
    return prospect


@transaction.atomic
def prospect_set_next_action(*, actor: User, prospect: Prospect, next_action: str,
                             next_action_on: datetime.date | None = None) -> Prospect:
    """Say what comes next for a prospect (shown on its card)."""
    prospect = _locked(prospect)
    _check_open(actor, prospect)
    next_action, next_action_on = _clean_next_action(next_action or "", next_action_on)
    prospect.next_action = next_action
    prospect.next_action_on = next_action_on
    prospect.save(update_fields=["next_action", "next_action_on"])
    return prospect


def _check_attachment(attachment) -> str:
    name = os.path.basename(getattr(attachment, "name", "") or "")[:200]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ATTACHMENT_TYPES:
        raise ValidationError({"attachment": _(
            "Attach a PDF, a picture (JPEG, PNG), a Word or Excel document or a text file.")})
    if (getattr(attachment, "size", 0) or 0) > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"attachment": _("The attachment is larger than 10 MB.")})
    return name


@transaction.atomic
def output_add(*, actor: User, prospect: Prospect, text: str, attachment=None) -> OutputRecord:
    """Record the current stage's output (text, optionally a file): what lets it be left.
    A won prospect in the winning stage still takes records (its maintenance plan)."""
    prospect = _locked(prospect)
    _check_worker(actor)
    _check_in_scope(actor, prospect.customer_id)
    if not (prospect.outcome == Outcome.OPEN
            or (prospect.outcome == Outcome.WON and prospect.stage.wins)):
        raise ValidationError(_("This prospect is closed."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what the record says.")})
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": _("At most 4000 characters.")})
    name = _check_attachment(attachment) if attachment else ""
    record = OutputRecord(prospect=prospect, stage=prospect.stage, text=text, created_by=actor,
                          attachment_name=name)
    if attachment:
        # Everything is checked before the file is stored, so a refused record leaves none.
        record.attachment.save(name, attachment, save=False)
    record.save()
    timeline_add(customer_id=prospect.customer_id, kind="pipeline", actor=actor, source=record,
                 body=text[:1000], title=gettext_lazy("Pipeline record: %(output)s"),
                 params={"output": prospect.stage.output_label or str(prospect.stage)})
    return record


def reassign_prospects(*, from_user: User, to_user: User, customer_ids,
                       actor: User | None = None) -> int:
    """Hand `from_user`'s open prospects of `customer_ids` to `to_user` (a rep's handover).

    The hook for the handover of a rep's work: it moves only prospects `from_user` develops,
    so a handover cannot take someone else's. Returns how many moved."""
    ids = [int(c) for c in customer_ids]
    if not ids:
        return 0
    scope = _user_scope(to_user)
    with transaction.atomic():
        moved = 0
        for start in range(0, len(ids), 2000):
            prospects = Prospect.objects.filter(
                customer_id__in=ids[start:start + 2000], owner=from_user, outcome=Outcome.OPEN)
            pks = list(prospects.values_list("pk", flat=True))
            moved += Prospect.objects.filter(pk__in=pks).update(**scope)
            StageEntry.objects.filter(prospect_id__in=pks).update(**scope)
    return moved


def _user_scope(user: User) -> dict:
    """The owner/team/region columns for prospects developed by `user` (as customers'
    services derive a customer's team and region from its owner)."""
    team = user.team
    return {"owner_id": user.pk, "team_id": user.team_id,
            "region_id": team.region_id if team is not None else user.region_id}


def on_owner_changed(sender, *, customer, old_owner_id, actor=None, **kwargs) -> None:
    """customers.signals.owner_changed: the new owner develops the customer's open prospect
    (and its stays follow it into the new owner's scope)."""
    scope = {"owner_id": customer.owner_id, "team_id": customer.team_id,
             "region_id": customer.region_id}
    pks = list(Prospect.objects.filter(customer_id=customer.pk, outcome=Outcome.OPEN)
               .values_list("pk", flat=True))
    Prospect.objects.filter(pk__in=pks).update(**scope)
    StageEntry.objects.filter(prospect_id__in=pks).update(**scope)


def stage_save(*, actor: User, stage: Stage | None = None, **fields) -> Stage:
    """Create or change a stage (administrators; the admin site does the same)."""
    if not scoping.can_manage_pipeline_stages(actor):
        raise PermissionDenied(_("Only administrators change the pipeline stages."))
    stage = stage or Stage()
    for key, value in fields.items():
        setattr(stage, key, value)
    stage.full_clean()
    stage.save()
    return stage
