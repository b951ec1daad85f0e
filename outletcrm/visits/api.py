"""The field API (issue 3, item 8): everything the mobile pages do, for any other client.

Each write endpoint runs one operation of the offline protocol (visits.sync.apply_op), so the
mobile pages, a mini-program and the offline queue all go through the same validation, scope
checks and services. Errors answer 400 with field messages (404 for anything out of scope)
and write nothing.
"""

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from outletcrm.core import params, scoping
from outletcrm.core.api import Pagination, validation_error_detail
from outletcrm.core.params import parse_date as parse_param_date
from outletcrm.core.params import parse_id
from outletcrm.visits import selectors, services, sync
from outletcrm.visits.choices import DoneAction

VISIT_ID = OpenApiParameter("client_id", OpenApiTypes.UUID, OpenApiParameter.PATH,
                            description="The visit's client id (generated on the device).")
OBJECT = OpenApiResponse(OpenApiTypes.OBJECT)
ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Field errors; nothing was written.")
NOT_FOUND = OpenApiResponse(description="Not found or outside your data scope.")
# Form fields around the photo in a multipart upload never need more than this.
PHOTO_FORM_MARGIN = 64 * 1024


def error_response(exc: sync.OpError) -> Response:
    return Response(exc.errors, status=exc.status_code)


def _client_id(request) -> str:
    """The operation's client id from the body; a server-made one when the client sends none."""
    value = request.data.get("client_id") if hasattr(request.data, "get") else None
    return value or str(uuid.uuid4())


def _payload(request) -> dict:
    data = request.data
    if not hasattr(data, "items"):
        return {}
    return {k: v for k, v in data.items() if k != "client_id"}


class TodayView(APIView):
    """The caller's day: the plan in order with customers' coordinates, visits, tasks due."""

    @extend_schema(tags=["field"], responses={200: OBJECT}, summary="My day",
                   parameters=[OpenApiParameter("date", OpenApiTypes.DATE,
                                                description="Default: today.")])
    def get(self, request):
        date = params.parse_date(request.query_params.get("date"))
        return Response(sync.today_snapshot(request.user, date=date))


class PositionsView(APIView):
    """Every position kept about the caller (issue 3, §9): taken only at check-in, check-out
    and coordinate capture; after the retention period only the distance remains."""

    @extend_schema(tags=["field"], responses={200: OBJECT}, summary="Positions kept about me")
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(sync.positions_of(request.user), request, view=self)
        response = paginator.get_paginated_response([sync.position_json(v) for v in page])
        response.data["retention_days"] = settings.POSITION_RETENTION_DAYS
        return response


class CheckInRequest(sync.CheckInPayload):
    client_id = serializers.UUIDField(help_text="Generated on the device; a replay is a no-op.")


class CheckInView(APIView):
    """Check in at an outlet with the phone's position and time (idempotent on client_id)."""

    @extend_schema(tags=["field"], request=CheckInRequest,
                   responses={201: OBJECT, 200: OBJECT, 400: ERRORS, 404: NOT_FOUND},
                   summary="Check in")
    def post(self, request):
        client_id = request.data.get("client_id") if hasattr(request.data, "get") else None
        if not client_id:
            return Response({"client_id": [_("This field is required.")]}, status=400)
        try:
            outcome = sync.apply_op(user=request.user, op="check_in", client_id=client_id,
                                    payload=_payload(request))
        except sync.OpError as exc:
            return error_response(exc)
        code = status.HTTP_201_CREATED if outcome.status == "applied" else status.HTTP_200_OK
        return Response(sync.visit_detail(outcome.visit), status=code)


class VisitOpView(APIView):
    """Base of the endpoints that record on an existing visit."""

    op = ""
    created_status = status.HTTP_200_OK

    def post(self, request, client_id):
        try:
            outcome = sync.apply_op(user=request.user, op=self.op,
                                    client_id=_client_id(request), visit_client_id=client_id,
                                    payload=_payload(request))
        except sync.OpError as exc:
            return error_response(exc)
        visit = sync.visit_for(request.user, client_id)
        body = {"status": outcome.status, "result": outcome.result,
                "visit": sync.visit_detail(visit)}
        code = self.created_status if outcome.status == "applied" else status.HTTP_200_OK
        return Response(body, status=code)


