"""REST API v1 of customer development: campaigns, outlets met, photos, duplicates, reports.

Recording outlets and answers offline goes through the field sync (`POST /api/v1/sync`, ops
sweep_outlet, sweep_answers, sweep_resolve: development/sync.py), idempotent by client id;
`POST /api/v1/sweeps/ops` runs one of them directly. Everything is scoped (core/scoping.py):
outside the caller's scope is 404.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from outletcrm.core import params
from outletcrm.core.api import validation_error_detail
from outletcrm.development import exports, labels, selectors, services
from outletcrm.development import sync as sweep_sync
from outletcrm.development.choices import REPORT_TEXT_FIELDS, ReportKind
from outletcrm.visits import sync as field_sync
from outletcrm.visits.api import (
    ERRORS,
    NOT_FOUND,
    OBJECT,
    PHOTO_FORM_MARGIN,
    PhotoSizeLimit,
    _too_large,
)

FORBIDDEN = ERRORS


def _refused(exc) -> Response:
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "forbidden"}, status=403)
    return Response(validation_error_detail(exc), status=400)


def _campaign_json(c) -> dict:
    return {"id": c.pk, "name": c.name, "team": c.team_id, "region": c.region_id,
            "area": c.area, "starts_on": c.starts_on.isoformat(),
            "ends_on": c.ends_on.isoformat(), "template": c.template_id, "grid_m": c.grid_m,
            "outlets": getattr(c, "outlet_count", None)}


class CampaignListView(APIView):
    """Sweep campaigns in the caller's scope (a rep: those he is sent on)."""

    @extend_schema(tags=["development"], summary="Sweep campaigns", responses={200: OBJECT},
                   operation_id="sweeps_campaigns_list")
    def get(self, request):
        rows = selectors.campaign_list(user=request.user)[:500]
        return Response({"results": [_campaign_json(c) for c in rows]})


class CampaignDetailView(APIView):
    @extend_schema(tags=["development"], summary="A campaign with its coverage",
                   responses={200: OBJECT, 404: NOT_FOUND})
    def get(self, request, pk):
        campaign = selectors.campaign_get(user=request.user, pk=pk)
        cover = selectors.coverage(user=request.user, campaign=campaign)
        return Response({**_campaign_json(campaign), "coverage": {
            "outlets": cover["total"], "complete": cover["complete"], "filed": cover["filed"],
            "flagged": len(cover["flagged"]), "intentions": cover["intentions"],
            "targets": cover["targets"], "surveyed_targets": cover["surveyed_targets"],
            "cells": len(cover["cells"]), "cells_swept": cover["cells_swept"],
            "reps": [{"rep": r["rep"].pk, "outlets": r["outlets"], "complete": r["complete"],
                      "average": r["average"]} for r in cover["reps"]]},
            "outlets": [sweep_sync.outlet_json(o) for o in cover["outlets"][:2000]]})


ANSWERS_LIMIT = 5000


class CampaignAnswersView(APIView):
    """The survey answers of a campaign's outlets in the caller's scope (a rep: his own)."""

    @extend_schema(tags=["development"], summary="Survey answers of a campaign",
                   operation_id="sweeps_campaign_answers",
                   parameters=[OpenApiParameter("complete", bool, description=(
                       "true: complete forms only; false: incomplete forms only"))],
                   responses={200: OBJECT, 400: ERRORS, 404: NOT_FOUND})
    def get(self, request, pk):
        campaign = selectors.campaign_get(user=request.user, pk=pk)
        raw = request.query_params.get("complete")
        flags = {"true": True, "1": True, "false": False, "0": False}
        if raw not in (None, "") and raw not in flags:
            return Response({"complete": ["Give true or false."]}, status=400)
        found = selectors.campaign_answers(user=request.user, campaign=campaign,
                                           complete=flags.get(raw))
        found["outlets"] = found["outlets"][:ANSWERS_LIMIT]
        return Response(exports.answer_rows(found))


class DuplicatesPayload(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, allow_null=True, min_value=-180,
                                 max_value=180)


