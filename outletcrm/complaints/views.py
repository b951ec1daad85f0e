"""Pages of complaints: list, intake, detail with its actions (htmx), report, photos.

Thin: parse the form, fetch in scope (404 outside it, like a missing record), call a service,
render. One view serves the whole page and the htmx fragment of the detail body.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outletcrm.complaints import forms, selectors, services
from outletcrm.complaints.choices import ACTIVE_STATUSES, Status
from outletcrm.complaints.models import Complaint
from outletcrm.core import files, scoping
from outletcrm.customers.models import Customer
from outletcrm.customers.selectors import CustomerFilters, customer_list

PICK_LIMIT = 20


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_GET
def complaint_list_view(request: HttpRequest) -> HttpResponse:
    """Complaints in scope, with the running target's remaining working time."""
    form = forms.ComplaintFilterForm(request.GET or None)
    filters = selectors.ComplaintFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ComplaintFilters(
            status=data["status"], severity=data["severity"], breached=data["breached"],
            soon=data["soon"], mine=data["mine"])
    page = Paginator(selectors.complaint_list(user=request.user, filters=filters), 50
                     ).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(complaint, selectors.remaining(complaint, now=now)) for complaint in page]
    return render(request, "complaints/list.html", {
        "form": form, "page": page, "rows": rows, "target": "complaint-results",
        "can_report": scoping.can_see_complaint_report(request.user),
        "can_take": scoping.can_take_complaints(request.user),
        "clean_query": request.GET})


@login_required
@require_GET
def complaint_pick_customer_view(request: HttpRequest) -> HttpResponse:
    """Choose the customer a complaint is about (the customer search, within scope)."""
    if not scoping.can_take_complaints(request.user):
        raise PermissionDenied
    q = (request.GET.get("q") or "").strip()[:100]
    customers = []
    if q:
        customers = list(customer_list(user=request.user, filters=CustomerFilters(q=q))
                         [:PICK_LIMIT])
    return render(request, "complaints/pick_customer.html", {"q": q, "customers": customers})


