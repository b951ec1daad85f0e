"""Pages for Excel import and export of the archive, and the audit log (issue 2, item 8).

Thin views: they parse the request, call `customers.importexport`, and render. The rejected
rows of an import are kept as a short-lived file in the media storage under imports/<user id>/,
named by a random token that only the importing user's session knows.
"""

import datetime
import re
import secrets

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from outletcrm.core import files, scoping
from outletcrm.core.models import AuditEvent
from outletcrm.customers import exports, import_jobs, importexport, selectors
from outletcrm.customers.choices import Channel, Status
from outletcrm.customers.forms import CustomerFilterForm
from outletcrm.customers.models import CustomerClass, ImportJob, OutletType, Tag
from outletcrm.org.models import Region, User

REJECTED_SESSION_KEY = "import_rejected_tokens"
REJECTED_KEEP_SECONDS = 24 * 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
AUDIT_PAGE_SIZE = 50


class ImportForm(forms.Form):
    """The upload form of the import page."""

    file = forms.FileField(
        label=gettext_lazy("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )
    skip_invalid = forms.BooleanField(
        required=False,
        label=gettext_lazy("Skip invalid rows"),
        help_text=gettext_lazy(
            "Import the good rows and download the rejected ones to fix. Without it, one bad "
            "row stops the whole file and nothing is imported."
        ),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class ImportSizeLimit(FileUploadHandler):
    """Stops reading an upload once it passes IMPORT_MAX_BYTES: junk never fills the disk."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        limit = settings.IMPORT_MAX_BYTES
        if limit and self.received > limit:
            self.request.import_upload_too_large = True
            # Drain the rest of the body without keeping it, so the browser gets our answer.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def _xlsx_download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=importexport.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _rejected_name(user, token: str) -> str:
    """The workbook's name in the media storage (the disk or the bucket every app machine
    shares, docs/deploy.md), so the download may reach another app machine than the import."""
    return f"imports/{user.pk}/{token}.xlsx"


def _too_old(name: str) -> bool:
    cutoff = timezone.now() - datetime.timedelta(seconds=REJECTED_KEEP_SECONDS)
    return default_storage.get_modified_time(name) < cutoff


def _keep_rejected(request: HttpRequest, content: bytes) -> str:
    """Store the rejected rows for download by this user; returns the token."""
    # Rejected rows are customer data: nobody's copy outlives the download window.
    try:
        folders = default_storage.listdir("imports")[0]
    except FileNotFoundError:
        folders = []
    for folder in folders:
        for old in default_storage.listdir(f"imports/{folder}")[1]:
            name = f"imports/{folder}/{old}"
            if old.endswith(".xlsx") and _too_old(name):
                default_storage.delete(name)
    token = secrets.token_urlsafe(24)
    default_storage.save(_rejected_name(request.user, token), ContentFile(content))
    tokens = [*request.session.get(REJECTED_SESSION_KEY, []), token][-10:]
    request.session[REJECTED_SESSION_KEY] = tokens
    return token


def _duplicate_rows(user, result: importexport.ImportResult) -> list[dict]:
    """Duplicates for display; links only to records the user may open."""
    ids = {m.customer_id for d in result.duplicates for m in d.matches if m.customer_id}
    visible = set(selectors.customer_queryset(user).filter(pk__in=ids).values_list("pk", flat=True))
    return [
        {
            "row": duplicate.row,
            "text": importexport.duplicate_text(match),
            "url": reverse("customers:detail", args=[match.customer_id])
            if match.customer_id in visible
            else "",
        }
        for duplicate in result.duplicates
        for match in duplicate.matches
    ]


@csrf_exempt
@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload an .xlsx of customers; shows the import's row-by-row result."""
    # The size limit must be in place before anything reads the body, CSRF check included
    # (Django's documented pattern for per-view upload handlers).
    if request.method == "POST":
        request.upload_handlers.insert(0, ImportSizeLimit(request))
    return _import_page(request)


@csrf_protect
@require_http_methods(["GET", "POST"])
def _import_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _import_form(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)  # reading them runs the upload handlers
    if getattr(request, "import_upload_too_large", False):
        return _import_form(request, ImportForm(), importexport.too_large_message())
    if not form.is_valid():
        return _import_form(request, form)
    upload = form.cleaned_data["file"]
    skip_invalid = form.cleaned_data["skip_invalid"]
    try:
        # A large file goes to the background, with a progress bar (customers/import_jobs.py).
        if importexport.check_file(upload, upload.name) > settings.IMPORT_INLINE_ROWS:
            job = import_jobs.import_start(actor=request.user, fileobj=upload,
                                           filename=upload.name, skip_invalid=skip_invalid)
            return redirect("customers:import-job", pk=job.pk)
        result = importexport.import_customers(
            actor=request.user,
            fileobj=upload,
            filename=upload.name,
            skip_invalid=skip_invalid,
            channel="web",
        )
    except importexport.ImportFileError as exc:
        return _import_form(request, form, str(exc))
    token = _keep_rejected(request, result.rejected_workbook) if result.rejected_workbook else ""
    return render(
        request,
        "customers/io/import_result.html",
        {
            "result": result,
            "filename": upload.name,
            "skip_invalid": skip_invalid,
            "rejected_count": result.rejected_count,
            "duplicates": _duplicate_rows(request.user, result),
            "rejected_token": token,
        },
    )


def _own_job(request: HttpRequest, pk: int) -> ImportJob:
    """The user's own import job; anyone else's is 404, like a missing one."""
    return get_object_or_404(ImportJob, pk=pk, created_by=request.user)


@login_required
@require_GET
def import_job_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A background import: the progress bar while it runs, then the result."""
    job = _own_job(request, pk)
    if job.status != ImportJob.Status.DONE:
        return render(request, "customers/io/import_job.html", _job_context(job))
    result = import_jobs.job_result(job)
    if job.rejected_token:  # the download is for this user's session, as for a small file
        tokens = request.session.get(REJECTED_SESSION_KEY, [])
        if job.rejected_token not in tokens:
            request.session[REJECTED_SESSION_KEY] = [*tokens, job.rejected_token][-10:]
    return render(request, "customers/io/import_result.html", {
        "result": result, "filename": job.filename, "skip_invalid": job.skip_invalid,
        "rejected_count": result.rejected_count,
        "duplicates": _duplicate_rows(request.user, result),
        "rejected_token": job.rejected_token})


def _job_context(job: ImportJob) -> dict:
    return {"job": job, "poll": not job.is_finished, "error": import_jobs.job_error(job),
            "stale": import_jobs.job_is_stale(job)}


@login_required
@require_GET
def import_job_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment the job page polls; a finished job makes the page reload."""
    job = _own_job(request, pk)
    response = render(request, "customers/io/_import_job_status.html", _job_context(job))
    if job.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def _import_form(request: HttpRequest, form: ImportForm, error: str = "") -> HttpResponse:
    return render(
        request,
        "customers/io/import.html",
        {
            "form": form,
            "error": error,
            "max_rows": settings.IMPORT_MAX_ROWS,
            "max_size": settings.IMPORT_MAX_BYTES,
        },
    )


@login_required
@require_GET
def import_rejected_view(request: HttpRequest, token: str) -> HttpResponse:
    """The rejected rows of the user's own recent import, to fix and import again."""
    if not TOKEN_RE.match(token) or token not in request.session.get(REJECTED_SESSION_KEY, []):
        raise Http404
    name = _rejected_name(request.user, token)
    if not default_storage.exists(name) or _too_old(name):
        raise Http404
    filename = _("rejected-rows-%(date)s.xlsx") % {"date": f"{timezone.localtime():%Y%m%d-%H%M}"}
    return files.file_response(
        name,
        content_type=importexport.XLSX_CONTENT_TYPE,
        filename=filename,
        as_attachment=True,
    )


@login_required
@require_GET
def import_template_view(request: HttpRequest) -> HttpResponse:
    """Download the import template."""
    return _xlsx_download(importexport.import_template(), _("customer-import-template.xlsx"))


@login_required
@require_GET
def export_view(request: HttpRequest) -> HttpResponse:
    """The customers the list shows with the same query string, as .xlsx (audited)."""
    # The list's own parser, so the export cannot drift from what the list shows.
    filters = CustomerFilterForm(request.GET).to_filters()
    # 发放制度: above EXPORT_APPROVAL_ROWS the export waits for the custodian (exports.py).
    outcome = exports.export_start(request=request, user=request.user, filters=filters,
                                   channel="web")
    if outcome.content is None:
        return render(request, "customers/io/export_waiting.html",
                      {"export": outcome.export, "limit": settings.EXPORT_APPROVAL_ROWS},
                      status=202)
    content = outcome.content
    filename = _("customers-%(date)s.xlsx") % {"date": f"{timezone.localtime():%Y%m%d-%H%M}"}
    return _xlsx_download(content, filename)


def _filter_names(filters: dict) -> dict[str, dict]:
    """The names of the records an export's filters point at: {field: {id: name}}."""
    models = {"region": Region, "owner": User, "outlet_type": OutletType,
              "customer_class": CustomerClass, "abc_class": CustomerClass, "tag": Tag}
    return {name: {obj.pk: str(obj) for obj in model.objects.filter(pk=filters[name])}
            for name, model in models.items() if isinstance(filters.get(name), int)}


def _describe_filters(filters: dict) -> str:
    """An export's filters as the list page names them ("客户状态：既成客户，渠道：…"), not as the
    query string spells them (status=active)."""
    form = CustomerFilterForm
    labels = {
        "q": _("Search"), "region": _("Region"), "owner": _("Owner rep"),
        "outlet_type": _("Outlet type"), "customer_class": _("Class"),
        "abc_class": _("ABC class"), "tag": _("Tag"), "status": pgettext("customer", "Status"),
        "channel": _("Channel"), "archived": pgettext("filter", "Archive"), "ordering": _("Sort by"),
        "consent": _("Marketing consent"),
    }
    choices = {"status": dict(Status.choices), "channel": dict(Channel.choices),
               "archived": dict(form.ARCHIVED_CHOICES), "ordering": dict(form.ORDERING_CHOICES),
               "consent": dict(form.CONSENT_CHOICES)}
    names = _filter_names(filters)
    parts = []
    for key, value in sorted(filters.items(), key=lambda kv: list(labels).index(kv[0])
                             if kv[0] in labels else len(labels)):
        shown = names.get(key, {}).get(value) or choices.get(key, {}).get(value) or value
        if key == "q":
            shown = _("“%(text)s”") % {"text": value}
        label = labels.get(key, key)
        parts.append(pgettext("filter", "%(label)s: %(value)s") % {"label": label, "value": shown})
    return pgettext("list separator", ", ").join(parts)


def _label_of_contact_field(name: str) -> str:
    from outletcrm.customers.models import Contact

    try:
        return str(Contact._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - an old entry naming a field that has gone
        return name


def _audit_summary(event: AuditEvent) -> str:
    """What an audit event was about, in one line."""
    detail = event.detail or {}
    if event.action == AuditEvent.Action.EXPORT:
        filters = detail.get("filters") or {}
        if not filters:
            return _("All customers in scope")
        return _("Filters: %(filters)s") % {"filters": _describe_filters(filters)}
    if event.action == AuditEvent.Action.IMPORT:
        return _("%(file)s: %(created)s created, %(rejected)s rejected") % {
            "file": detail.get("filename", ""),
            "created": detail.get("created", event.row_count),
            "rejected": detail.get("rejected", 0),
        }
    if event.action == AuditEvent.Action.MERGE:
        return _("Kept %(kept)s, merged %(merged)s") % {
            "kept": detail.get("kept", ""),
            "merged": detail.get("merged", ""),
        }
    if event.action == AuditEvent.Action.FIELD_SHOWN:
        return _("%(field)s of a contact of %(customer)s") % {
            "field": _label_of_contact_field(detail.get("field", "")),
            "customer": detail.get("customer", "")}
    if event.action == AuditEvent.Action.HANDOVER:
        return _("From %(from)s to %(to)s") % {
            "from": detail.get("from", ""), "to": "、".join(detail.get("to", []))}
    # Account security events (accounts app): whose account, from which address.
    who = detail.get("user") or detail.get("username") or ""
    if who and detail.get("ip"):
        return _("Account %(user)s, from %(ip)s") % {"user": who, "ip": detail["ip"]}
    if who:
        return _("Account %(user)s") % {"user": who}
    if detail.get("ip"):
        return _("From %(ip)s") % {"ip": detail["ip"]}
    return ""


@login_required
@require_GET
def audit_view(request: HttpRequest) -> HttpResponse:
    """The governance log (who exported, imported or merged what, when): custodian and admin."""
    if not scoping.can_view_audit(request.user):
        raise Http404  # the page does not exist for anyone else
    events = AuditEvent.objects.select_related("actor")
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    else:
        action = ""
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    channels = {"web": _("Web page"), "api": _("API"), "cli": _("Command line")}
    for event in page:
        event.summary = _audit_summary(event)
        event.channel_label = channels.get(event.channel, event.channel)
    return render(
        request,
        "customers/io/audit.html",
        {
            "page": page,
            "action": action,
            "actions": AuditEvent.Action.choices,
        },
    )
