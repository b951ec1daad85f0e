"""The field app's protocol: what the phone caches and the operations it uploads (issue 3, §3–4).

The phone works from a snapshot of the rep's day (`today_snapshot`) and queues every action as
an operation with a client-generated id, the device time and the position at capture. The
queue is uploaded as a batch (`apply_batch`), and the REST endpoints of the field API run the
same operations one at a time (`apply_op`), so the mobile pages, a mini-program and offline
sync all write through one path into the services.

Idempotency: an operation that creates a record of its own (check-in → Visit, order → Order,
payment → Payment, photo → VisitPhoto) is a no-op when replayed because the services honour
that record's client id. The others leave a `SyncReceipt` under their client id; a replay finds
the receipt and answers "duplicate" with the first answer.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import serializers

from outletcrm.core import scoping
from outletcrm.core.api import IdField, validation_error_detail
from outletcrm.customers.models import Customer
from outletcrm.orders.models import Order, OrderLine, Payment, PriceListItem, Product
from outletcrm.org.models import User
from outletcrm.visits import services
from outletcrm.visits.choices import (
    HARD_TERMINAL,
    SOFT_TERMINAL,
    DoneAction,
    PhotoKind,
    TaskKind,
    VisitKind,
    VisitStatus,
    task_kind_needs_outcome,
)
from outletcrm.visits.models import (
    FollowUpTask,
    PlannedStop,
    StepTemplate,
    SyncReceipt,
    Visit,
    VisitKindSetting,
    VisitOrder,
)
from outletcrm.visits.selectors import with_postponements

MAX_BATCH = 200

# --- payload serializers: the shape of each operation, validated before any write ---------


class PositionFields(serializers.Serializer):
    """A position as the phone's geolocation reports it (WGS-84)."""

    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0,
                                        max_value=services.MAX_ACCURACY_M)

    def validate(self, attrs):
        if (attrs.get("lat") is None) != (attrs.get("lng") is None):
            raise serializers.ValidationError({"lng": _("Give both latitude and longitude.")})
        return attrs


class CheckInPayload(PositionFields):
    customer = IdField()
    kind = serializers.ChoiceField(choices=VisitKind.choices, default=VisitKind.DAY)
    device_time = serializers.DateTimeField()
    fix_age_s = serializers.FloatField(required=False, allow_null=True, min_value=0,
                                       max_value=services.MAX_FIX_AGE_S)


class CheckOutPayload(PositionFields):
    device_time = serializers.DateTimeField()


class RecordPayload(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    steps = serializers.DictField(child=serializers.BooleanField(), required=False,
                                  help_text="Step position → done.")
    hard_terminal = serializers.DictField(child=serializers.BooleanField(), required=False)
    soft_terminal = serializers.DictField(child=serializers.BooleanField(), required=False)
    next_appointment_at = serializers.DateTimeField(required=False, allow_null=True)
    commitments = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False,
        max_length=20)


class StockRow(serializers.Serializer):
    product = IdField()
    in_stock = serializers.BooleanField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=1, min_value=0,
                                        required=False, allow_null=True)
    shelf_price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0,
                                           required=False, allow_null=True)


class StockPayload(serializers.Serializer):
    rows = StockRow(many=True, allow_empty=False, max_length=500)


class SightingPayload(serializers.Serializer):
    brand = serializers.CharField(max_length=50)
    product_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0,
                                     required=False, allow_null=True)
    promotion = serializers.CharField(max_length=200, required=False, allow_blank=True)
    product = IdField(required=False, allow_null=True,
                                       help_text="A competitor product of the catalogue.")


class OrderLinePayload(serializers.Serializer):
    product = IdField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False,
                                          allow_null=True,
                                          help_text="Defaults to the default price list.")
    discount = serializers.DecimalField(max_digits=5, decimal_places=4, required=False,
                                        default=0, help_text="Fraction off, 0 to below 1.")