def _visit_op_schema(request_serializer, summary):
    return extend_schema(
        tags=["field"], request=request_serializer, parameters=[VISIT_ID], summary=summary,
        responses={200: OBJECT, 201: OBJECT, 400: ERRORS, 404: NOT_FOUND})


def _with_client_id(serializer_class, help_text):
    return type(f"{serializer_class.__name__.removesuffix('Payload')}Request", (serializer_class,),
                {"client_id": serializers.UUIDField(required=False, help_text=help_text)})


ONCE = "Generated on the device; a replay is a no-op."


class RecordView(VisitOpView):
    op = "record"

    @_visit_op_schema(_with_client_id(sync.RecordPayload, ONCE), "Record steps, notes, checklists")
    def post(self, request, client_id):
        return super().post(request, client_id)


class CheckOutView(VisitOpView):
    op = "check_out"

    @_visit_op_schema(_with_client_id(sync.CheckOutPayload, ONCE), "Check out")
    def post(self, request, client_id):
        return super().post(request, client_id)


class StockView(VisitOpView):
    op = "stock"

    @_visit_op_schema(_with_client_id(sync.StockPayload, ONCE), "Stock check of our products")
    def post(self, request, client_id):
        return super().post(request, client_id)


class SightingView(VisitOpView):
    op = "sighting"
    created_status = status.HTTP_201_CREATED

    @_visit_op_schema(_with_client_id(sync.SightingPayload, ONCE), "Competitor sighting")
    def post(self, request, client_id):
        return super().post(request, client_id)


class OrderView(VisitOpView):
    op = "order"
    created_status = status.HTTP_201_CREATED

    @_visit_op_schema(_with_client_id(sync.OrderPayload, "The order's client id."),
                      "Order taken during the visit")
    def post(self, request, client_id):
        return super().post(request, client_id)


class PaymentView(VisitOpView):
    op = "payment"
    created_status = status.HTTP_201_CREATED

    @_visit_op_schema(_with_client_id(sync.PaymentPayload, "The payment's client id."),
                      "Payment collected during the visit")
    def post(self, request, client_id):
        return super().post(request, client_id)


