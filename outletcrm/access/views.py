"""Pages of archive governance: borrowing (request, mine, the custodian's inbox), the access
report with its anomalies, the export list and inbox, one's own exports, and the printed
customer card. Thin: parse, call a selector or service, render."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from outletcrm.access import selectors, services
from outletcrm.access.forms import BorrowForm, DecideForm, PeriodForm
from outletcrm.core import files, params, scoping
from outletcrm.core.accesslog import Action, access_record
from outletcrm.core.audit import audit_record
from outletcrm.core.models import AuditEvent, ExportRequest
from outletcrm.customers import exports, importexport, privacy
from outletcrm.customers import selectors as customer_selectors

PAGE_SIZE = 50


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return exc.messages


def _keeper_only(request) -> None:
    if not scoping.is_archive_keeper(request.user):
        raise Http404


# --- borrowing -----------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def borrow_request_view(request: HttpRequest) -> HttpResponse:
    """Find customers outside one's scope by their exact code or name, and ask to borrow them."""
    text = (request.GET.get("q") or request.POST.get("q") or "").strip()[:100]
    candidates = selectors.borrow_candidates(user=request.user, text=text)
    form = BorrowForm(request.POST or None)
    errors: list[str] = []
    chosen: list[int] = []
    if request.method == "POST":
        try:
            chosen = params.parse_ids(request.POST.getlist("customers"), field="customers")
        except ValidationError as exc:
            errors += _errors(exc)
        if form.is_valid() and not errors:
            try:
                borrow = services.borrow_request_create(actor=request.user, customer_ids=chosen,
                                                        **form.cleaned_data)
            except ValidationError as exc:
                errors += _errors(exc)
            except PermissionDenied as exc:
                errors.append(str(exc))
            else:
                messages.success(request, _("Your request was sent to the archive custodian."))
                return redirect(f"{reverse('access:my_borrowing')}#borrow-{borrow.pk}")
    return render(request, "access/borrow_request.html", {
        "form": form, "q": text, "candidates": candidates, "chosen": set(chosen),
        "errors": errors, "searched": len(text) >= 2,
    }, status=400 if errors or (form.is_bound and form.errors) else 200)


@login_required
@require_safe
def my_borrowing_view(request: HttpRequest) -> HttpResponse:
    """The user's own borrowing requests, their state and period."""
    requests = list(selectors.my_borrow_requests(user=request.user)[:200])
    return render(request, "access/borrow_mine.html", {
        "requests": requests, "names": selectors.customer_names(requests),
        "now": timezone.now()})


@login_required
@require_safe
def borrow_inbox_view(request: HttpRequest) -> HttpResponse:
    """The custodian's inbox: borrowing requests waiting for a decision."""
    _keeper_only(request)
    requests = selectors.borrow_inbox(user=request.user)
    return render(request, "access/borrow_inbox.html", {
        "requests": requests, "names": selectors.customer_names(requests),
        "form": DecideForm()})


@login_required
@require_POST
def borrow_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or refuse one request."""
    borrow = selectors.borrow_get(user=request.user, pk=pk)
    if borrow is None or borrow.requester_id == request.user.pk:
        raise Http404
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or refuse."))
        return redirect("access:borrow_inbox")
    try:
        services.borrow_decide(actor=request.user, borrow=borrow,
                               approve=form.cleaned_data["decision"] == "approve",
                               note=form.cleaned_data["note"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(_errors(exc)) if isinstance(exc, ValidationError)
                       else str(exc))
    else:
        messages.success(request, _("Decision recorded; the requester has been told."))
    return redirect("access:borrow_inbox")


@login_required
@require_POST
def borrow_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The requester withdraws a request or gives the customers back early."""
    borrow = selectors.borrow_get(user=request.user, pk=pk)
    if borrow is None or borrow.requester_id != request.user.pk:
        raise Http404
    try:
        services.borrow_withdraw(actor=request.user, borrow=borrow)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    return redirect("access:my_borrowing")


# --- the access report (查询制度) --------------------------------------------------------------

ANOMALY_PAGE = 100  # anomalies rendered at a time (newest day first); the rest page by page
REPORT_PAGE = 100  # users of the per-user table rendered at a time (most views first)


