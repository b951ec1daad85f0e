"""Pages of the customer archive: thin views that parse input, call selectors and services.

One view serves both the full page and its htmx fragment (NetBox's htmx_partial pattern): a
request from htmx that targets a fragment gets just that fragment.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from outletcrm.core import scoping
from outletcrm.core.accesslog import Action, access_record, opened_from_search
from outletcrm.core.logins import client_ip
from outletcrm.core.models import ChangeLog
from outletcrm.core.panels import customer_panels
from outletcrm.customers import gates, privacy, selectors, services
from outletcrm.customers.forms import (
    ArchiveForm,
    CompetitorForm,
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
    MergeForm,
    add_service_errors,
    filter_options,
)
from outletcrm.customers.models import CompetitorEntry, Contact, Customer
from outletcrm.customers.selectors import ORDERINGS, CustomerFilters
from outletcrm.customers.services import DuplicateCustomerError, StaleEditError
from outletcrm.customers.templatetags.personal import field_context

PAGE_SIZE = 25
# Query values that ask for nothing beyond the default list; left out of addresses and exports.
LIST_DEFAULTS = {"archived": "live", "ordering": "name"}
LOOKUP_LIMIT = 10
# Columns of the list that sort, and the ordering a click on them asks for first.
SORTABLE_COLUMNS = {
    "code": "code",
    "name": "name",
    "status": "status",
    "class": "class",
    "updated": "-updated",
}


def is_fragment(request: HttpRequest, target: str) -> bool:
    """True for an htmx request that will swap only `target` (not a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == target
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render_form(request, template: str, context: dict) -> HttpResponse:
    """A form page in full, or only its body for the shared dialog (htmx)."""
    if is_fragment(request, "modal-content"):
        return render(request, "customers/_modal_form.html", context)
    return render(request, template, context)


def done(request, url: str) -> HttpResponse:
    """After a successful write: go to `url` (htmx dialogs need the redirect in a header)."""
    if request.headers.get("HX-Request") == "true":
        # Without the #fragment: a change of fragment alone would not reload the page.
        return HttpResponse(status=204, headers={"HX-Redirect": url.split("#")[0]})
    return redirect(url)


def detail_url(customer: Customer) -> str:
    return reverse("customers:detail", args=[customer.pk])


def visible_ids(user, ids) -> set[int]:
    """Which of these customer ids the user may open (one query)."""
    ids = {i for i in ids if i}
    if not ids:
        return set()
    return set(selectors.customer_queryset(user).filter(pk__in=ids).values_list("pk", flat=True))


def duplicate_rows(user, matches) -> list[dict]:
    """Duplicate matches for display: names and links only for records the user may see."""
    visible = visible_ids(user, [m.customer_id for m in matches])
    return [
        {
            "code": m.code,
            "reason": m.reason_text,
            "detail": m.detail,
            "visible": m.customer_id in visible,
            "name": m.name if m.customer_id in visible else "",
            "url": reverse("customers:detail", args=[m.customer_id])
            if m.customer_id in visible
            else "",
        }
        for m in matches
    ]


def sort_links(filters: CustomerFilters) -> dict:
    """For each sortable column: the ordering its header link asks for, and the current arrow."""
    links = {}
    for column, first in SORTABLE_COLUMNS.items():
        key = first.lstrip("-")
        if filters.ordering in (key, f"-{key}"):
            descending = filters.ordering.startswith("-")
            flipped = key if descending else f"-{key}"
            links[column] = {
                "ordering": flipped if flipped in ORDERINGS else filters.ordering,
                "arrow": "down" if descending else "up",
            }
        else:
            links[column] = {"ordering": first, "arrow": ""}
    return links


def render_conflict(
    request, *, customer: Customer, form, error: StaleEditError, fresh, title: str,
    reload_url: str, back_url: str,
) -> HttpResponse:
    """A refused stale save: what changed since the editor opened the form, and a reload.

    Nothing was saved. The editor's own values are shown beside the current ones so they can
    be entered again after reloading. A full page answers 409 Conflict; the dialog's fragment
    answers 200, since htmx swaps no error responses into the page.
    """
    current = error.current
    last = None
    if current is not None:
        last = (
            ChangeLog.objects.filter(object_type=current._meta.model_name, object_id=current.pk)
            .select_related("actor")
            .first()
        )
    context = {
        "title": title,
        "customer": customer,
        "removed": current is None,
        "rows": form.conflict_rows(current, fresh) if current is not None else [],
        "last": last,
        "reload_url": reload_url,
        "back_url": back_url,
    }
    if is_fragment(request, "modal-content"):
        return render(request, "customers/_conflict_modal.html", context)
    return render(request, "customers/conflict.html", context, status=409)


# --- list, lookup ------------------------------------------------------------------------


@login_required
@require_safe
@vary_on_headers("HX-Request", "HX-Target")
def customer_list_view(request: HttpRequest) -> HttpResponse:
    """The customer roster: search, filters, sort and pages; htmx swaps just the results."""
    form = CustomerFilterForm(request.GET)
    filters = form.to_filters()
    customers = selectors.customer_list(user=request.user, filters=filters).prefetch_related("tags")
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    # The query string without blanks: what the address bar, sort links and export carry.
    clean_query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        kept = [v for v in values if v.strip() and LIST_DEFAULTS.get(key) != v]
        if kept and key != "page":
            clean_query.setlist(key, kept)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "sort": sort_links(filters),
        "clean_query": clean_query,
        "list_query": clean_query.urlencode(),
        "has_filters": filters != CustomerFilters(ordering=filters.ordering),
    }
    if is_fragment(request, "results"):
        response = render(request, "customers/_results.html", {**context, "oob": True})
        url = reverse("customers:list")
        query = clean_query.copy()
        if page.number > 1:
            query["page"] = str(page.number)
        response["HX-Push-Url"] = f"{url}?{query.urlencode()}" if query else url
        return response
    context["options"] = filter_options(request.user)
    return render(request, "customers/list.html", context)