class PhotoSizeLimit(FileUploadHandler):
    """Stop reading an upload as soon as it passes PHOTO_MAX_BYTES (a 100 MB file is refused
    after the first megabytes, not after it has been written to disk)."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.PHOTO_MAX_BYTES:
            self.request.photo_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def _too_large() -> Response:
    return Response({"image": [_("The photo is larger than %(mb)d MB.")
                               % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)}]}, status=400)


class PhotoView(APIView):
    """Upload a field photo (multipart); watermarked on the server, idempotent on client_id."""

    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        request.upload_handlers.insert(0, PhotoSizeLimit(request))
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(tags=["field"], request={"multipart/form-data": sync.PhotoPayload},
                   parameters=[VISIT_ID], summary="Add a photo",
                   responses={201: OBJECT, 200: OBJECT, 400: ERRORS, 404: NOT_FOUND})
    def post(self, request, client_id):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.PHOTO_MAX_BYTES + PHOTO_FORM_MARGIN:
            return _too_large()  # refused before a byte of the body is read
        data = request.data
        if getattr(request._request, "photo_too_large", False):
            return _too_large()
        payload = sync.PhotoPayload(data=data)
        if not payload.is_valid():
            return Response(sync._flatten(payload.errors), status=400)
        try:
            visit = sync.visit_for(request.user, client_id)
            photo, created = services.visit_add_photo(
                actor=request.user, visit=visit, upload=payload.validated_data["image"],
                client_id=payload.validated_data["client_id"],
                kind=payload.validated_data["kind"],
                taken_at=payload.validated_data.get("taken_at"),
                captured_live=payload.validated_data["captured_live"])
        except sync.OpError as exc:
            return error_response(exc)
        except ValidationError as exc:
            return Response(validation_error_detail(exc), status=400)
        except PermissionDenied as exc:
            return Response({"non_field_errors": [str(exc)]}, status=403)
        body = {"client_id": str(photo.client_id),
                "status": "applied" if created else "duplicate",
                "photo": {"kind": photo.kind, "taken_at": photo.taken_at.isoformat(),
                          "captured_live": photo.captured_live, "url": photo.url}}
        return Response(body, status=201 if created else 200)


class VisitListView(APIView):
    """Visits in the caller's scope (a rep: their own), newest first; filter by date."""

    @extend_schema(tags=["field"], responses={200: OBJECT, 400: ERRORS}, summary="Visits",
                   operation_id="field_visits_list",
                   parameters=[
                       OpenApiParameter("date", OpenApiTypes.DATE),
                       OpenApiParameter("date_from", OpenApiTypes.DATE),
                       OpenApiParameter("date_to", OpenApiTypes.DATE)])
    def get(self, request):
        visits = sync.visit_queryset(request.user).order_by("-checked_in_at", "-pk")
        query = request.query_params
        date = params.parse_date(query.get("date"))
        date_from, date_to = params.parse_period(query.get("date_from"), query.get("date_to"))
        for lookup, value in (("date", date), ("date__gte", date_from), ("date__lte", date_to)):
            if value is not None:
                visits = visits.filter(**{lookup: value})
        paginator = Pagination()
        page = paginator.paginate_queryset(visits, request, view=self)
        return paginator.get_paginated_response([sync.visit_summary(v) for v in page])


class VisitDetailView(APIView):
    """One visit with everything recorded on it."""

    @extend_schema(tags=["field"], parameters=[VISIT_ID], summary="Visit",
                   operation_id="field_visit_retrieve",
                   responses={200: OBJECT, 404: NOT_FOUND})
    def get(self, request, client_id):
        try:
            visit = sync.visit_for(request.user, client_id)
        except sync.OpError as exc:
            return error_response(exc)
        return Response(sync.visit_detail(visit))


class CaptureRequest(sync.PositionFields):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    client_id = serializers.UUIDField(required=False, help_text=ONCE)


class CaptureCoordinatesView(APIView):
    """Record an outlet's coordinates on the spot (经纬度采集) when the archive has none."""

    @extend_schema(tags=["field"], request=CaptureRequest, summary="Capture coordinates",
                   parameters=[OpenApiParameter("pk", OpenApiTypes.INT, OpenApiParameter.PATH)],
                   responses={200: OBJECT, 400: ERRORS, 404: NOT_FOUND})
    def post(self, request, pk):
        payload = {**_payload(request), "customer": pk}
        try:
            outcome = sync.apply_op(user=request.user, op="capture_coordinates",
                                    client_id=_client_id(request), payload=payload)
        except sync.OpError as exc:
            return error_response(exc)
        return Response({"status": outcome.status, "result": outcome.result})


class AddStopRequest(sync.AddStopPayload):
    client_id = serializers.UUIDField(required=False, help_text=ONCE)


class AddStopView(APIView):
    """Add a customer to the caller's plan (a rep's own addition: not counted as planned)."""

    @extend_schema(tags=["field"], request=AddStopRequest, summary="Add a stop to my plan",
                   responses={201: OBJECT, 200: OBJECT, 400: ERRORS, 404: NOT_FOUND})
    def post(self, request):
        try:
            outcome = sync.apply_op(user=request.user, op="add_stop",
                                    client_id=_client_id(request), payload=_payload(request))
        except sync.OpError as exc:
            return error_response(exc)
        code = status.HTTP_201_CREATED if outcome.status == "applied" else status.HTTP_200_OK
        return Response({"status": outcome.status, "result": outcome.result}, status=code)