@login_required
@require_safe
@vary_on_headers("HX-Request", "HX-Target", "HX-History-Restore-Request", "HX-Current-URL")
def access_report_view(request: HttpRequest) -> HttpResponse:
    """Per-user access report for a period, and the anomalies in it, each table a page at a
    time (ANOMALY_PAGE anomalies, REPORT_PAGE users; each table has its own page parameter):
    a 92-day period of a large company flags thousands of days and covers thousands of users.
    An htmx request for one table's page renders (and computes) that table only."""
    _keeper_only(request)
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "start": start, "end": end}
    # Which table an htmx page link asked for (its hx-target); a plain request, or htmx
    # restoring its history, gets the whole page.
    target = None
    if request.headers.get("HX-Request") == "true" and \
            request.headers.get("HX-History-Restore-Request") != "true":
        target = "report-users" if request.headers.get("HX-Target") == "report-users" \
            else "anomalies"
    query = _report_query(request, target)
    if target != "report-users":
        context["anomalies"] = Paginator(
            selectors.access_anomalies(user=request.user, start=start, end=end),
            ANOMALY_PAGE).get_page(query.get("page"))
        context["anomalies_query"] = _without(query, "page")
    if target != "anomalies":
        context["users"] = Paginator(
            selectors.access_report(user=request.user, start=start, end=end),
            REPORT_PAGE).get_page(query.get("users_page"))
        context["users_query"] = _without(query, "users_page")
    if target is None:
        return render(request, "access/report.html", context, status=status)
    template = "access/_anomalies.html" if target == "anomalies" else "access/_report_users.html"
    response = render(request, template, context, status=status)
    response["HX-Push-Url"] = f"{request.path}?{query.urlencode()}"
    return response


def _without(query: QueryDict, key: str) -> QueryDict:
    query = query.copy()
    query.pop(key, None)
    return query


def _report_query(request: HttpRequest, target: str | None) -> QueryDict:
    """The report's query string, with the page of the table that was not asked for taken
    from the address the browser shows (htmx's HX-Current-URL): that table's links were
    rendered before the other table last moved, so the asked-for link may carry a stale page
    of it. Only that one page number is taken, and only if it is a number."""
    query = request.GET.copy()
    if target is None:
        return query
    other = "users_page" if target == "anomalies" else "page"
    shown = QueryDict(urlsplit(request.headers.get("HX-Current-URL", "")).query)
    page = shown.get(other, "")
    if page.isdecimal() and len(page) <= 6:
        query[other] = page
    return query


# --- exports (发放制度) ------------------------------------------------------------------------

@login_required
@require_safe
def export_list_view(request: HttpRequest) -> HttpResponse:
    """The export list the custodian audits, pending ones first to decide."""
    _keeper_only(request)
    pending = list(selectors.export_list(user=request.user,
                                         status=ExportRequest.Status.PENDING))
    page = Paginator(selectors.export_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "access/exports.html", {
        "pending": [e for e in pending if scoping.can_decide_export(request.user, e)],
        "page": page, "form": DecideForm()})


@login_required
@require_POST
def export_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (the workbook is made now) or refuse a waiting export."""
    _keeper_only(request)
    export = selectors.export_get(user=request.user, pk=pk)
    if export is None:
        raise Http404
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or refuse."))
        return redirect("access:exports")
    try:
        exports.export_decide(actor=request.user, export=export,
                              approve=form.cleaned_data["decision"] == "approve")
        audit_record(action=AuditEvent.Action.EXPORT_DECIDED, actor=request.user,
                     object_type="customer", row_count=export.row_count,
                     detail={"export": export.pk, "decision": form.cleaned_data["decision"]})
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(_errors(exc)) if isinstance(exc, ValidationError)
                       else str(exc))
    else:
        messages.success(request, _("Decision recorded; the requester has been told."))
    return redirect("access:exports")


@login_required
@require_safe
def my_exports_view(request: HttpRequest) -> HttpResponse:
    """The user's own exports; an approved one can be downloaded once."""
    page = Paginator(selectors.export_list(user=request.user).filter(
        requester_id=request.user.pk), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "access/exports_mine.html", {"page": page})


@login_required
@require_safe
def export_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The approved workbook, once, to its requester only (404 for anyone else or twice)."""
    export = exports.export_fetch(request=request, user=request.user, pk=pk)
    filename = _("customers-%(date)s.xlsx") % {
        "date": f"{timezone.localtime(export.decided_at):%Y%m%d-%H%M}"}
    return files.file_response(export.file, content_type=importexport.XLSX_CONTENT_TYPE,
                               filename=filename, as_attachment=True)


# --- the printed card ----------------------------------------------------------------------

@login_required
@require_safe
def print_card_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer's card laid out for paper, watermarked with the reader and the time; each
    print is logged (access log and audit log)."""
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    access_record(request, customers=[customer], action=Action.PRINT)
    audit_record(action=AuditEvent.Action.PRINT, actor=request.user, object_type="customer",
                 row_count=1, detail={"customer": customer.pk, "code": customer.code})
    # Contacts' mobiles follow the privacy rules (customers/privacy.py): in full only for a
    # role that sees them in full; masked for everyone else, with no "show" on paper.
    personal = privacy.personal_view(request)
    contacts = [(contact, personal.display(contact, "mobile", customer=customer))
                for contact in customer.contacts.all()]
    return render(request, "access/print_card.html", {
        "customer": customer, "contacts": contacts,
        "watermark": importexport.watermark_text(request.user),
        "borrowed": not scoping.in_own_scope(request.user, customer)})
