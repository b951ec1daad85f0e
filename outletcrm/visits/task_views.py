"""The to-do list on the web (issue 9, "one to-do list"): /visits/tasks/.

A rep sees his open tasks of every registered kind (visit follow-ups, care, complaint and
churn actions), overdue first; a supervisor his team's, a manager his region's, with the rep
column (core.scoping via selectors.task_list). Complete (with what was done and how it went),
postpone (a later date and a reason) and add go through the same services as the phone and
the API. One view serves the page and the htmx fragment; a task's row answers its own forms.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from outletcrm.core import params, scoping
from outletcrm.customers.models import Customer
from outletcrm.visits import selectors, services
from outletcrm.visits.choices import (
    DoneAction,
    task_kind_choices,
    task_kind_needs_outcome,
    task_source_url,
)

PAGE_SIZE = 50
CUSTOMER_CHOICES_LIMIT = 500
TARGET = "task-results"


def _is_fragment(request: HttpRequest, target: str) -> bool:
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Target") == target
            and request.headers.get("HX-History-Restore-Request") != "true")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def due_choices() -> list[tuple[str, str]]:
    return [("overdue", _("Overdue")), ("today", _("Due today")),
            ("week", _("Due this week"))]


def _decorate(task, today: datetime.date):
    """What a row shows beyond the task: its state, and where its source record is."""
    task.is_overdue = task.done_at is None and task.due_date < today
    task.is_due_today = task.due_date == today
    task.needs_outcome = task_kind_needs_outcome(task.kind)
    if task.source_visit_id:
        task.source_url = reverse("visits:visit_detail", args=[task.source_visit_id])
    else:
        task.source_url = task_source_url(task.source_type, task.source_id)
    return task


def _filters(request: HttpRequest) -> dict:
    """The list's filters from the query string (ids and dates through core.params)."""
    query = request.GET
    rep = None
    rep_id = params.parse_id(query.get("rep"), field="rep")
    if rep_id is not None:
        rep = scoping.reps_in_scope(request.user).filter(pk=rep_id).first()
        if rep is None:
            raise ValidationError({"rep": _("Rep not found.")})
    status = query.get("status") or "open"
    return {"rep": rep, "kind": query.get("kind") or None, "due": query.get("due") or None,
            "q": (query.get("q") or "")[:selectors.TASK_SEARCH_MAX],
            "status": status if status in selectors.TASK_STATUSES else "open",
            "escalated": True if query.get("escalated") == "1" else None}


@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def task_list(request: HttpRequest) -> HttpResponse:
    """The to-do list: filters, the tasks (overdue, today, upcoming) and an add form."""
    user = request.user
    today = timezone.localdate()
    try:
        filters = _filters(request)
        tasks = selectors.task_list(user=user, today=today, **filters)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        filters = {"rep": None, "kind": None, "due": None, "q": "", "status": "open",
                   "escalated": None}
        tasks = selectors.task_list(user=user, today=today)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    for task in page.object_list:
        _decorate(task, today)
    supervising = scoping.is_field_supervisor(user)
    clean = request.GET.copy()
    clean.pop("page", None)
    context = {
        "page": page, "tasks": page.object_list, "filters": filters, "today": today,
        "supervising": supervising, "kinds": [(v, str(label)) for v, label in task_kind_choices()],
        "dues": due_choices(), "actions": DoneAction.choices, "target": TARGET,
        "clean_query": clean,
        "filtered": any(request.GET.get(k) for k in ("rep", "kind", "due", "q", "status",
                                                      "escalated")),
    }
    if _is_fragment(request, TARGET):
        return render(request, "visits/_task_results.html", context)
    context["reps"] = (list(scoping.reps_in_scope(user).order_by("team__name", "username"))
                       if supervising else [])
    context["customers"] = list(
        scoping.restrict(Customer.objects.filter(archived_at__isnull=True), user)
        .order_by("name", "pk").values_list("pk", "name")[:CUSTOMER_CHOICES_LIMIT])
    return render(request, "visits/tasks.html", context)


def _task_row(request: HttpRequest, task, *, errors: dict | None = None, open_form: str = ""):
    """One task's rows (its tbody), re-read in scope, for an htmx swap."""
    task = _decorate(selectors.task_get(user=request.user, pk=task.pk), timezone.localdate())
    return render(request, "visits/_task_row.html", {
        "task": task, "today": timezone.localdate(), "actions": DoneAction.choices,
        "supervising": scoping.is_field_supervisor(request.user), "errors": errors or {},
        "open_form": open_form, "values": request.POST})


def _answer(request: HttpRequest, task, *, message: str = "", errors: dict | None = None,
            open_form: str = "") -> HttpResponse:
    if _is_htmx(request):
        return _task_row(request, task, errors=errors, open_form=open_form)
    if errors:
        messages.error(request, " ".join(" ".join(v) for v in errors.values()))
    elif message:
        messages.success(request, message)
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    """Back to the list with the filters the form carried (never another site)."""
    query = request.POST.get("back", "")
    return reverse("visits:tasks") + (f"?{query}" if query and "//" not in query else "")


def _errors(exc: ValidationError) -> dict:
    """Field errors for the row's forms; what belongs to no field under "general"."""
    errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    if "__all__" in errors:
        errors["general"] = errors.pop("__all__")
    return errors


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a task done with what was done (call, visit, gift…) and how it went."""
    task = selectors.task_get(user=request.user, pk=pk)
    try:
        services.task_complete(actor=request.user, task=task,
                               action=request.POST.get("action"),
                               outcome=request.POST.get("outcome", ""))
    except ValidationError as exc:
        return _answer(request, task, errors=_errors(exc), open_form="done")
    except PermissionDenied as exc:
        return _answer(request, task, errors={"general": [str(exc)]}, open_form="done")
    return _answer(request, task, message=_("Task done."))


@login_required
@require_POST
def task_postpone(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a task to a later date, with the reason kept for the supervisor."""
    task = selectors.task_get(user=request.user, pk=pk)
    try:
        services.task_postpone(actor=request.user, task=task,
                               due_date=request.POST.get("due_date"),
                               reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return _answer(request, task, errors=_errors(exc), open_form="postpone")
    except PermissionDenied as exc:
        return _answer(request, task, errors={"general": [str(exc)]}, open_form="postpone")
    return _answer(request, task, message=_("Task postponed."))


@login_required
@require_POST
def task_add(request: HttpRequest) -> HttpResponse:
    """Add a to-do to one's own list, or (a supervisor) to one of his reps'."""
    user = request.user
    try:
        rep = user
        rep_id = params.parse_id(request.POST.get("rep"), field="rep")
        if rep_id is not None and rep_id != user.pk:
            rep = scoping.reps_in_scope(user).filter(pk=rep_id).first()
            if rep is None:
                raise ValidationError({"rep": _("Rep not found.")})
        customer = None
        customer_id = params.parse_id(request.POST.get("customer"), field="customer")
        if customer_id is not None:
            customer = scoping.restrict(Customer.objects.filter(pk=customer_id), user).first()
            if customer is None:
                raise ValidationError({"customer": _("Customer not found.")})
        services.task_add(actor=user, rep=rep, title=request.POST.get("title", ""),
                          due_date=request.POST.get("due_date") or None, customer=customer)
    except (ValidationError, PermissionDenied) as exc:
        text = (" ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        messages.error(request, text)
        return redirect(_back(request))
    messages.success(request, _("Task added."))
    return redirect(_back(request))