class DuplicatesView(APIView):
    """What the archive already holds that a new outlet would duplicate (customers.dedupe);
    a match outside the caller's scope shows its code only."""

    @extend_schema(tags=["development"], summary="Check a new outlet for duplicates",
                   request=DuplicatesPayload, responses={200: OBJECT, 400: ERRORS})
    def post(self, request):
        payload = DuplicatesPayload(data=request.data if isinstance(request.data, dict) else {})
        if not payload.is_valid():
            return Response(field_sync._flatten(payload.errors), status=400)
        d = payload.validated_data
        return Response({"candidates": services.duplicate_candidates(
            actor=request.user, name=d["name"], phone=d.get("phone", ""),
            address=d.get("address", ""), lat=d.get("lat"), lng=d.get("lng"))})


class OpView(APIView):
    """Run one sweep operation (sweep_outlet, sweep_answers, sweep_resolve) now."""

    @extend_schema(tags=["development"], summary="A sweep operation",
                   request=field_sync.OperationSerializer,
                   responses={200: OBJECT, 201: OBJECT, 400: ERRORS, 403: ERRORS,
                              404: NOT_FOUND})
    def post(self, request):
        envelope = field_sync.OperationSerializer(
            data=request.data if isinstance(request.data, dict) else {})
        if not envelope.is_valid():
            return Response(field_sync._flatten(envelope.errors), status=400)
        data = envelope.validated_data
        if not data["op"].startswith("sweep_"):
            return Response({"op": ["Not a sweep operation."]}, status=400)
        try:
            outcome = field_sync.apply_op(user=request.user, op=data["op"],
                                          client_id=data["client_id"],
                                          payload=data.get("payload"))
        except field_sync.OpError as exc:
            return Response(exc.errors, status=exc.status_code)
        return Response({"client_id": str(data["client_id"]), "status": outcome.status,
                         "result": outcome.result},
                        status=201 if outcome.status == "applied" else 200)


class SweepPhotoPayload(serializers.Serializer):
    image = serializers.FileField(allow_empty_file=True)
    client_id = serializers.UUIDField()
    question = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                        max_value=2**63 - 1,
                                        help_text="A photo question; empty: the storefront.")
    taken_at = serializers.DateTimeField(required=False, allow_null=True)


class OutletPhotoView(APIView):
    """The storefront photo or a photo answer of an outlet met (multipart, idempotent)."""

    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        request.upload_handlers.insert(0, PhotoSizeLimit(request))
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(tags=["development"], summary="Add a sweep photo",
                   request={"multipart/form-data": SweepPhotoPayload},
                   parameters=[OpenApiParameter("client_id", str, OpenApiParameter.PATH)],
                   responses={200: OBJECT, 201: OBJECT, 400: ERRORS, 403: ERRORS,
                              404: NOT_FOUND})
    def post(self, request, client_id):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.PHOTO_MAX_BYTES + PHOTO_FORM_MARGIN:
            return _too_large()
        data = request.data
        if getattr(request._request, "photo_too_large", False):
            return _too_large()
        payload = SweepPhotoPayload(data=data)
        if not payload.is_valid():
            return Response(field_sync._flatten(payload.errors), status=400)
        try:
            outlet = services.sweep_outlet_for(actor=request.user, client_id=client_id)
        except ValidationError:
            return Response({"detail": "Not found."}, status=404)
        d = payload.validated_data
        try:
            outlet, created = services.sweep_photo_save(
                actor=request.user, outlet=outlet, upload=d["image"], client_id=d["client_id"],
                question=d.get("question"), taken_at=d.get("taken_at"))
        except (ValidationError, PermissionDenied) as exc:
            return _refused(exc)
        return Response({"client_id": str(d["client_id"]),
                         "status": "applied" if created else "duplicate",
                         "result": sweep_sync.outlet_result(outlet)},
                        status=201 if created else 200)


# --- reports ----------------------------------------------------------------------------------

def report_json(report, *, full: bool = False) -> dict:
    row = {"id": report.pk, "kind": report.kind, "kind_label": str(report.get_kind_display()),
           "author": report.author_id, "author_name": str(report.author),
           "period_start": report.period_start.isoformat(),
           "period_end": report.period_end.isoformat(),
           "submitted_at": report.submitted_at.isoformat() if report.submitted_at else None,
           "read_at": report.read_at.isoformat() if report.read_at else None,
           "unread": report.is_unread}
    if full:
        view = labels.report_view(report)
        row.update({
            "figures": report.figures,
            "counts": [{"label": str(label), "value": value} for label, value in view["counts"]],
            **{name: getattr(report, name) for name in REPORT_TEXT_FIELDS[report.kind]},
            "comments": [{"author": str(c.author), "text": c.text,
                          "created_at": c.created_at.isoformat()}
                         for c in report.comments.select_related("author")]})
    return row