@login_required
@require_safe
def customer_lookup_view(request: HttpRequest) -> HttpResponse:
    """Customers in scope matching typed text, as <option>s for a datalist (referrer, merge)."""
    # The referrer input sends its own name; other callers send q.
    text = (request.GET.get("q") or request.GET.get("referred_by") or "").strip()
    found = []
    if len(text) >= 2:
        matches = selectors.customer_list(user=request.user, filters=CustomerFilters(q=text))
        found = list(
            matches.select_related(None)
            .prefetch_related(None)
            .only("pk", "code", "name", "address")[:LOOKUP_LIMIT]
        )
    return render(request, "customers/_lookup_options.html", {"customers": found})


# --- detail ------------------------------------------------------------------------------


@login_required
@require_safe
def customer_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer's card, contacts, competitor file, timeline and history."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    # 查询制度: every view of a card is logged (one INSERT; core/accesslog.py).
    access_record(request, customers=[customer], action=Action.SEARCH_OPEN
                  if opened_from_search(request) else Action.VIEW)
    visible = visible_ids(request.user, [customer.referred_by_id, customer.merged_into_id])
    history = list(selectors.customer_history(customer=customer))
    context = {
        "customer": customer,
        "contacts": customer.contacts.all(),
        "competitors": customer.competitors.all(),
        "tags": customer.tags.all(),
        "timeline": list(selectors.customer_timeline(customer=customer)),
        "history": history,
        "referrer_visible": customer.referred_by_id in visible,
        "merged_into_visible": customer.merged_into_id in visible,
        "archive_form": ArchiveForm(),
        "customer_panels": customer_panels(request, customer),
    }
    return render(request, "customers/detail.html", context)