@login_required
@require_http_methods(["GET", "POST"])
def complaint_create_view(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """Log a complaint about a customer."""
    customer = scoping.get_in_scope(Customer.objects.select_related("owner"), request.user,
                                    pk=customer_pk)
    if not scoping.can_take_complaints(request.user):
        raise PermissionDenied
    assignees = scoping.complaint_assignees(request.user)
    form = forms.IntakeForm(request.POST or None, request.FILES or None, customer=customer,
                            assignees=assignees)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.complaint_intake(
                    actor=request.user, customer=customer, contact=data["contact"],
                    channel=data["channel"], category=data["category"],
                    severity=data["severity"], description=data["description"],
                    assignee=data["assignee"],
                    photos=[data["photo"]] if data.get("photo") else [])
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Complaint %(code)s logged.") % {"code": complaint.code})
                return redirect(complaint.get_absolute_url())
        status = 400
    return render(request, "complaints/form.html", {"form": form, "customer": customer},
                  status=status)


def _detail_context(request, complaint: Complaint, bound: dict | None = None) -> dict:
    bound = bound or {}
    user = request.user
    price_check = services.asks_price_check(complaint)
    active = complaint.status in ACTIVE_STATUSES
    actions = {}
    if scoping.can_take_complaints(user):
        if active:
            actions["respond"] = forms.TextForm(prefix="respond")
            actions["commit"] = forms.CommitForm(prefix="commit")
            actions["resolve"] = forms.ResolveForm(prefix="resolve", complaint=complaint,
                                                   price_check=price_check)
        if complaint.status != Status.CLOSED:
            actions["assign"] = forms.AssignForm(
                prefix="assign", assignees=scoping.complaint_assignees(user))
            actions["photo"] = forms.PhotoForm(prefix="photo")
        if complaint.status == Status.RESOLVED:
            actions["close"] = forms.CloseForm(prefix="close")
        if complaint.status in (Status.RESOLVED, Status.CLOSED):
            actions["reopen"] = forms.ReasonForm(prefix="reopen")
            actions["satisfaction"] = forms.SatisfactionForm(prefix="satisfaction")
        actions["note"] = forms.TextForm(prefix="note")
    actions.update({k: v for k, v in bound.items() if k in actions})
    return {"complaint": complaint, "remaining": selectors.remaining(complaint),
            "price_check": price_check, "actions": actions,
            "events": list(complaint.events.all()), "photos": list(complaint.photos.all())}


@login_required
@require_GET
def complaint_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A complaint: facts, targets and countdown, the handling log, the actions."""
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    return render(request, "complaints/detail.html", _detail_context(request, complaint))


def _run(action: str, request, complaint: Complaint, form):
    data = form.cleaned_data
    user = request.user
    if action == "respond":
        return services.complaint_respond(actor=user, complaint=complaint, text=data["text"])
    if action == "note":
        return services.complaint_note(actor=user, complaint=complaint, text=data["text"])
    if action == "commit":
        return services.complaint_commit_date(actor=user, complaint=complaint, date=data["date"],
                                              note=data["note"])
    if action == "resolve":
        return services.complaint_resolve(
            actor=user, complaint=complaint, resolution_type=data["resolution_type"],
            note=data["note"], market_price=data.get("market_price"),
            competitor_quote=data.get("competitor_quote"),
            competitor_entry=data.get("competitor_entry"))
    if action == "close":
        return services.complaint_close(actor=user, complaint=complaint, note=data["note"])
    if action == "reopen":
        return services.complaint_reopen(actor=user, complaint=complaint, reason=data["reason"])
    if action == "assign":
        return services.complaint_assign(actor=user, complaint=complaint,
                                         assignee=data["assignee"], note=data["note"])
    if action == "satisfaction":
        return services.complaint_record_satisfaction(actor=user, complaint=complaint,
                                                      score=data["score"], note=data["note"])
    if action == "photo":
        return services.complaint_photo_add(actor=user, complaint=complaint,
                                            upload=data["image"])
    raise Http404


DONE = {
    "respond": gettext_lazy("Response recorded."), "note": gettext_lazy("Note added."),
    "commit": gettext_lazy("Date recorded."), "resolve": gettext_lazy("Complaint resolved."),
    "close": gettext_lazy("Complaint closed; a satisfaction call is on the list."),
    "reopen": gettext_lazy("Complaint reopened."), "assign": gettext_lazy("Complaint handed over."),
    "satisfaction": gettext_lazy("Satisfaction recorded."), "photo": gettext_lazy("Photo added."),
}


@login_required
@require_POST
def complaint_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on a complaint (htmx: answers with the refreshed detail body)."""
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    context = _detail_context(request, complaint)
    if action not in context["actions"]:
        raise PermissionDenied(_("This action is not available now."))
    blank = context["actions"][action]
    kwargs = {}
    if action == "resolve":
        kwargs = {"complaint": complaint, "price_check": context["price_check"]}
    elif action == "assign":
        kwargs = {"assignees": scoping.complaint_assignees(request.user)}
    form = type(blank)(request.POST, request.FILES, prefix=action, **kwargs)
    ok = False
    if form.is_valid():
        try:
            _run(action, request, complaint, form)
            ok = True
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    htmx = request.headers.get("HX-Request") == "true"
    if ok:
        if not htmx:
            messages.success(request, str(DONE[action]))
            return redirect(complaint.get_absolute_url())
        complaint = selectors.complaint_get(user=request.user, pk=pk)
        context = _detail_context(request, complaint)
        context["done"] = str(DONE[action])
        return render(request, "complaints/_detail_body.html", context)
    context = _detail_context(request, complaint, {action: form})
    context["open_action"] = action
    template = "complaints/_detail_body.html" if htmx else "complaints/detail.html"
    return render(request, template, context, status=200 if htmx else 400)


@login_required
@require_GET
def complaint_report_view(request: HttpRequest) -> HttpResponse:
    """Complaints by category and severity: counts, median working time to respond and to
    resolve, breach rate and satisfaction (supervisors, managers, customer service)."""
    if not scoping.can_see_complaint_report(request.user):
        raise PermissionDenied
    form = forms.ReportForm(request.GET or None)
    today = timezone.localdate()
    since, until = today - datetime.timedelta(days=29), today
    if form.is_valid():
        since = form.cleaned_data["since"] or since
        until = form.cleaned_data["until"] or until
    if until < since or (until - since).days > 366:
        form.add_error(None, _("Choose a period of at most a year, ending after it starts."))
        since, until = today - datetime.timedelta(days=29), today
    report = selectors.complaint_report(user=request.user, since=since, until=until)
    return render(request, "complaints/report.html", {"form": form, "report": report})


@require_GET
def photo_file(request: HttpRequest, client_id) -> HttpResponse:
    """A complaint photo, for whoever may see its complaint (session or API token)."""
    user = files.file_user(request)
    if user is None:
        return files.anonymous_response(request)
    photo = selectors.photo_get(user=user, client_id=client_id)
    return files.file_response(photo.image.name, content_type="image/jpeg",
                               filename=f"{photo.client_id}.jpg",
                               cache_control=files.PHOTO_CACHE)
