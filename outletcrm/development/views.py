"""Pages of customer development: campaigns and their coverage, survey forms, reports.

Thin: parse, fetch in scope (selectors, 404 outside), call a service, render."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outletcrm.core import params, scoping
from outletcrm.core.files import PHOTO_CACHE, anonymous_response, file_response, file_user
from outletcrm.development import exports, forms, labels, selectors, services, survey
from outletcrm.development.choices import ReportKind
from outletcrm.development.models import SurveyAnswer, SurveyTemplate, SweepOutlet
from outletcrm.development.sync import form_json


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- campaigns --------------------------------------------------------------------------------

@login_required
@require_GET
def campaign_list(request):
    return render(request, "development/campaigns.html", {
        "campaigns": selectors.campaign_list(user=request.user)[:200],
        "can_open": scoping.can_open_campaign(request.user),
        "today": timezone.localdate(),
        "unread": selectors.unread_count(user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk=None):
    campaign = selectors.campaign_get(user=request.user, pk=pk) if pk else None
    if not (scoping.can_manage_campaign(request.user, campaign) if campaign
            else scoping.can_open_campaign(request.user)):
        raise Http404
    initial = {}
    if campaign is not None:
        import json

        initial = {"name": campaign.name, "team": campaign.team, "starts_on": campaign.starts_on,
                   "ends_on": campaign.ends_on, "region": campaign.region,
                   "area": json.dumps(campaign.area) if campaign.area else "",
                   "template": campaign.template, "grid_m": campaign.grid_m,
                   "notes": campaign.notes, "members": list(campaign.members.all())}
    else:
        today = timezone.localdate()
        initial = {"starts_on": today, "ends_on": today + datetime.timedelta(days=13),
                   "team": request.user.team, "grid_m": 300}
    form = forms.CampaignForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.campaign_save(
                    actor=request.user, campaign=campaign, name=data["name"], team=data["team"],
                    members=data["members"], starts_on=data["starts_on"],
                    ends_on=data["ends_on"], region=data.get("region"), area=data.get("area"),
                    template=data.get("template"), grid_m=data["grid_m"], notes=data["notes"])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Campaign saved."))
                return redirect(saved.get_absolute_url())
        status = 400
    return render(request, "development/campaign_form.html",
                  {"form": form, "campaign": campaign}, status=status)


@login_required
@require_GET
def campaign_detail(request, pk):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    cover = selectors.coverage(user=request.user, campaign=campaign)
    reps = {r["rep"].pk: i for i, r in enumerate(cover["reps"])}
    map_data = {
        "area": campaign.area,
        "cells": cover["cells"],
        "outlets": [{"name": o.name, "rep": str(o.rep), "colour": reps.get(o.rep_id, 0),
                     "lat": float(o.latitude), "lng": float(o.longitude),
                     "completeness": o.completeness, "outcome": o.outcome}
                    for o in cover["outlets"] if o.latitude is not None],
        "not_surveyed": [t for t in cover["not_surveyed"] if t["lat"] is not None],
        "legend": [str(r["rep"]) for r in cover["reps"]],
        "labels": {"swept": _("Swept"), "unswept": _("Not swept yet"),
                   "not_surveyed": _("Customer not surveyed yet")},
    }
    return render(request, "development/campaign.html", {
        "campaign": campaign, "cover": cover, "map_data": map_data,
        "can_manage": scoping.can_manage_campaign(request.user, campaign),
        "can_file": scoping.can_override_duplicate(request.user),
        "members": list(campaign.members.all())})


@login_required
@require_GET
def campaign_export(request, pk):
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    found = selectors.campaign_answers(user=request.user, campaign=campaign)
    data = exports.campaign_workbook(campaign, found["outlets"], found["questions"],
                                     found["answers"])
    return _xlsx(data, f"sweep-{campaign.pk}.xlsx")


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument."
                                               "spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def outlet_detail(request, client_id):
    try:
        outlet = services.sweep_outlet_for(actor=request.user, client_id=client_id)
    except ValidationError:
        raise Http404 from None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "file":
                services.sweep_outlet_resolve(actor=request.user, outlet=outlet,
                                              file_anyway=True)
            else:
                services.sweep_outlet_resolve(
                    actor=request.user, outlet=outlet,
                    customer_id=params.parse_id(request.POST.get("customer"), field="customer"))
            messages.success(request, _("Outlet resolved."))
            return redirect("development:outlet", client_id=outlet.client_id)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    answers = {a.question_id: a for a in outlet.answers.all()}
    sections = form_json(outlet.campaign.template)
    for section in sections:
        for q in section["questions"]:
            a = answers.get(q["id"])
            q["answer"] = a
            q["photo_url"] = reverse("development:answer-photo", args=[a.photo_client_id]) \
                if a is not None and a.photo else ""
    return render(request, "development/outlet.html", {
        "outlet": outlet, "sections": sections,
        "contacts": list(outlet.contacts.order_by("date")),
        "can_file": scoping.can_override_duplicate(request.user)})


@require_GET
def outlet_photo(request, client_id):
    """The storefront photo, to whoever may see the outlet record (404 otherwise)."""
    user = file_user(request)
    if user is None:
        return anonymous_response(request)
    outlet = scoping.restrict_sweep_records(SweepOutlet.objects.all(), user).filter(
        client_id=client_id).first()
    if outlet is None or not outlet.storefront:
        raise Http404
    return file_response(outlet.storefront.name, content_type="image/jpeg",
                         filename=f"{outlet.client_id}.jpg", cache_control=PHOTO_CACHE)


@require_GET
def answer_photo(request, client_id):
    """A photo answer of a survey form, to whoever may see the outlet record."""
    user = file_user(request)
    if user is None:
        return anonymous_response(request)
    answer = scoping.restrict_sweep_records(SurveyAnswer.objects.all(), user,
                                            via="outlet__rep__").filter(
        photo_client_id=client_id).first()
    if answer is None or not answer.photo:
        raise Http404
    return file_response(answer.photo.name, content_type="image/jpeg",
                         filename=f"{client_id}.jpg", cache_control=PHOTO_CACHE)


# --- survey forms -------------------------------------------------------------------------------

@login_required
@require_GET
def template_list(request):
    if not scoping.can_open_campaign(request.user):
        raise Http404
    services.default_template()
    return render(request, "development/templates.html", {
        "templates": SurveyTemplate.objects.prefetch_related("campaigns").all()})


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, pk=None):
    if not scoping.can_open_campaign(request.user):
        raise Http404
    template = SurveyTemplate.objects.filter(pk=pk).first() if pk else None
    if pk and template is None:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "copy" and template:
        copy = services.template_copy(actor=request.user, template=template)
        messages.success(request, _("Form copied."))
        return redirect("development:template-edit", pk=copy.pk)
    initial = {"name": template.name, "definition": survey.render_form(template)} \
        if template else {"definition": survey.DEFAULT_FORM}
    form = forms.TemplateForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.template_save(actor=request.user, template=template,
                                               name=form.cleaned_data["name"],
                                               definition=form.cleaned_data["definition"])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Survey form saved."))
                return redirect("development:template-edit", pk=saved.pk)
        status = 400
    return render(request, "development/template_form.html", {
        "form": form, "template": template,
        "in_use": template is not None and template.campaigns.exists()}, status=status)


# --- reports ----------------------------------------------------------------------------------

@login_required
@require_GET
def report_list(request):
    kind = request.GET.get("kind") or ""
    if kind and kind not in ReportKind.values:
        kind = ""
    unread = request.GET.get("unread") == "1"
    reports = selectors.report_list(user=request.user, kind=kind, unread=unread)[:300]
    return render(request, "development/reports.html", {
        "reports": reports, "kind": kind, "unread": unread, "kinds": ReportKind.choices,
        "unread_count": selectors.unread_count(user=request.user),
        "today": timezone.localdate(),
        "is_supervisor": scoping.is_field_supervisor(request.user)})


@login_required
@require_POST
def report_open(request):
    """Open (drafting if new) my report of a kind for a day: daily, or the day's week."""
    try:
        kind = request.POST.get("kind") or ReportKind.SWEEP_DAILY
        day = params.parse_date(request.POST.get("date"), field="date") or timezone.localdate()
        report = services.report_open(actor=request.user, kind=kind, day=day)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("development:reports")
    return redirect(report.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, pk):
    report = selectors.report_get(user=request.user, pk=pk)
    can_edit = scoping.can_edit_report(request.user, report)
    can_review = scoping.can_review_report(request.user, report)
    form = forms.ReportForm(kind=report.kind, initial={
        name: getattr(report, name) for name in forms.REPORT_TEXT_FIELDS[report.kind]})
    comment_form = forms.CommentForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("save", "submit") and can_edit:
            form = forms.ReportForm(request.POST, kind=report.kind)
            if form.is_valid():
                try:
                    services.report_save(actor=request.user, report=report,
                                         texts=form.cleaned_data, submit=action == "submit")
                except ValidationError as exc:
                    _apply_errors(form, exc)
                else:
                    messages.success(request, _("Report submitted.") if action == "submit"
                                     else _("Report saved."))
                    return redirect(report.get_absolute_url())
        elif action == "comment" and can_review:
            comment_form = forms.CommentForm(request.POST)
            if comment_form.is_valid():
                try:
                    services.report_comment(actor=request.user, report=report,
                                            text=comment_form.cleaned_data["text"])
                except ValidationError as exc:
                    _apply_errors(comment_form, exc)
                else:
                    messages.success(request, _("Comment added."))
                    return redirect(report.get_absolute_url())
        elif action == "redraft" and can_edit and report.submitted_at is None:
            services.report_redraft(report=report)
            return redirect(report.get_absolute_url())
        else:
            raise PermissionDenied
        status = 400
    elif report.submitted_at is None and can_edit:
        services.report_redraft(report=report)  # a draft follows the records
    if request.method == "GET" and can_review:
        services.report_mark_read(actor=request.user, report=report)
    return render(request, "development/report.html", {
        "report": report, "view": labels.report_view(report), "form": form,
        "comment_form": comment_form, "comments": list(report.comments.select_related("author")),
        "can_edit": can_edit, "can_review": can_review}, status=status)


@login_required
@require_GET
def report_export(request, pk):
    report = selectors.report_get(user=request.user, pk=pk)
    data = exports.report_workbook(report, list(report.comments.select_related("author")))
    return _xlsx(data, f"{report.kind}-{report.author.username}-{report.period_start}.xlsx")