# --- create, edit ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def customer_create_view(request: HttpRequest) -> HttpResponse:
    """File a new customer; a suspected duplicate is shown instead of being saved."""
    form = CustomerForm(request.POST or None, user=request.user)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                actor=request.user,
                tags=form.cleaned_data["tags"],
                force_duplicate=form.cleaned_data.get("force_duplicate", False),
                **form.service_fields(),
            )
        except DuplicateCustomerError as exc:
            duplicates = duplicate_rows(request.user, exc.matches)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except gates.ApprovalPending as held:
            messages.info(request, str(held))
            return redirect("customers:list")
        else:
            messages.success(
                request,
                _("Customer %(name)s was filed as %(code)s.")
                % {"name": customer.name, "code": customer.code},
            )
            return redirect(detail_url(customer))
    return render(
        request,
        "customers/form.html",
        {
            "form": form,
            "duplicates": duplicates,
            "customer": None,
            "can_override": "force_duplicate" in form.fields,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a customer's archive fields; the change shows in its history."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    if not scoping.can_edit_customer(request.user):
        raise PermissionDenied
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        tags = form.cleaned_data["tags"] if "tags" in form.changed_data else None
        fields = form.service_fields(changed_only=True)
        if not fields and tags is None:
            messages.info(request, _("Nothing was changed."))
            return redirect(detail_url(customer))
        try:
            updated = services.customer_update(
                actor=request.user,
                customer=customer,
                tags=tags,
                expected_version=form.opened_version,
                **fields,
            )
        except StaleEditError as exc:
            return render_conflict(
                request,
                customer=customer,
                form=form,
                error=exc,
                fresh=CustomerForm(instance=exc.current, user=request.user),
                title=_("Edit customer"),
                reload_url=reverse("customers:edit", args=[customer.pk]),
                back_url=detail_url(customer),
            )
        except DuplicateCustomerError as exc:
            duplicates = duplicate_rows(request.user, exc.matches)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if getattr(updated, "held_change", None) is not None:
                messages.info(request, _("Changes to key fields wait for approval; the record "
                                         "shows them as pending. Other changes were saved."))
            else:
                messages.success(request, _("Your changes were saved."))
            return redirect(detail_url(customer))
    return render(
        request,
        "customers/form.html",
        {"form": form, "duplicates": duplicates, "customer": customer, "can_override": False},
    )


# --- archive, restore, merge -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def customer_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a former customer out of daily work, with a reason; it stays on file."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    if not scoping.can_archive_customer(request.user):
        raise PermissionDenied(_("You are not allowed to archive customers."))
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_archive(
                actor=request.user, customer=customer, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The customer was archived."))
            return done(request, detail_url(customer))
    return render_form(
        request,
        "customers/simple_form.html",
        {
            "form": form,
            "customer": customer,
            "title": _("Archive customer"),
            "action": reverse("customers:archive", args=[customer.pk]),
            "submit_label": _("Archive"),
            "submit_class": "btn-warning",
            "intro": _(
                "Archived customers leave the daily lists but stay on file with their "
                "history, and can be restored at any time."
            ),
        },
    )


@login_required
@require_POST
def customer_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Bring an archived customer back into daily work."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    try:
        services.customer_restore(actor=request.user, customer=customer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The customer was restored."))
    return redirect(detail_url(customer))


@login_required
@require_http_methods(["GET", "POST"])
def customer_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge another record of the same outlet into this one (custodian only, brief §7)."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    if not scoping.can_merge_customers(request.user):
        raise PermissionDenied(_("Only the archive custodian can merge customer records."))
    other = None
    candidates = []
    data = request.POST if request.method == "POST" else request.GET
    other_id = data.get("other", "")
    search = (request.GET.get("q") or "").strip()
    if other_id.isascii() and other_id.isdigit():
        other = selectors.customer_get(user=request.user, pk=int(other_id))
    elif search:
        candidates = list(
            selectors.customer_list(
                user=request.user, filters=CustomerFilters(q=search, archived="all")
            ).exclude(pk=customer.pk)[:20]
        )
        exact = [c for c in candidates if c.code.lower() == search.lower()]
        if exact:
            other, candidates = exact[0], []
    form = MergeForm(
        request.POST or None, initial={"other": other.pk if other else None, "keep": "this"}
    )
    if request.method == "POST" and other is not None and form.is_valid():
        keep, merge = (
            (customer, other) if form.cleaned_data["keep"] == "this" else (other, customer)
        )
        try:
            kept = services.customer_merge(actor=request.user, keep=keep, merge=merge)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(merged)s was merged into %(kept)s.")
                % {"merged": merge.code, "kept": kept.code},
            )
            return redirect(detail_url(kept))
    return render(
        request,
        "customers/merge.html",
        {
            "customer": customer,
            "other": other,
            "candidates": candidates,
            "search": search,
            "form": form,
            "compare": compare_rows(customer, other) if other else [],
        },
    )


def compare_rows(left: Customer, right: Customer) -> list[dict]:
    """Side-by-side values of two records for the merge preview."""
    rows = []
    for name in services.CUSTOMER_FIELDS:
        field = Customer._meta.get_field(name)
        values = []
        for record in (left, right):
            if field.choices:
                value = record._get_FIELD_display(field)
            else:
                value = getattr(record, name)
            if isinstance(value, list):
                value = "、".join(value)
            elif isinstance(value, datetime.time):
                value = value.strftime("%H:%M")
            values.append("" if value is None else str(value))
        rows.append(
            {
                "label": field.verbose_name,
                "left": values[0],
                "right": values[1],
                "differs": values[0] != values[1],
            }
        )
    return rows


# --- contacts and competitor file --------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contact_form_view(request: HttpRequest, pk: int, contact_pk: int | None = None) -> HttpResponse:
    """Add or change a contact person of a customer."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    contact = (
        selectors.contact_get(user=request.user, customer=customer, pk=contact_pk)
        if contact_pk
        else None
    )
    personal = scoping.can_edit_personal_data(request.user, customer)
    form = ContactForm(request.POST or None, instance=contact, personal=personal)
    if request.method == "POST" and form.is_valid():
        try:
            if contact is None:
                services.contact_create(
                    actor=request.user, customer=customer, **form.service_fields()
                )
            else:
                fields = form.service_fields(changed_only=True)
                if fields:
                    services.contact_update(
                        actor=request.user,
                        contact=contact,
                        expected_version=form.opened_version,
                        **fields,
                    )
        except StaleEditError as exc:
            return render_conflict(
                request,
                customer=customer,
                form=form,
                error=exc,
                fresh=ContactForm(instance=exc.current, personal=personal),
                title=_("Edit contact"),
                reload_url=reverse("customers:contact_edit", args=[customer.pk, contact.pk]),
                back_url=detail_url(customer) + "#contacts",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The contact was saved."))
            return done(request, detail_url(customer) + "#contacts")
    action = (
        reverse("customers:contact_edit", args=[customer.pk, contact.pk])
        if contact
        else reverse("customers:contact_create", args=[customer.pk])
    )
    return render_form(
        request,
        "customers/simple_form.html",
        {
            "form": form,
            "customer": customer,
            "action": action,
            "title": _("Edit contact") if contact else _("Add contact"),
            "submit_label": _("Save"),
            "submit_class": "btn-primary",
        },
    )


@login_required
@require_POST
def contact_delete_view(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Remove a contact; its last values stay in the history."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    contact = selectors.contact_get(user=request.user, customer=customer, pk=contact_pk)
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, _("The contact was removed."))
    return redirect(detail_url(customer) + "#contacts")


def _competitor_entry(customer: Customer, entry_pk: int) -> CompetitorEntry:
    # The customer is already in scope, so its own entries are too.
    return get_object_or_404(CompetitorEntry, customer=customer, pk=entry_pk)


@login_required
@require_http_methods(["GET", "POST"])
def competitor_form_view(
    request: HttpRequest, pk: int, entry_pk: int | None = None
) -> HttpResponse:
    """Add or change an entry of the customer's competitor file."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    entry = _competitor_entry(customer, entry_pk) if entry_pk else None
    form = CompetitorForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        try:
            services.competitor_save(
                actor=request.user,
                customer=customer,
                entry=entry,
                expected_version=form.opened_version,
                **form.service_fields(),
            )
        except StaleEditError as exc:
            return render_conflict(
                request,
                customer=customer,
                form=form,
                error=exc,
                fresh=CompetitorForm(instance=exc.current),
                title=_("Edit competitor entry"),
                reload_url=reverse("customers:competitor_edit", args=[customer.pk, entry.pk]),
                back_url=detail_url(customer) + "#competitors",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The competitor entry was saved."))
            return done(request, detail_url(customer) + "#competitors")
    action = (
        reverse("customers:competitor_edit", args=[customer.pk, entry.pk])
        if entry
        else reverse("customers:competitor_create", args=[customer.pk])
    )
    return render_form(
        request,
        "customers/simple_form.html",
        {
            "form": form,
            "customer": customer,
            "action": action,
            "title": _("Edit competitor entry") if entry else _("Add competitor entry"),
            "submit_label": _("Save"),
            "submit_class": "btn-primary",
        },
    )


@login_required
@require_POST
def competitor_delete_view(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Remove a competitor entry; its last values stay in the history."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    services.competitor_delete(actor=request.user, entry=_competitor_entry(customer, entry_pk))
    messages.success(request, _("The competitor entry was removed."))
    return redirect(detail_url(customer) + "#competitors")


@login_required
@require_POST
def contact_reveal_view(request: HttpRequest, pk: int, contact_pk: int,
                        field: str) -> HttpResponse:
    """Show one masked personal field of a contact in full (the "show" button); logged."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    contact = selectors.contact_get(user=request.user, customer=customer, pk=contact_pk)
    if field not in privacy.SENSITIVE_CONTACT_FIELDS:
        raise Http404
    value = privacy.reveal(actor=request.user, contact=contact, field=field, channel="web",
                           ip=client_ip(request) or "")
    if request.headers.get("HX-Request") == "true":
        context = field_context(contact=contact, field=field, customer=customer,
                                view=privacy.personal_view(request), revealed=value)
        return render(request, "customers/_personal_field.html", context)
    messages.info(request, _("%(name)s, %(field)s: %(value)s") % {
        "name": contact.name, "field": Contact._meta.get_field(field).verbose_name,
        "value": value or "—"})
    return redirect(detail_url(customer) + "#contacts")
