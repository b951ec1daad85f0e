"""Pages of customer care: the care rules, and the care section of a customer's page
(family events, gifts against the yearly budget, busy hours) with its dialogs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from outletcrm.care import selectors, services
from outletcrm.care.forms import BusyHoursForm, CareRuleForm, FamilyEventForm, GiftForm
from outletcrm.care.models import CareProfile, CareRule
from outletcrm.core import scoping
from outletcrm.customers import selectors as customer_selectors
from outletcrm.customers.forms import add_service_errors
from outletcrm.customers.views import done, render_form
from outletcrm.org.models import User


def _detail(customer) -> str:
    return reverse("customers:detail", args=[customer.pk]) + "#care"


# --- care rules -----------------------------------------------------------------------------

@login_required
def rule_list_view(request: HttpRequest) -> HttpResponse:
    """The care rules: who gets which greeting, visit or call, and when."""
    return render(request, "care/rules.html", {
        "rules": selectors.care_rule_list(),
        "can_edit": scoping.can_manage_care_rules(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def rule_form_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not scoping.can_manage_care_rules(request.user):
        raise PermissionDenied
    rule = get_object_or_404(CareRule, pk=pk) if pk else None
    form = CareRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.care_rule_save(actor=request.user, rule=rule,
                                    customer_classes=form.cleaned_data["customer_classes"],
                                    **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The care rule was saved."))
            return redirect("care:rules")
    return render(request, "care/rule_form.html", {
        "form": form, "rule": rule,
        "title": _("Edit care rule") if rule else _("New care rule"),
    })


@login_required
@require_POST
def rule_toggle_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(CareRule, pk=pk)
    services.care_rule_set_active(actor=request.user, rule=rule, active=not rule.is_active)
    return redirect("care:rules")


# --- the customer's care section ------------------------------------------------------------

def _dialog(request, form, customer, *, action: str, title: str, intro: str = ""):
    return render_form(request, "customers/simple_form.html", {
        "form": form, "customer": customer, "action": action, "title": title, "intro": intro,
        "submit_label": _("Save"), "submit_class": "btn-primary"})


@login_required
@require_http_methods(["GET", "POST"])
def family_event_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a family event of one of the customer's contacts."""
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    form = FamilyEventForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.family_event_add(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The family event was saved."))
            return done(request, _detail(customer))
    return _dialog(request, form, customer,
                   action=reverse("care:family_event_create", args=[customer.pk]),
                   title=_("Add family event"))


@login_required
@require_POST
def family_event_delete_view(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    event = get_object_or_404(customer.family_events, pk=event_pk)
    services.family_event_delete(actor=request.user, event=event)
    messages.success(request, _("The family event was removed."))
    return redirect(_detail(customer))


@login_required
@require_http_methods(["GET", "POST"])
def gift_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a gift and its story; over the yearly budget it warns, and still records."""
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    today = timezone.localdate()
    form = GiftForm(request.POST or None, customer=customer,
                    chooser_queryset=User.objects.filter(is_active=True),
                    initial={"date": today, "chosen_by": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            _gift, budget = services.gift_record(actor=request.user, customer=customer,
                                                 **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The gift was saved."))
            if budget.over:
                messages.warning(request, _(
                    "Over this customer's gift budget for %(year)s: ¥%(total)s of "
                    "¥%(budget)s.") % {"year": budget.year, "total": budget.total,
                                       "budget": budget.budget})
            return done(request, _detail(customer))
    budget = services.gift_budget_status(customer, today.year)
    intro = _("Gifts to this customer in %(year)s: ¥%(total)s of a ¥%(budget)s budget. A gift "
              "need not be costly, but say who chose it and why.") % {
        "year": budget.year, "total": budget.total, "budget": budget.budget}
    return _dialog(request, form, customer, intro=intro,
                   action=reverse("care:gift_create", args=[customer.pk]),
                   title=_("Record a gift"))


@login_required
@require_POST
def gift_delete_view(request: HttpRequest, pk: int, gift_pk: int) -> HttpResponse:
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    gift = get_object_or_404(customer.gifts, pk=gift_pk)
    services.gift_delete(actor=request.user, gift=gift)
    messages.success(request, _("The gift was removed."))
    return redirect(_detail(customer))


@login_required
@require_http_methods(["GET", "POST"])
def busy_hours_view(request: HttpRequest, pk: int) -> HttpResponse:
    """When the customer does not want calls: emotional calls avoid it."""
    customer = customer_selectors.customer_get(user=request.user, pk=pk)
    profile = CareProfile.objects.filter(customer=customer).first()
    initial = ({"busy_from": profile.busy_from, "busy_to": profile.busy_to,
                "busy_weekdays": profile.busy_weekdays} if profile else {})
    form = BusyHoursForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.care_profile_save(actor=request.user, customer=customer,
                                       **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The busy hours were saved."))
            return done(request, _detail(customer))
    return _dialog(request, form, customer,
                   action=reverse("care:busy_hours", args=[customer.pk]),
                   title=_("Busy hours"),
                   intro=_("Emotional calls are planned outside these hours and weekdays."))