class OrderPayload(serializers.Serializer):
    lines = OrderLinePayload(many=True, allow_empty=False, max_length=200)
    device_time = serializers.DateTimeField(required=False, allow_null=True,
                                            help_text="When the order was taken on the device.")
    notes = serializers.CharField(max_length=300, required=False, allow_blank=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class PaymentPayload(serializers.Serializer):
    order = serializers.UUIDField(help_text="The client id of the order paid.")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    method = serializers.ChoiceField(choices=Payment.Method.choices, default=Payment.Method.CASH)
    paid_at = serializers.DateTimeField(required=False, allow_null=True)


class DropStopPayload(serializers.Serializer):
    stop = IdField()
    reason = serializers.CharField(max_length=200)


class AddStopPayload(serializers.Serializer):
    customer = IdField()
    date = serializers.DateField(required=False, allow_null=True)


class CapturePayload(PositionFields):
    customer = IdField()
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)


class PhotoPayload(serializers.Serializer):
    # A plain file field: the service checks size, format and pixels with its own messages.
    image = serializers.FileField(
        allow_empty_file=True, help_text="JPEG, PNG or WebP; watermarked on the server.")
    kind = serializers.ChoiceField(choices=PhotoKind.choices, default=PhotoKind.DISPLAY)
    client_id = serializers.UUIDField()
    taken_at = serializers.DateTimeField(required=False, allow_null=True)
    captured_live = serializers.BooleanField(default=True)


class TaskAddPayload(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_date = serializers.DateField(required=False, allow_null=True,
                                     help_text="Default: read from the title (明天, 下周二…), "
                                               "else today.")
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False,
                                        allow_null=True, help_text="Empty: a general task.")
    rep = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False,
                                   allow_null=True,
                                   help_text="A supervisor's task for one of his reps; "
                                             "default: the caller.")


class TaskRefPayload(serializers.Serializer):
    task = serializers.UUIDField(help_text="The task's client id.")


class TaskDonePayload(TaskRefPayload):
    action = serializers.ChoiceField(choices=DoneAction.choices, required=False,
                                     allow_blank=True, allow_null=True,
                                     help_text="What was done; required with the outcome for "
                                               "kinds that need one (needs_outcome).")
    outcome = serializers.CharField(max_length=1000, required=False, allow_blank=True,
                                    allow_null=True, trim_whitespace=True,
                                    help_text="How it went.")


class TaskPostponePayload(TaskRefPayload):
    due_date = serializers.DateField()
    reason = serializers.CharField(max_length=200)


OP_NAMES = ["check_in", "record", "check_out", "stock", "sighting", "order", "payment",
            "drop_stop", "add_stop", "capture_coordinates", "task_add", "task_done",
            "task_postpone"]


class OperationSerializer(serializers.Serializer):
    """One queued operation of the phone."""

    op = serializers.ChoiceField(choices=[(n, n) for n in OP_NAMES])
    client_id = serializers.UUIDField()
    visit_client_id = serializers.UUIDField(required=False, allow_null=True)
    payload = serializers.DictField(required=False, default=dict)


class OperationResultSerializer(serializers.Serializer):
    client_id = serializers.CharField(allow_null=True)
    status = serializers.CharField(help_text="applied, duplicate or error")
    error = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                  required=False)
    result = serializers.DictField(required=False)


class SyncResultSerializer(serializers.Serializer):
    received_at = serializers.DateTimeField()
    results = OperationResultSerializer(many=True)


# --- operations ---------------------------------------------------------------------------


@dataclass
class OpResult:
    status: str  # applied | duplicate
    result: dict = field(default_factory=dict)
    visit: Visit | None = None
    record: object = None


class OpError(Exception):
    """A refused operation, with field errors in the user's language."""

    def __init__(self, errors: dict, status_code: int = 400):
        super().__init__(errors)
        self.errors = errors
        self.status_code = status_code


def _validated(serializer_class, payload) -> dict:
    serializer = serializer_class(data=payload if isinstance(payload, dict) else {})
    if not serializer.is_valid():
        raise OpError(_flatten(serializer.errors))
    return serializer.validated_data


def _flatten(errors, prefix: str = "") -> dict:
    """DRF's nested errors as {"lines[0].quantity": [...]} so every message has one field."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):  # a row of a list: DRF keys it by index
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, name))
    elif isinstance(errors, list):
        if all(not isinstance(e, dict | list) for e in errors):
            flat[prefix or "non_field_errors"] = [str(e) for e in errors]
        else:
            for i, value in enumerate(errors):
                if value:
                    flat.update(_flatten(value, f"{prefix}[{i}]"))
    else:
        flat[prefix or "non_field_errors"] = [str(errors)]
    return flat


def customer_for(user: User, pk) -> Customer:
    """A customer in the user's scope, for a visit write; out of scope is 'not found' (404)."""
    try:
        return scoping.get_in_scope(Customer.objects.all(), user, pk=pk)
    except Http404:
        raise OpError({"customer": [_("Customer not found.")]}, 404) from None


