"""Evaluation pages: the overview, a customer's evaluation, the class-change inbox, the
Pareto and recency-frequency-value views, the scoring models and the classification rules.
Thin: parse, call a selector or a service, render."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from outletcrm.core import scoping
from outletcrm.customers.models import Customer
from outletcrm.evaluation import selectors, services
from outletcrm.evaluation.choices import ProposalStatus
from outletcrm.evaluation.forms import (
    BandFormSet,
    DecideForm,
    IndicatorFormSet,
    ManualValueForm,
    ModelForm,
    ProposalFilterForm,
    RulesForm,
)
from outletcrm.evaluation.models import (
    ClassificationSettings,
    ManualValue,
    ScoringModel,
)
from outletcrm.evaluation.reasons import reason_lines

PAGE_SIZE = 50


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for messages_ in exc.message_dict.values() for m in messages_]
    return exc.messages


@login_required
def overview_view(request: HttpRequest) -> HttpResponse:
    """The model in use, grades in the user's scope, pending proposals, the last runs."""
    model = selectors.active_model()
    grades = Counter(selectors.evaluation_list(user=request.user).values_list("grade",
                                                                             flat=True))
    bands = []
    if model is not None:
        bands = [{"band": b, "count": grades.get(b.grade, 0)}
                 for b in model.bands.select_related("customer_class")]
    pending = selectors.proposal_list(user=request.user).count()
    return render(request, "evaluation/overview.html", {
        "model": model, "bands": bands, "ungraded": grades.get("", 0),
        "scored": sum(grades.values()), "pending": pending,
        "runs": selectors.run_list(user=request.user)[:10],
        "can_see_runs": scoping.can_see_evaluation_runs(request.user),
        "rules": ClassificationSettings.current(),
        "can_run": scoping.can_manage_scoring_models(request.user)})