class DropStopRequest(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    client_id = serializers.UUIDField(required=False, help_text=ONCE)


class DropStopView(APIView):
    """Drop a stop of the caller's plan with a reason (it still counts as planned)."""

    @extend_schema(tags=["field"], request=DropStopRequest, summary="Drop a stop",
                   parameters=[OpenApiParameter("stop_id", OpenApiTypes.INT,
                                                OpenApiParameter.PATH)],
                   responses={200: OBJECT, 400: ERRORS, 404: NOT_FOUND})
    def post(self, request, stop_id):
        payload = {**_payload(request), "stop": stop_id}
        try:
            outcome = sync.apply_op(user=request.user, op="drop_stop",
                                    client_id=_client_id(request), payload=payload)
        except sync.OpError as exc:
            return error_response(exc)
        return Response({"status": outcome.status, "result": outcome.result})


class SyncRequest(serializers.Serializer):
    ops = sync.OperationSerializer(many=True)


class SyncView(APIView):
    """Upload the phone's queue: each operation applied on its own, replays are duplicates."""

    @extend_schema(tags=["field"], request=SyncRequest, summary="Sync the offline queue",
                   responses={200: sync.SyncResultSerializer, 400: ERRORS})
    def post(self, request):
        data = request.data
        ops = data.get("ops") if isinstance(data, dict) else data
        if not isinstance(ops, list):
            return Response({"ops": [_("Send a list of operations.")]}, status=400)
        if len(ops) > sync.MAX_BATCH:
            return Response({"ops": [_("Send at most %(n)d operations at a time.")
                                     % {"n": sync.MAX_BATCH}]}, status=400)
        results = sync.apply_batch(user=request.user, ops=ops)
        return Response({"received_at": timezone.now().isoformat(), "results": results})



# --- tasks: the rep's to-do list (issue 7, §4) --------------------------------------------

TASK_ID = OpenApiParameter("client_id", OpenApiTypes.UUID, OpenApiParameter.PATH,
                           description="The task's client id (generated on the device).")


class TaskCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField()
    phone = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    lng = serializers.FloatField(allow_null=True)


class TaskSerializer(serializers.Serializer):
    """A task as sync.task_json shows it (the schema of the answers)."""

    id = serializers.IntegerField()
    client_id = serializers.UUIDField()
    kind = serializers.CharField(help_text="return_visit, appointment, commitment, todo…")
    kind_label = serializers.CharField()
    title = serializers.CharField()
    due_date = serializers.DateField()
    rep = serializers.IntegerField()
    overdue = serializers.BooleanField()
    done = serializers.BooleanField()
    done_at = serializers.DateTimeField(allow_null=True)
    postponed = serializers.IntegerField(help_text="How many times it was postponed.")
    postpone_reason = serializers.CharField(help_text="The last postponement's reason.")
    needs_outcome = serializers.BooleanField(
        help_text="Completing it requires `action` and `outcome` (a care call, a follow-up).")
    action = serializers.CharField(allow_blank=True,
                                   help_text="What was done: call, visit, gift, message, "
                                             "other; empty while open or when not said.")
    action_label = serializers.CharField(allow_blank=True)
    outcome = serializers.CharField(allow_blank=True, help_text="How it went.")
    escalated = serializers.BooleanField(
        help_text="Overdue past the delay and escalated to the rep's supervisor.")
    customer = TaskCustomerSerializer(allow_null=True)


class TaskPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TaskSerializer(many=True)


class TaskResultSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="applied or duplicate")
    task = TaskSerializer()


class TaskAddRequest(sync.TaskAddPayload):
    client_id = serializers.UUIDField(required=False, help_text=ONCE)


class TaskPostponeRequest(serializers.Serializer):
    due_date = serializers.DateField()
    reason = serializers.CharField(max_length=200)
    client_id = serializers.UUIDField(required=False, help_text=ONCE)