def visit_queryset(user: User) -> QuerySet:
    """Visits the user may see: their own; a supervisor's team's (core.scoping)."""
    return scoping.restrict_to_reps(Visit.objects.select_related("customer", "rep"), user)


def visit_for(user: User, client_id) -> Visit:
    """A visit in the user's scope by its client id, or 'not found' (404)."""
    try:
        return visit_queryset(user).get(client_id=client_id)
    except (Visit.DoesNotExist, ValueError, TypeError, ValidationError):
        raise OpError({"visit_client_id": [_("Visit not found.")]}, 404) from None


def _receipted(user: User, op: str, client_id: uuid.UUID, apply) -> OpResult:
    """Run an operation that has no record of its own once per client id."""
    receipt = SyncReceipt.objects.filter(client_id=client_id).first()
    if receipt is not None:
        if receipt.user_id != user.pk or receipt.op != op:
            raise OpError({"client_id": [_("This client id belongs to another record.")]})
        return OpResult("duplicate", receipt.result)
    outcome = apply()
    SyncReceipt.objects.create(client_id=client_id, op=op, user=user, result=outcome.result)
    return outcome


def check_in_customer_for(user: User, pk, *, device_time) -> Customer:
    """The customer of a check-in: one in the user's scope, or one on his own plan for the
    check-in's day that has left his scope since, e.g. handed to another rep that day
    (core.scoping.can_work_own_planned_stop), so the former rep's offline check-ins still
    arrive. Anything else is 'not found' (404)."""
    try:
        return customer_for(user, pk)
    except OpError:
        day = timezone.localdate(device_time) if isinstance(device_time, datetime.datetime) \
            else None
        stop = (PlannedStop.objects.filter(rep=user, date=day, customer_id=pk)
                .select_related("customer").first() if day else None)
        if stop is None or not scoping.can_work_own_planned_stop(
                user, stop_rep_id=stop.rep_id, stop_date=stop.date,
                released_on=timezone.localdate(stop.released_at) if stop.released_at else None):
            raise
        return stop.customer


