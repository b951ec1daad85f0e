"""Archive governance pages: the custodian's desk (duplicates), the approval inbox, the
archive policy, archived records and deletion of records created in error."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from outletcrm.core import scoping
from outletcrm.core.jobs import run_job, today
from outletcrm.customers import selectors as customer_selectors
from outletcrm.customers.models import Contact
from outletcrm.governance import selectors, services
from outletcrm.governance.forms import (
    DeleteForm,
    DismissForm,
    PairMergeForm,
    PolicyForm,
    RefuseForm,
)
from outletcrm.governance.models import GovernancePolicy

PAGE_SIZE = 30


def _desk_only(user) -> None:
    if not scoping.can_work_desk(user):
        raise Http404


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def desk_view(request: HttpRequest) -> HttpResponse:
    """The custodian's desk: suspected duplicates in the regions they keep; "scan now"."""
    _desk_only(request.user)
    if request.method == "POST":
        summary = run_job("duplicates-scan", today(), services.duplicates_scan, force=True)
        messages.success(request, _("Scan finished: %(open)s suspected pairs, %(new)s new.")
                         % {"open": summary.get("open", 0), "new": summary.get("new", 0)})
        return redirect("governance:desk")
    page = Paginator(selectors.pair_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "governance/desk.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def pair_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Compare a pair field by field and merge it, choosing each field's value."""
    _desk_only(request.user)
    pair = selectors.pair_get(user=request.user, pk=pk)
    form = PairMergeForm(request.POST or None, pair=pair)
    if request.method == "POST" and form.is_valid():
        try:
            kept = services.pair_merge(actor=request.user, pair=pair,
                                       survivor=form.cleaned_data["survivor"],
                                       chosen=form.chosen())
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, _("The two records were merged into %(code)s.")
                             % {"code": kept.code})
            return redirect("governance:desk")
    status = 400 if request.method == "POST" else 200
    counts = dict(Contact.objects.filter(customer_id__in=[pair.customer_a_id, pair.customer_b_id])
                  .values_list("customer_id").annotate(n=Count("pk")))
    return render(request, "governance/pair.html", {
        "pair": pair, "form": form, "dismiss_form": DismissForm(),
        "contacts_a": counts.get(pair.customer_a_id, 0),
        "contacts_b": counts.get(pair.customer_b_id, 0)}, status=status)


@login_required
@require_POST
def pair_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a pair "not a duplicate"; it never comes back."""
    _desk_only(request.user)
    pair = selectors.pair_get(user=request.user, pk=pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("governance:pair", pk=pair.pk)
    try:
        services.pair_dismiss(actor=request.user, pair=pair, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Marked as not a duplicate; this pair will not be raised "
                                    "again."))
    return redirect("governance:desk")


@login_required
@require_safe
def inbox_view(request: HttpRequest) -> HttpResponse:
    """Held changes the user may decide, and the user's own requests."""
    inbox = list(selectors.approval_inbox(user=request.user)[:200])
    mine = list(selectors.my_requests(user=request.user)[:50])
    return render(request, "governance/inbox.html", {
        "inbox": inbox, "mine": mine, "refuse_form": RefuseForm(),
        "policy": GovernancePolicy.current()})


@login_required
@require_POST
def pending_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    pending = selectors.pending_get(user=request.user, pk=pk)
    try:
        services.pending_approve(actor=request.user, pending=pending)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Approved: %(name)s.") % {"name": pending.name})
    return redirect("governance:inbox")


@login_required
@require_POST
def pending_refuse_view(request: HttpRequest, pk: int) -> HttpResponse:
    pending = selectors.pending_get(user=request.user, pk=pk)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for refusing."))
        return redirect("governance:inbox")
    try:
        services.pending_refuse(actor=request.user, pending=pending,
                                reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Refused: %(name)s.") % {"name": pending.name})
    return redirect("governance:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def policy_view(request: HttpRequest) -> HttpResponse:
    """The archive policy: everyone reads it, administrators change it."""
    policy = GovernancePolicy.current()
    editable = scoping.can_edit_archive_policy(request.user)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("Only administrators change the archive policy."))
        if form.is_valid():
            try:
                services.policy_save(actor=request.user, **{
                    k: form.cleaned_data[k] for k in PolicyForm.Meta.fields})
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Archive policy saved."))
                return redirect("governance:policy")
    return render(request, "governance/policy.html", {"form": form, "editable": editable})


@login_required
@require_safe
def archive_view(request: HttpRequest) -> HttpResponse:
    """Archived records (kept, read-only) and tombstones of deleted ones: custodians and
    administrators."""
    _desk_only(request.user)
    q = (request.GET.get("q") or "").strip()[:100]
    page = Paginator(selectors.archived_customers(user=request.user, q=q), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "governance/archive.html", {
        "page": page, "q": q, "tombstones": list(selectors.tombstone_list(user=request.user)[:50])})


@login_required
@require_http_methods(["GET", "POST"])
def customer_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a record created in error (administrators only; 404 for anyone else)."""
    if not scoping.can_delete_customer(request.user):
        raise Http404
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_delete_in_error(actor=request.user, customer=customer,
                                              reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("%(code)s %(name)s was deleted; a tombstone remains.")
                             % {"code": customer.code, "name": customer.name})
            return redirect(reverse("governance:archive"))
    return render(request, "governance/delete.html", {"customer": customer, "form": form},
                  status=400 if request.method == "POST" else 200)