@login_required
@require_POST
def run_view(request: HttpRequest) -> HttpResponse:
    """Run now: everyone (`full`), or the customers changed since the last run."""
    if not scoping.can_manage_scoring_models(request.user):
        raise PermissionDenied(_("Only administrators start an evaluation run."))
    try:
        run = services.evaluate(full=request.POST.get("full") == "1", actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(request, _("Scored %(customers)s customers in %(seconds)s s; "
                                    "%(proposed)s class changes proposed, %(applied)s applied.")
                         % {"customers": run.customers, "seconds": f"{run.seconds:.1f}",
                            "proposed": run.proposed, "applied": run.applied})
    return redirect("evaluation:overview")


@login_required
def customer_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A customer's evaluation: every indicator's actual value, standard, points; the total;
    the class proposals; the values entered by hand."""
    customer = scoping.get_in_scope(Customer.objects.select_related(
        "customer_class", "abc_class"), request.user, pk=pk)
    evaluation = selectors.evaluation_for_customer(customer=customer)
    proposals = list(selectors.proposal_list(user=request.user, status=None,
                                             customer_id=customer.pk)[:20])
    keys = services.manual_keys()
    entered = dict(ManualValue.objects.filter(customer=customer).values_list("key", "value"))
    return render(request, "evaluation/customer.html", {
        "customer": customer, "evaluation": evaluation,
        "lines": evaluation.indicator_lines if evaluation else [],
        "definition": evaluation.model_version.definition if evaluation else None,
        "proposals": [{"proposal": p, "reasons": reason_lines(p),
                       "can_decide": p.status == ProposalStatus.PENDING
                       and scoping.can_approve_class_change(request.user, customer)}
                      for p in proposals],
        "manual": [{"key": k, "name": n, "value": entered.get(k)} for k, n in keys.items()],
        "can_enter": scoping.can_enter_evaluation_values(request.user),
        "model": selectors.active_model()})


@login_required
@require_POST
def manual_value_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Enter a value by hand, then re-score this customer at once."""
    customer = scoping.get_in_scope(Customer.objects.all(), request.user, pk=pk)
    form = ManualValueForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("evaluation:customer", pk=customer.pk)
    try:
        services.manual_value_set(actor=request.user, customer=customer,
                                  key=form.cleaned_data["key"], value=form.cleaned_data["value"])
        services.evaluate(customer_ids=[customer.pk], actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(_errors(exc)) if isinstance(exc, ValidationError)
                       else str(exc))
    else:
        messages.success(request, _("Value saved; the customer was scored again."))
    return redirect("evaluation:customer", pk=customer.pk)


@login_required
@require_POST
def rescore_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = scoping.get_in_scope(Customer.objects.all(), request.user, pk=pk)
    try:
        services.evaluate(customer_ids=[customer.pk], actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(request, _("The customer was scored again."))
    return redirect("evaluation:customer", pk=customer.pk)


@login_required
def proposal_list_view(request: HttpRequest) -> HttpResponse:
    """The class-change inbox: proposals of customers in the user's scope."""
    form = ProposalFilterForm(request.GET or None)
    status = ProposalStatus.PENDING
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or None
    proposals = selectors.proposal_list(user=request.user, status=status)
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    may_decide = request.user.is_superuser or request.user.role in {"supervisor", "manager",
                                                                     "admin"}
    rows = [{"proposal": p, "reasons": reason_lines(p),
             "can_decide": may_decide and p.status == ProposalStatus.PENDING}
            for p in page.object_list]
    return render(request, "evaluation/proposals.html", {"form": form, "page": page,
                                                         "rows": rows})


@login_required
@require_POST
def proposal_decide_view(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    proposal = selectors.proposal_get(user=request.user, pk=pk)
    form = DecideForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    service = services.proposal_approve if decision == "approve" else services.proposal_refuse
    try:
        service(actor=request.user, proposal=proposal, note=note)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(request, _("Class change approved.") if decision == "approve"
                         else _("Class change refused."))
    target = request.POST.get("next")
    if target == "customer":
        return redirect("evaluation:customer", pk=proposal.customer_id)
    return redirect("evaluation:proposals")


@login_required
def pareto_view(request: HttpRequest) -> HttpResponse:
    data = selectors.pareto(user=request.user)
    return render(request, "evaluation/pareto.html", {
        "data": data, "chart": {"curve": data["curve"]}})


@login_required
def rfv_view(request: HttpRequest) -> HttpResponse:
    data = selectors.rfv(user=request.user)
    chart = {"segments": [{"label": str(s["label"]), "customers": s["customers"],
                           "value": float(s["value"])} for s in data["segments"]]}
    return render(request, "evaluation/rfv.html", {"data": data, "chart": chart})


@login_required
def model_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "evaluation/models.html", {
        "models": ScoringModel.objects.all(),
        "can_edit": scoping.can_manage_scoring_models(request.user)})


@login_required
def model_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    model = get_object_or_404(ScoringModel, pk=pk)
    definition = services.current_version(model).definition
    return render(request, "evaluation/model.html", {
        "model": model, "definition": definition,
        "classes": {b.customer_class_id: b.customer_class
                    for b in model.bands.select_related("customer_class")},
        "can_edit": scoping.can_manage_scoring_models(request.user)})


def _initial(model: ScoringModel | None):
    if model is None:
        return {}, [], []
    return ({"name": model.name, "description": model.description,
             "is_active": model.is_active},
            [{"code": i.code, "name": i.name, "dimension": i.dimension, "source": i.source,
              "source_key": i.source_key, "weight": i.weight, "standard": i.standard,
              "direction": i.direction, "cap": i.cap, "unit": i.unit}
             for i in model.indicators.all()],
            [{"grade": b.grade, "min_score": b.min_score, "customer_class": b.customer_class}
             for b in model.bands.all()])


@login_required
@require_http_methods(["GET", "POST"])
def model_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Define a scoring model (administrators): indicators and grade bands, all or nothing."""
    if not scoping.can_manage_scoring_models(request.user):
        raise Http404
    model = get_object_or_404(ScoringModel, pk=pk) if pk else None
    head, indicators, bands = _initial(model)
    data = request.POST if request.method == "POST" else None
    form = ModelForm(data, initial=head)
    indicator_set = IndicatorFormSet(data, initial=indicators, prefix="ind")
    band_set = BandFormSet(data, initial=bands, prefix="band")
    problems: list[str] = []
    if request.method == "POST" and form.is_valid() and indicator_set.is_valid() \
            and band_set.is_valid():
        rows = [f.cleaned_data for f in indicator_set.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        band_rows = [f.cleaned_data for f in band_set.forms
                     if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        try:
            model = services.scoring_model_save(
                actor=request.user, scoring_model=model, indicators=rows, bands=band_rows,
                **form.cleaned_data)
        except ValidationError as exc:
            problems = _errors(exc)
        else:
            messages.success(request, _("Scoring model saved; the next run scores with it."))
            return redirect("evaluation:model", pk=model.pk)
    return render(request, "evaluation/model_form.html", {
        "model": model, "form": form, "indicators": indicator_set, "bands": band_set,
        "problems": problems, "sources": services.sources.all_sources()})


@login_required
@require_http_methods(["GET", "POST"])
def rules_view(request: HttpRequest) -> HttpResponse:
    """The classification rules: everyone reads them, administrators change them."""
    rules = ClassificationSettings.current()
    editable = scoping.can_manage_scoring_models(request.user)
    form = RulesForm(request.POST or None, instance=rules)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("Only administrators change the classification rules."))
        if form.is_valid():
            try:
                services.settings_save(actor=request.user, **{
                    k: form.cleaned_data[k] for k in RulesForm.Meta.fields})
            except ValidationError as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            else:
                messages.success(request, _("Classification rules saved."))
                return redirect("evaluation:rules")
    return render(request, "evaluation/rules.html", {"form": form, "rules": rules,
                                                     "editable": editable})