def _op_check_in(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(CheckInPayload, payload)
    customer = check_in_customer_for(user, data["customer"], device_time=data["device_time"])
    try:
        visit, created = services.visit_check_in(
            actor=user, customer=customer, client_id=client_id, kind=data["kind"],
            device_time=data["device_time"], lat=data.get("lat"), lng=data.get("lng"),
            accuracy_m=data.get("accuracy_m"), fix_age_s=data.get("fix_age_s"))
    except services.OpenVisitExists as exc:
        # The open visit's client id lets the phone attach its queued work to that visit.
        raise OpError({**validation_error_detail(exc),
                       "open_visit": [str(exc.visit.client_id)]}) from None
    return OpResult("applied" if created else "duplicate", {
        "visit": str(visit.client_id), "off_site": visit.off_site,
        "distance_m": visit.checkin_distance_m, "is_planned": visit.is_planned,
    }, visit=visit)


def _op_record(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(RecordPayload, payload)
    visit = visit_for(user, visit_client_id)

    def apply():
        services.visit_record(actor=user, visit=visit, **data)
        return OpResult("applied", {"visit": str(visit.client_id)}, visit=visit)

    return _receipted(user, "record", client_id, apply)


def _op_check_out(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(CheckOutPayload, payload)
    visit = visit_for(user, visit_client_id)

    def apply():
        services.visit_check_out(actor=user, visit=visit, device_time=data["device_time"],
                                 lat=data.get("lat"), lng=data.get("lng"),
                                 accuracy_m=data.get("accuracy_m"))
        return OpResult("applied", {"visit": str(visit.client_id),
                                    "duration_s": visit.duration_s}, visit=visit)

    return _receipted(user, "check_out", client_id, apply)


def _op_stock(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(StockPayload, payload)
    visit = visit_for(user, visit_client_id)

    def apply():
        rows = [dict(row) for row in data["rows"]]
        checks = services.visit_record_stock(actor=user, visit=visit, rows=rows)
        return OpResult("applied", {"visit": str(visit.client_id), "rows": len(checks)},
                        visit=visit)

    return _receipted(user, "stock", client_id, apply)


def _op_sighting(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(SightingPayload, payload)
    visit = visit_for(user, visit_client_id)
    product = None
    if data.get("product"):
        product = Product.objects.filter(pk=data["product"], is_competitor=True).first()
        if product is None:
            raise OpError({"product": [_("Unknown competitor product.")]})

    def apply():
        sighting = services.visit_record_sighting(
            actor=user, visit=visit, brand=data["brand"],
            product_name=data.get("product_name", ""), price=data.get("price"),
            promotion=data.get("promotion", ""), product=product)
        return OpResult("applied", {"visit": str(visit.client_id), "sighting": sighting.pk},
                        visit=visit)

    return _receipted(user, "sighting", client_id, apply)


def _op_order(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(OrderPayload, payload)
    visit = visit_for(user, visit_client_id)
    lines = [{k: v for k, v in dict(line).items() if v is not None} for line in data["lines"]]
    for line in lines:
        # As text: orders.services._product takes the integer 1 for the boolean True.
        line["product"] = str(line["product"])
    order, created = services.visit_record_order(
        actor=user, visit=visit, lines=lines, client_id=client_id,
        notes=data.get("notes", ""), due_date=data.get("due_date"),
        ordered_at=data.get("device_time"))
    return OpResult("applied" if created else "duplicate", {
        "visit": str(visit.client_id), "order": str(order.client_id), "code": order.code,
        "total": str(order.total)}, visit=visit, record=order)


def _op_payment(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(PaymentPayload, payload)
    visit = visit_for(user, visit_client_id)
    order = scoping.restrict(Order.objects.all(), user, via="customer__").filter(
        client_id=data["order"]).first()
    if order is None:
        raise OpError({"order": [_("Order not found.")]})
    payment, created = services.visit_record_payment(
        actor=user, visit=visit, order=order, amount=data["amount"], client_id=client_id,
        method=data["method"], paid_at=data.get("paid_at"))
    return OpResult("applied" if created else "duplicate", {
        "visit": str(visit.client_id), "payment": str(payment.client_id),
        "amount": str(payment.amount)}, visit=visit, record=payment)


def _op_drop_stop(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(DropStopPayload, payload)
    stop = scoping.restrict_to_reps(PlannedStop.objects.select_related("rep"), user).filter(
        pk=data["stop"]).first()
    if stop is None:
        raise OpError({"stop": [_("Stop not found.")]}, 404)

    def apply():
        services.plan_drop_stop(actor=user, stop=stop, reason=data["reason"])
        return OpResult("applied", {"stop": stop.pk})

    return _receipted(user, "drop_stop", client_id, apply)


def _op_add_stop(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(AddStopPayload, payload)
    customer = customer_for(user, data["customer"])
    date = data.get("date") or timezone.localdate()

    def apply():
        stop = services.plan_add_stop(actor=user, rep=user, date=date, customer=customer)
        return OpResult("applied", {"stop": stop.pk, "customer": customer.pk})

    return _receipted(user, "add_stop", client_id, apply)


def _op_capture_coordinates(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(CapturePayload, payload)
    customer = customer_for(user, data["customer"])

    def apply():
        services.capture_coordinates(actor=user, customer=customer, lat=data["lat"],
                                     lng=data["lng"], accuracy_m=data.get("accuracy_m"))
        return OpResult("applied", {"customer": customer.pk, "lat": data["lat"],
                                    "lng": data["lng"]})

    return _receipted(user, "capture_coordinates", client_id, apply)


def task_queryset(user: User) -> QuerySet:
    """Tasks the user may see: their own; a supervisor's team's (core.scoping)."""
    return scoping.restrict_to_reps(
        FollowUpTask.objects.select_related("customer", "rep"), user)


def task_for(user: User, client_id) -> FollowUpTask:
    """A task in the user's scope by its client id, or 'not found' (404)."""
    try:
        return task_queryset(user).get(client_id=client_id)
    except (FollowUpTask.DoesNotExist, ValueError, TypeError, ValidationError):
        raise OpError({"task": [_("Task not found.")]}, 404) from None


def _op_task_add(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(TaskAddPayload, payload)
    existing = FollowUpTask.objects.filter(client_id=client_id).first()
    if existing is not None:  # a replay: the first answer, before any other check
        task, created = services.task_add(actor=user, rep=existing.rep, title=existing.title,
                                          client_id=client_id)
    else:
        rep = user
        if data.get("rep") and data["rep"] != user.pk:
            rep = scoping.reps_in_scope(user).filter(pk=data["rep"]).first()
            if rep is None:
                raise OpError({"rep": [_("Rep not found.")]}, 404)
        customer = customer_for(user, data["customer"]) if data.get("customer") else None
        task, created = services.task_add(actor=user, rep=rep, title=data["title"],
                                          due_date=data.get("due_date"), customer=customer,
                                          client_id=client_id)
    return OpResult("applied" if created else "duplicate", {
        "task": str(task.client_id), "due_date": task.due_date.isoformat()}, record=task)


def _op_task_done(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(TaskDonePayload, payload)
    task = task_for(user, data["task"])

    def apply():
        done = services.task_complete(actor=user, task=task, action=data.get("action"),
                                      outcome=data.get("outcome") or "")
        return OpResult("applied", {"task": str(done.client_id),
                                    "done_at": done.done_at.isoformat(),
                                    "action": done.done_action, "outcome": done.outcome},
                        record=done)

    return _receipted(user, "task_done", client_id, apply)


def _op_task_postpone(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(TaskPostponePayload, payload)
    task = task_for(user, data["task"])

    def apply():
        moved = services.task_postpone(actor=user, task=task, due_date=data["due_date"],
                                       reason=data["reason"])
        return OpResult("applied", {"task": str(moved.client_id),
                                    "due_date": moved.due_date.isoformat()}, record=moved)

    return _receipted(user, "task_postpone", client_id, apply)


HANDLERS = {
    "check_in": _op_check_in, "record": _op_record, "check_out": _op_check_out,
    "stock": _op_stock, "sighting": _op_sighting, "order": _op_order, "payment": _op_payment,
    "drop_stop": _op_drop_stop, "add_stop": _op_add_stop,
    "capture_coordinates": _op_capture_coordinates,
    "task_add": _op_task_add, "task_done": _op_task_done, "task_postpone": _op_task_postpone,
}


def register_op(name: str, handler) -> None:
    """A higher app adds a phone operation (development: an outlet filed in a sweep, survey
    answers) without visits importing it: `handler(user, client_id, visit_client_id, payload)`
    returns an OpResult and runs inside apply_op's savepoint like the operations above."""
    HANDLERS[name] = handler
    if name not in OP_NAMES:
        OP_NAMES.append(name)
    # A DRF field is deep-copied from its constructor arguments: replace it, not its choices.
    OperationSerializer._declared_fields["op"] = serializers.ChoiceField(
        choices=[(n, n) for n in OP_NAMES])


def apply_op(*, user: User, op: str, client_id, visit_client_id=None, payload=None) -> OpResult:
    """Apply one operation in its own savepoint; raises OpError with field errors.

    Nothing is half-written: a refused operation rolls back everything it did.
    """
    try:
        client_id = uuid.UUID(str(client_id))
    except (TypeError, ValueError, AttributeError):
        raise OpError({"client_id": [_("Invalid client id.")]}) from None
    handler = HANDLERS.get(op)
    if handler is None:
        raise OpError({"op": [_("Unknown operation.")]})
    try:
        with transaction.atomic():
            return handler(user, client_id, visit_client_id, payload or {})
    except ValidationError as exc:
        raise OpError(validation_error_detail(exc)) from None
    except PermissionDenied as exc:
        raise OpError({"non_field_errors": [str(exc) or _("You are not allowed to do this.")]},
                      403) from None
    except Http404:
        raise OpError({"non_field_errors": [_("Not found.")]}, 404) from None
    except IntegrityError:
        # A concurrent upload of the same client id won the race: the first answer stands.
        receipt = SyncReceipt.objects.filter(client_id=client_id, user=user).first()
        if receipt is not None:
            return OpResult("duplicate", receipt.result)
        raise OpError({"client_id": [_("This record was already uploaded.")]}) from None


def apply_batch(*, user: User, ops: list) -> list[dict]:
    """Apply a batch in order, each operation on its own: one refusal never loses the others."""
    results = []
    refused_check_ins: dict[str, str] = {}  # client id → why, for the visit's later operations
    for raw in ops:
        envelope = OperationSerializer(data=raw if isinstance(raw, dict) else {})
        raw_id = raw.get("client_id") if isinstance(raw, dict) else None
        if not envelope.is_valid():
            results.append({"client_id": str(raw_id) if raw_id else None, "status": "error",
                            "error": _flatten(envelope.errors)})
            continue
        data = envelope.validated_data
        refused = refused_check_ins.get(str(data.get("visit_client_id")))
        if refused is not None:
            results.append({"client_id": str(data["client_id"]), "status": "error", "error": {
                "visit_client_id": [_("Not recorded: the check-in of this visit was refused "
                                      "(%(reason)s).") % {"reason": refused}]}})
            continue
        try:
            outcome = apply_op(user=user, op=data["op"], client_id=data["client_id"],
                               visit_client_id=data.get("visit_client_id"),
                               payload=data.get("payload"))
        except OpError as exc:
            results.append({"client_id": str(data["client_id"]), "status": "error",
                            "error": exc.errors})
            if data["op"] == "check_in":
                refused_check_ins[str(data["client_id"])] = " ".join(
                    str(m) for key, messages in exc.errors.items() if key != "open_visit"
                    for m in messages)
            continue
        results.append({"client_id": str(data["client_id"]), "status": outcome.status,
                        "result": outcome.result})
    return results


# --- reads: the day's snapshot, a visit, the positions kept about a rep ---------------------


def _num(value):
    return None if value is None else float(value)


def _iso(value):
    return value.isoformat() if value is not None else None


def customer_json(customer: Customer) -> dict:
    return {
        "id": customer.pk, "code": customer.code, "name": customer.name,
        "address": customer.full_address, "phone": customer.phone,
        "lat": _num(customer.latitude), "lng": _num(customer.longitude),
    }


def visit_summary(visit: Visit) -> dict:
    return {
        "client_id": str(visit.client_id), "customer": customer_json(visit.customer),
        "rep": visit.rep_id,
        "kind": visit.kind, "kind_label": visit.get_kind_display(), "date": _iso(visit.date),
        "is_planned": visit.is_planned, "status": visit.status,
        "status_label": visit.get_status_display(),
        "checked_in_at": _iso(visit.checked_in_at), "checked_out_at": _iso(visit.checked_out_at),
        "duration_s": visit.duration_s, "off_site": visit.off_site,
        "distance_m": visit.checkin_distance_m,
    }


def _step_title(template: StepTemplate) -> str:
    english = (get_language() or "").startswith("en")
    return template.title_en if english and template.title_en else template.title


def catalogue(user: User | None = None) -> dict:
    """What a visit form needs offline: products with default prices, steps, checklists.

    The visit kinds offered are those the user may check in with (a ride-along only for a
    supervisor; visits.services.visit_check_in)."""
    prices = dict(PriceListItem.objects.filter(price_list__is_default=True)
                  .values_list("product_id", "unit_price"))
    products, competitors = [], []
    for product in Product.objects.filter(is_active=True).order_by("brand", "code"):
        row = {"id": product.pk, "code": product.code, "name": product.name,
               "brand": product.brand, "spec": product.spec, "unit": product.unit}
        if product.is_competitor:
            competitors.append(row)
        else:
            price = prices.get(product.pk)
            products.append({**row, "price": str(price) if price is not None else None})
    steps: dict[str, list] = {kind: [] for kind in VisitKind.values}
    for template in StepTemplate.objects.filter(is_active=True).order_by("kind", "position"):
        steps.setdefault(template.kind, []).append(
            {"position": template.position, "title": _step_title(template)})
    live = dict(VisitKindSetting.objects.values_list("kind", "requires_live_photo"))
    return {
        "products": products, "competitor_products": competitors, "steps": steps,
        "kinds": [{"value": v, "label": str(label), "requires_live_photo": live.get(v, True)}
                  for v, label in VisitKind.choices
                  if v != VisitKind.RIDE_ALONG or user is None
                  or scoping.is_field_supervisor(user)],
        "photo_kinds": [{"value": v, "label": str(label)} for v, label in PhotoKind.choices],
        "hard_terminal": [{"key": k, "label": str(label)} for k, label in HARD_TERMINAL],
        "soft_terminal": [{"key": k, "label": str(label)} for k, label in SOFT_TERMINAL],
        "payment_methods": [{"value": v, "label": str(label)}
                            for v, label in Payment.Method.choices],
        "checkin_radius_m": settings.CHECKIN_RADIUS_M,
    }


def open_tasks(user: User, *, until: datetime.date | None = None) -> QuerySet:
    """The rep's tasks not yet done, due by `until` (all when None), with their postponements."""
    tasks = with_postponements(FollowUpTask.objects.filter(rep=user, done_at__isnull=True)
                               .select_related("customer"))
    return tasks if until is None else tasks.filter(due_date__lte=until)


def task_json(task: FollowUpTask, today: datetime.date) -> dict:
    """A task as the phone and the API show it (from selectors.with_postponements)."""
    return {"id": task.pk, "client_id": str(task.client_id), "kind": task.kind,
            "kind_label": str(task.get_kind_display()), "title": task.title_text,
            "due_date": _iso(task.due_date), "rep": task.rep_id,
            "overdue": task.done_at is None and task.due_date < today,
            "done": task.done_at is not None, "done_at": _iso(task.done_at),
            "postponed": task.postponed_count, "postpone_reason": task.postpone_reason,
            "needs_outcome": task_kind_needs_outcome(task.kind),
            "action": task.done_action, "action_label": str(task.get_done_action_display()),
            "outcome": task.outcome, "escalated": task.escalated_at is not None,
            "customer": customer_json(task.customer) if task.customer_id else None}


TASK_PAGE_LIMIT = 300
TASK_CUSTOMER_LIMIT = 3000


def tasks_snapshot(user: User) -> dict:
    """The task page's data, kept on the phone: open tasks, and the rep's customers for
    adding one. Four queries whatever the number of tasks."""
    today = timezone.localdate()
    tasks = open_tasks(user).order_by("due_date", "pk")[:TASK_PAGE_LIMIT]
    customers = (scoping.restrict(Customer.objects.filter(archived_at__isnull=True), user)
                 .order_by("name", "pk").values_list("pk", "code", "name")[:TASK_CUSTOMER_LIMIT])
    return {
        "date": today.isoformat(), "generated_at": timezone.now().isoformat(),
        "tasks": [task_json(t, today) for t in tasks],
        "customers": [{"id": pk, "code": code, "name": name} for pk, code, name in customers],
    }


def today_snapshot(user: User, *, date: datetime.date | None = None) -> dict:
    """The rep's day: plan in order, visits made, tasks due, and the visit catalogue.

    A constant number of queries whatever the number of stops (the today page's p95 budget).
    """
    date = date or timezone.localdate()
    stops = list(PlannedStop.objects.filter(rep=user, date=date)
                 .select_related("customer", "plan").order_by("position", "pk"))
    visits = list(Visit.objects.filter(rep=user, date=date).select_related("customer")
                  .order_by("checked_in_at", "pk"))
    latest_by_customer: dict[int, Visit] = {}
    for visit in visits:
        if visit.status != VisitStatus.REJECTED:
            latest_by_customer[visit.customer_id] = visit
    planned_customers = {s.customer_id for s in stops}
    stop_rows = []
    for stop in stops:
        visit = latest_by_customer.get(stop.customer_id)
        stop_rows.append({
            "id": stop.pk, "position": stop.position, "origin": stop.origin,
            "origin_label": stop.get_origin_display(),
            "counts_as_planned": stop.counts_as_planned,
            "planned_arrival": stop.planned_arrival.strftime("%H:%M")
            if stop.planned_arrival else None,
            "dropped": stop.dropped_at is not None, "drop_reason": stop.drop_reason,
            "customer": customer_json(stop.customer),
            "visit": visit_summary(visit) if visit else None,
        })
    plan = stops[0].plan if stops else None
    tomorrow = date + datetime.timedelta(days=1)
    return {
        "date": date.isoformat(), "generated_at": timezone.now().isoformat(),
        "rep": {"id": user.pk, "name": str(user)},
        "plan": {"id": plan.pk, "optimised": plan.optimised_at is not None} if plan else None,
        "stops": stop_rows,
        "visits": [visit_summary(v) for v in visits],
        "unplanned_visits": [visit_summary(v) for v in visits
                             if v.customer_id not in planned_customers],
        "tasks": [task_json(t, date) for t in open_tasks(user, until=tomorrow)],
        "catalogue": catalogue(user),
    }


def visit_detail(visit: Visit) -> dict:
    """Everything recorded on a visit, for its page and the API."""
    steps = list(visit.steps.all())
    photos = list(visit.photos.all())
    stock = list(visit.stock_checks.select_related("product"))
    sightings = list(visit.sightings.all())
    links = list(VisitOrder.objects.filter(visit=visit).select_related("order").prefetch_related(
        Prefetch("order__lines", queryset=OrderLine.objects.select_related("product")),
        "order__payments"))
    follow_ups = list(visit.follow_ups.all())
    return {
        **visit_summary(visit),
        "checkin_received_at": _iso(visit.checkin_received_at),
        "lat": _num(visit.checkin_lat), "lng": _num(visit.checkin_lng),
        "accuracy_m": visit.checkin_accuracy_m, "fix_age_s": visit.checkin_fix_age_s,
        "checkout_distance_m": visit.checkout_distance_m,
        "notes": visit.notes, "hard_terminal": visit.hard_terminal,
        "soft_terminal": visit.soft_terminal,
        "next_appointment_at": _iso(visit.next_appointment_at),
        "rejected": visit.status == VisitStatus.REJECTED, "reject_reason": visit.reject_reason,
        "steps": [{"position": s.position, "title": s.title, "done": s.done} for s in steps],
        "photos": [{"client_id": str(p.client_id), "kind": p.kind,
                    "kind_label": p.get_kind_display(), "taken_at": _iso(p.taken_at),
                    "captured_live": p.captured_live, "url": p.url if p.image else None}
                   for p in photos],
        "stock": [{"product": c.product_id, "product_name": str(c.product),
                   "in_stock": c.in_stock, "quantity": _num(c.quantity),
                   "shelf_price": _num(c.shelf_price)} for c in stock],
        "sightings": [{"brand": s.brand, "product_name": s.product_name,
                       "price": _num(s.price), "promotion": s.promotion} for s in sightings],
        "orders": [{
            "client_id": str(link.order.client_id), "code": link.order.code,
            "total": str(link.order.total), "status": link.order.status,
            "paid": str(sum((p.amount for p in link.order.payments.all()), 0)),
            "lines": [{"product": line.product_id, "product_name": str(line.product),
                       "quantity": str(line.quantity), "unit_price": str(line.unit_price),
                       "discount": str(line.discount), "amount": str(line.amount)}
                      for line in link.order.lines.all()],
        } for link in links],
        "commitments": [{"kind": t.kind, "kind_label": t.get_kind_display(), "title": t.title_text,
                         "due_date": _iso(t.due_date)} for t in follow_ups
                        if t.kind == TaskKind.COMMITMENT],
        "follow_ups": [{"kind": t.kind, "kind_label": t.get_kind_display(), "title": t.title_text,
                        "due_date": _iso(t.due_date)} for t in follow_ups],
    }


def positions_of(user: User) -> QuerySet:
    """Every visit of the rep that carries position data, newest first (issue 3, §9)."""
    return Visit.objects.filter(rep=user).select_related("customer").order_by(
        "-checked_in_at", "-pk")


def position_json(visit: Visit) -> dict:
    """What is kept about the rep's position at one visit; after retention only distances."""
    return {
        "visit": str(visit.client_id), "customer": visit.customer.name, "date": _iso(visit.date),
        "reduced": visit.positions_reduced_at is not None,
        "check_in": {"at": _iso(visit.checked_in_at), "lat": _num(visit.checkin_lat),
                     "lng": _num(visit.checkin_lng), "accuracy_m": visit.checkin_accuracy_m,
                     "fix_age_s": visit.checkin_fix_age_s,
                     "distance_m": visit.checkin_distance_m},
        "check_out": {"at": _iso(visit.checked_out_at), "lat": _num(visit.checkout_lat),
                      "lng": _num(visit.checkout_lng), "accuracy_m": visit.checkout_accuracy_m,
                      "distance_m": visit.checkout_distance_m}
        if visit.checked_out_at else None,
    }