class TaskDoneRequest(serializers.Serializer):
    client_id = serializers.UUIDField(required=False, help_text=ONCE)
    action = serializers.ChoiceField(choices=DoneAction.choices, required=False,
                                     help_text="What was done (required with `outcome` when "
                                               "the task's needs_outcome is true).")
    outcome = serializers.CharField(max_length=1000, required=False, allow_blank=True,
                                    help_text="How it went.")


def _task_answer(request, outcome, task_client_id, code) -> Response:
    task = selectors.with_postponements(sync.task_queryset(request.user)).get(
        client_id=task_client_id)
    body = {"status": outcome.status,
            "task": sync.task_json(task, timezone.localdate())}
    return Response(body, status=code if outcome.status == "applied" else status.HTTP_200_OK)


class TaskListView(APIView):
    """Tasks in the caller's scope (a rep: his own; a supervisor: his team's), soonest first;
    add one (to the caller's list, or a supervisor's to one of his reps')."""

    @extend_schema(tags=["field"], summary="Tasks", operation_id="field_tasks_list",
                   responses={200: TaskPageSerializer, 400: ERRORS, 404: NOT_FOUND},
                   parameters=[
                       OpenApiParameter("page", OpenApiTypes.INT),
                       OpenApiParameter("page_size", OpenApiTypes.INT),
                       OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "done", "all"],
                                        description="Default: open."),
                       OpenApiParameter("rep", OpenApiTypes.INT, description="One rep's tasks."),
                       OpenApiParameter("due_by", OpenApiTypes.DATE,
                                        description="Open tasks due on or before this day."),
                       OpenApiParameter("due", OpenApiTypes.STR,
                                        enum=list(selectors.TASK_DUE_FILTERS),
                                        description="overdue (before today), today, week "
                                                    "(today and the six days after)."),
                       OpenApiParameter("kind", OpenApiTypes.STR,
                                        description="One kind of task (return_visit, "
                                                    "appointment, commitment, todo, and the "
                                                    "kinds other apps register)."),
                       OpenApiParameter("q", OpenApiTypes.STR,
                                        description="Customer name or code, or the task's "
                                                    "text (at most 100 characters)."),
                       OpenApiParameter("escalated", OpenApiTypes.BOOL,
                                        description="Only escalated (true) or not (false).")])
    def get(self, request):
        query = request.query_params
        try:
            rep_id = parse_id(query.get("rep"), field="rep")
            due_by = parse_param_date(query.get("due_by"), field="due_by")
            rep = None
            if rep_id is not None:
                rep = scoping.reps_in_scope(request.user).filter(pk=rep_id).first()
                if rep is None:
                    return Response({"rep": [_("Rep not found.")]}, status=404)
            escalated = _flag(query.get("escalated"), field="escalated")
            tasks = selectors.task_list(user=request.user, rep=rep,
                                        status=query.get("status") or "open",
                                        due_by=due_by, due=query.get("due") or None,
                                        kind=query.get("kind") or None, q=query.get("q"),
                                        escalated=escalated)
        except ValidationError as exc:
            return Response(validation_error_detail(exc), status=400)
        paginator = Pagination()
        page = paginator.paginate_queryset(tasks, request, view=self)
        today = timezone.localdate()
        return paginator.get_paginated_response([sync.task_json(t, today) for t in page])

    @extend_schema(tags=["field"], summary="Add a task", request=TaskAddRequest,
                   responses={201: TaskResultSerializer, 200: TaskResultSerializer,
                              400: ERRORS, 404: NOT_FOUND})
    def post(self, request):
        client_id = _client_id(request)
        try:
            outcome = sync.apply_op(user=request.user, op="task_add", client_id=client_id,
                                    payload=_payload(request))
        except sync.OpError as exc:
            return error_response(exc)
        return _task_answer(request, outcome, client_id, status.HTTP_201_CREATED)


def _flag(raw, *, field: str) -> bool | None:
    """A yes/no query parameter: true/false (1/0); empty is not given."""
    text = str(raw or "").strip().lower()
    if not text:
        return None
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValidationError({field: _("Enter true or false.")})