class ReportListView(APIView):
    """Reports in scope: the rep's own, a supervisor's team's; `unread=true` for the
    submitted ones nobody has read yet."""

    @extend_schema(tags=["development"], summary="Reports", operation_id="reports_list",
                   responses={200: OBJECT, 400: ERRORS},
                   parameters=[OpenApiParameter("kind", str, enum=ReportKind.values),
                               OpenApiParameter("unread", bool)])
    def get(self, request):
        kind = request.query_params.get("kind") or ""
        if kind and kind not in ReportKind.values:
            return Response({"kind": ["Unknown report."]}, status=400)
        unread = request.query_params.get("unread") in ("true", "1")
        rows = selectors.report_list(user=request.user, kind=kind, unread=unread)[:500]
        return Response({"results": [report_json(r) for r in rows]})


class ReportOpenPayload(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    date = serializers.DateField(required=False, allow_null=True)


class ReportOpenView(APIView):
    """Open (drafting from the records if new) my report of a kind for a day or its week."""

    @extend_schema(tags=["development"], summary="Open my report", request=ReportOpenPayload,
                   responses={200: OBJECT, 400: ERRORS, 403: ERRORS})
    def post(self, request):
        payload = ReportOpenPayload(data=request.data if isinstance(request.data, dict) else {})
        if not payload.is_valid():
            return Response(field_sync._flatten(payload.errors), status=400)
        day = payload.validated_data.get("date") or timezone.localdate()
        try:
            params.check_date_bounds(day, field="date")
            if day > timezone.localdate() + datetime.timedelta(days=7):
                raise ValidationError({"date": "The date is too far ahead."})
            report = services.report_open(actor=request.user, day=day,
                                          kind=payload.validated_data["kind"])
        except (ValidationError, PermissionDenied) as exc:
            return _refused(exc)
        return Response(report_json(report, full=True))


class ReportSavePayload(serializers.Serializer):
    remarks = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    problems = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    risks = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    changes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    next_steps = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    submit = serializers.BooleanField(default=False)


class CommentPayload(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class ReportDetailView(APIView):
    @extend_schema(tags=["development"], summary="A report", responses={200: OBJECT,
                                                                        404: NOT_FOUND})
    def get(self, request, pk):
        report = selectors.report_get(user=request.user, pk=pk)
        services.report_mark_read(actor=request.user, report=report)
        return Response(report_json(report, full=True))

    @extend_schema(tags=["development"], summary="Complete (and submit) my report",
                   request=ReportSavePayload,
                   responses={200: OBJECT, 400: ERRORS, 403: ERRORS, 404: NOT_FOUND})
    def patch(self, request, pk):
        report = selectors.report_get(user=request.user, pk=pk)
        payload = ReportSavePayload(data=request.data if isinstance(request.data, dict) else {})
        if not payload.is_valid():
            return Response(field_sync._flatten(payload.errors), status=400)
        texts = {k: v for k, v in payload.validated_data.items() if k != "submit"}
        try:
            services.report_save(actor=request.user, report=report, texts=texts,
                                 submit=payload.validated_data["submit"])
        except (ValidationError, PermissionDenied) as exc:
            return _refused(exc)
        return Response(report_json(report, full=True))


class ReportCommentView(APIView):
    @extend_schema(tags=["development"], summary="Comment on a report (its reviewer)",
                   request=CommentPayload,
                   responses={201: OBJECT, 400: ERRORS, 403: ERRORS, 404: NOT_FOUND})
    def post(self, request, pk):
        report = selectors.report_get(user=request.user, pk=pk)
        payload = CommentPayload(data=request.data if isinstance(request.data, dict) else {})
        if not payload.is_valid():
            return Response(field_sync._flatten(payload.errors), status=400)
        try:
            comment = services.report_comment(actor=request.user, report=report,
                                              text=payload.validated_data["text"])
        except (ValidationError, PermissionDenied) as exc:
            return _refused(exc)
        return Response({"id": comment.pk, "text": comment.text}, status=201)
