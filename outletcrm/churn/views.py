"""Churn pages: the supervisor's list of open flags with a handle form (htmx), the rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from outletcrm.churn import selectors, services
from outletcrm.churn.choices import FlagStatus
from outletcrm.churn.forms import FlagFilterForm, HandleForm, RulesForm
from outletcrm.churn.models import ChurnSettings, evidence_lines
from outletcrm.core.params import parse_id
from outletcrm.org.models import Role

PAGE_SIZE = 50


def _row(request, flag, form=None) -> dict:
    last = flag.evidence.get("last_order")
    days = None
    if last:
        import datetime

        days = (timezone.localdate() - datetime.date.fromisoformat(last)).days
    return {"flag": flag, "evidence": evidence_lines(flag), "days_since": days,
            "form": form or HandleForm(), "can_handle": services.may_handle(request.user, flag)}


def _is_admin(user) -> bool:
    return user.role == Role.ADMIN or user.is_superuser


@login_required
def flag_list_view(request: HttpRequest) -> HttpResponse:
    """Open churn flags in the user's scope, with the evidence and who owns the customer."""
    form = FlagFilterForm(request.GET or None)
    status = FlagStatus.OPEN
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or None
    try:
        customer_id = parse_id(request.GET.get("customer"), field="customer")
    except ValidationError:
        customer_id = None
    flags = selectors.flag_list(user=request.user, status=status, customer_id=customer_id)
    page = Paginator(flags, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_row(request, flag) for flag in page.object_list]
    return render(request, "churn/list.html", {
        "form": form, "page": page, "rows": rows, "rules": ChurnSettings.current(),
        "is_admin": _is_admin(request.user)})


@login_required
@require_POST
def flag_handle_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the outcome of a flag; htmx swaps the row, a plain post returns to the list."""
    flag = selectors.flag_get(user=request.user, pk=pk)
    form = HandleForm(request.POST)
    if form.is_valid():
        try:
            flag = services.flag_handle(actor=request.user, flag=flag, **form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [
                    (None, exc.messages)]:
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            if request.headers.get("HX-Request") != "true":
                messages.success(request, _("Flag handled."))
                return redirect("churn:list")
            flag = selectors.flag_get(user=request.user, pk=pk)
            return render(request, "churn/_row.html", {"row": _row(request, flag)})
    if request.headers.get("HX-Request") == "true":
        return render(request, "churn/_row.html", {"row": _row(request, flag, form)})
    messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("churn:list")


@login_required
@require_http_methods(["GET", "POST"])
def rules_view(request: HttpRequest) -> HttpResponse:
    """The churn rules: everyone reads them, administrators change them."""
    rules = ChurnSettings.current()
    editable = _is_admin(request.user)
    form = RulesForm(request.POST or None, instance=rules)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("Only administrators change the churn rules."))
        if form.is_valid():
            try:
                services.settings_save(actor=request.user, **{
                    k: form.cleaned_data[k] for k in RulesForm.Meta.fields})
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Churn rules saved."))
                return redirect("churn:rules")
    return render(request, "churn/rules.html", {"form": form, "rules": rules,
                                                "editable": editable})
