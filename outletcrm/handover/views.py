"""Handover pages: the past handovers, a new one (preview counts, then confirm), one handover."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from outletcrm.core import scoping
from outletcrm.customers.models import Customer
from outletcrm.handover import selectors, services
from outletcrm.handover.forms import HandoverForm


def _supervisor_only(request) -> None:
    if not scoping.is_field_supervisor(request.user):
        raise Http404


def _errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_safe
def handover_list_view(request: HttpRequest) -> HttpResponse:
    """Past handovers of the reps the user supervises."""
    _supervisor_only(request)
    page = Paginator(selectors.handover_list(user=request.user), 50).get_page(
        request.GET.get("page"))
    return render(request, "handover/list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def handover_new_view(request: HttpRequest) -> HttpResponse:
    """Choose, preview the counts, confirm: the handover runs only on the confirming POST."""
    _supervisor_only(request)
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = HandoverForm(data, user=request.user)
    plan = counts = customers = None
    if data is not None and form.is_valid():
        selection = form.selection()
        assignments = {key[7:]: value for key, value in request.POST.items()
                       if key.startswith("assign_") and value}
        if assignments:
            selection["assignments"] = assignments
        try:
            if request.method == "POST":
                handover = services.handover_run(
                    actor=request.user, from_rep=form.cleaned_data["from_rep"],
                    to_reps=list(form.cleaned_data["to_reps"]),
                    deactivate=form.cleaned_data["deactivate"],
                    reason=form.cleaned_data["reason"], channel="web", **selection)
                messages.success(request, _("%(n)s customers were handed over.") % {
                    "n": handover.moves.count()})
                return redirect(reverse("handover:detail", args=[handover.pk]))
            plan = services.handover_plan(
                actor=request.user, from_rep=form.cleaned_data["from_rep"],
                to_reps=list(form.cleaned_data["to_reps"]), **selection)
            counts = plan.counts(deactivate=form.cleaned_data["deactivate"])
            shown = list(Customer.objects.filter(pk__in=list(plan.moves)[:500])
                         .order_by("district", "address_norm", "name_sort", "pk"))
            customers = [(c, plan.moves[c.pk]) for c in shown]
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _errors(form, exc)
    status = 400 if request.method == "POST" or (data is not None and form.errors) else 200
    return render(request, "handover/new.html", {
        "form": form, "plan": plan, "counts": counts, "customers": customers,
        "more": plan and len(plan.moves) > 500,
    }, status=status)


@login_required
@require_safe
def handover_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One handover: who, when, what moved, and to whom each customer went."""
    _supervisor_only(request)
    handover = selectors.handover_get(user=request.user, pk=pk)
    moves = handover.moves.select_related("customer", "to_rep").order_by("to_rep", "customer")
    page = Paginator(moves, 100).get_page(request.GET.get("page"))
    return render(request, "handover/detail.html", {"handover": handover, "page": page})