TASK_PK = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH,
                           description="The task's id.")


def _task_ref(request, *, client_id=None, id=None) -> str:  # noqa: A002 - the path's name
    """The client id of a task in the caller's scope named by its client id or its id; 404
    (sync.OpError) for one outside the scope, exactly as for one that does not exist."""
    try:
        task = selectors.task_get(user=request.user, pk=id, client_id=client_id)
    except Http404:
        raise sync.OpError({"task": [_("Task not found.")]}, 404) from None
    return str(task.client_id)


class TaskDetailView(APIView):
    """One task in the caller's scope."""

    @extend_schema(tags=["field"], summary="A task", operation_id="field_task_by_client_id",
                   parameters=[TASK_ID], responses={200: TaskSerializer, 404: NOT_FOUND})
    def get(self, request, client_id=None, id=None):  # noqa: A002
        try:
            task = selectors.task_get(user=request.user, pk=id, client_id=client_id)
        except Http404:
            return Response({"task": [_("Task not found.")]}, status=404)
        return Response(sync.task_json(task, timezone.localdate()))


class TaskByIdView(TaskDetailView):
    @extend_schema(tags=["field"], summary="A task", operation_id="field_task",
                   parameters=[TASK_PK], responses={200: TaskSerializer, 404: NOT_FOUND})
    def get(self, request, id):  # noqa: A002
        return super().get(request, id=id)


class TaskDoneView(APIView):
    """Mark a task done with what was done (`action`) and how it went (`outcome`); done twice
    is done once, with the first record. Required both for kinds with needs_outcome."""

    @extend_schema(tags=["field"], summary="Complete a task", request=TaskDoneRequest,
                   parameters=[TASK_ID],
                   responses={200: TaskResultSerializer, 400: ERRORS, 404: NOT_FOUND})
    def post(self, request, client_id=None, id=None):  # noqa: A002
        data = _payload(request)
        try:
            task_client_id = _task_ref(request, client_id=client_id, id=id)
            payload = {"task": task_client_id}
            payload.update({k: data[k] for k in ("action", "outcome") if k in data})
            outcome = sync.apply_op(user=request.user, op="task_done",
                                    client_id=_client_id(request), payload=payload)
        except sync.OpError as exc:
            return error_response(exc)
        return _task_answer(request, outcome, task_client_id, status.HTTP_200_OK)


class TaskCompleteByIdView(TaskDoneView):
    @extend_schema(tags=["field"], summary="Complete a task", request=TaskDoneRequest,
                   operation_id="field_task_complete", parameters=[TASK_PK],
                   responses={200: TaskResultSerializer, 400: ERRORS, 404: NOT_FOUND})
    def post(self, request, id):  # noqa: A002
        return super().post(request, id=id)


class TaskPostponeView(APIView):
    """Move a task to a later date with a reason (kept for the supervisor)."""

    @extend_schema(tags=["field"], summary="Postpone a task", request=TaskPostponeRequest,
                   parameters=[TASK_ID],
                   responses={200: TaskResultSerializer, 400: ERRORS, 404: NOT_FOUND})
    def post(self, request, client_id=None, id=None):  # noqa: A002
        try:
            task_client_id = _task_ref(request, client_id=client_id, id=id)
            payload = {**_payload(request), "task": task_client_id}
            outcome = sync.apply_op(user=request.user, op="task_postpone",
                                    client_id=_client_id(request), payload=payload)
        except sync.OpError as exc:
            return error_response(exc)
        return _task_answer(request, outcome, task_client_id, status.HTTP_200_OK)


class TaskPostponeByIdView(TaskPostponeView):
    @extend_schema(tags=["field"], summary="Postpone a task", request=TaskPostponeRequest,
                   operation_id="field_task_postpone_by_id", parameters=[TASK_PK],
                   responses={200: TaskResultSerializer, 400: ERRORS, 404: NOT_FOUND})
    def post(self, request, id):  # noqa: A002
        return super().post(request, id=id)
