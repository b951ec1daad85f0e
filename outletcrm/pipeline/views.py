"""Pipeline pages: the board (drag, or the move buttons), a prospect, the funnel.

Thin: parse, fetch in scope (404 outside it), call a service or selector, render. A move from
the board (drag and drop or the keyboard's move form) is an htmx POST answered with the board
again and a message saying what happened, or why the move was refused.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from outletcrm.core import files, params, scoping
from outletcrm.core.api import xlsx_response
from outletcrm.customers.models import Customer
from outletcrm.pipeline import exports, selectors, services
from outletcrm.pipeline.forms import (
    BoardFilterForm,
    FunnelForm,
    LostForm,
    MoveForm,
    NextActionForm,
    OutputForm,
)
from outletcrm.pipeline.models import Stage


def _errors(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You are not allowed to do this.")


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _require_viewer(request) -> None:
    if not scoping.can_see_prospects(request.user):
        raise Http404


def _board_filters(request) -> tuple[BoardFilterForm, int | None, str, str]:
    """The board's filters (owner, search): the form, its values, and the query string that
    carries them on (the move forms, "show more"); nothing else of the address is kept."""
    form = BoardFilterForm(request.GET or None)
    owner_id, q = None, ""
    if form.is_bound and form.is_valid():
        owner_id = form.cleaned_data["owner"]
        q = form.cleaned_data["q"].strip()
    kept = {name: request.GET[name] for name in ("owner", "q") if request.GET.get(name)}
    return form, owner_id, q, urlencode(kept)


def _moved_param(request) -> int | None:
    """?moved=: the card the user just moved, shown first in its column (selectors.board)."""
    return params.parse_id(request.GET.get("moved"), field="moved")


def _board_context(request, *, message: str = "", ok: bool = True,
                   moved_id: int | None = None) -> dict:
    form, owner_id, q, query = _board_filters(request)
    columns = selectors.board(user=request.user, owner_id=owner_id, q=q,
                              limit=selectors.BOARD_PAGE, moved_id=moved_id)
    shown = any(getattr(card, "just_moved", False) for c in columns for card in c.cards)
    return {"columns": columns, "form": form, "message": message, "ok": ok,
            "owners": scoping.users_in_scope(request.user),
            "can_work": scoping.can_work_prospects(request.user),
            "stages": [c.stage for c in columns], "query": query,
            "moved": moved_id if shown else None}


def _board_url(query: str, moved_id: int) -> str:
    """The board's address after a move: its filters, and the moved card shown first (so a
    reload still shows it)."""
    return f"{reverse('pipeline:board')}?{f'{query}&' if query else ''}moved={moved_id}"


@login_required
@require_GET
def board_view(request: HttpRequest) -> HttpResponse:
    """The board: prospects by stage with owner, days in stage and next action."""
    _require_viewer(request)
    try:
        moved_id = _moved_param(request)
    except ValidationError as exc:
        return render(request, "core/bad_request.html", {"message": _errors(exc)}, status=400)
    return render(request, "pipeline/board.html", _board_context(request, moved_id=moved_id))


@login_required
@require_GET
def board_cards_view(request: HttpRequest) -> HttpResponse:
    """The board's "show more": the next cards of one column (?stage=&offset=, with the
    board's filters), as list items that htmx puts in place of the column's button."""
    _require_viewer(request)
    try:
        stage_id = params.parse_id(request.GET.get("stage"), field="stage")
        offset = params.parse_int(request.GET.get("offset"), field="offset", minimum=0,
                                  maximum=selectors.BOARD_MAX_OFFSET) or 0
        moved_id = _moved_param(request)
    except ValidationError as exc:
        return render(request, "core/bad_request.html", {"message": _errors(exc)}, status=400)
    stage = next((s for s in services.active_stages() if s.pk == stage_id), None)
    if stage is None:
        return render(request, "core/bad_request.html",
                      {"message": _("Choose an enabled stage.")}, status=400)
    _form, owner_id, q, query = _board_filters(request)
    column = selectors.board_column(user=request.user, stage=stage, owner_id=owner_id, q=q,
                                    offset=offset, moved_id=moved_id)
    return render(request, "pipeline/_cards.html", {
        "column": column, "query": query, "moved": moved_id,
        "can_work": scoping.can_work_prospects(request.user)})


@login_required
@require_POST
def move_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a prospect (the exit checks apply); htmx gets the board back with the outcome."""
    _require_viewer(request)
    prospect = selectors.prospect_get(user=request.user, pk=pk)
    form = MoveForm(request.POST)
    ok, message = False, ""
    if not form.is_valid():
        message = _form_errors(form)
    else:
        stage = Stage.objects.filter(pk=form.cleaned_data["stage"], is_active=True).first()
        if stage is None:
            message = _("Choose an enabled stage.")
        else:
            try:
                services.prospect_move(actor=request.user, prospect=prospect, to_stage=stage,
                                       next_action=form.cleaned_data["next_action"] or None)
            except (ValidationError, PermissionDenied) as exc:
                message = _errors(exc)
            else:
                ok = True
                message = _("%(customer)s moved to %(stage)s.") % {
                    "customer": prospect.customer.name, "stage": str(stage)}
    # A moved card has just entered its stage, so it would come last in its column (longest
    # in the stage first), behind "show more" in a full column: the board shows it first.
    query = _board_filters(request)[3]
    if _is_htmx(request):
        response = render(request, "pipeline/_board.html",
                          _board_context(request, message=message, ok=ok,
                                         moved_id=prospect.pk if ok else None))
        if ok:
            response["HX-Replace-Url"] = _board_url(query, prospect.pk)
        else:
            response["HX-Trigger"] = "pipeline-move-refused"
        return response
    (messages.success if ok else messages.error)(request, message)
    if request.POST.get("next") == "prospect":
        return redirect("pipeline:prospect", pk=prospect.pk)
    return redirect(_board_url(query, prospect.pk) if ok else "pipeline:board")


@login_required
@require_GET
def prospect_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One prospect: stages with their records, the four-step visits, history, actions."""
    _require_viewer(request)
    prospect = selectors.prospect_get(user=request.user, pk=pk)
    detail = selectors.prospect_detail(prospect)
    return render(request, "pipeline/prospect.html", {
        "prospect": prospect, **detail, "output_form": OutputForm(), "lost_form": LostForm(),
        "next_form": NextActionForm(initial={"next_action": prospect.next_action,
                                             "next_action_on": prospect.next_action_on}),
        "can_work": scoping.can_work_prospects(request.user),
        "days_in_stage": max(0, (timezone.now() - prospect.entered_stage_at).days)})


def _after(request, prospect, ok: bool, message: str) -> HttpResponse:
    (messages.success if ok else messages.error)(request, message)
    return redirect("pipeline:prospect", pk=prospect.pk)


@login_required
@require_POST
def output_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the current stage's output (text and an optional file)."""
    _require_viewer(request)
    prospect = selectors.prospect_get(user=request.user, pk=pk)
    form = OutputForm(request.POST, request.FILES)
    if not form.is_valid():
        return _after(request, prospect, False, _form_errors(form))
    try:
        services.output_add(actor=request.user, prospect=prospect, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        return _after(request, prospect, False, _errors(exc))
    return _after(request, prospect, True, _("Record saved."))


@login_required
@require_GET
def output_file_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An output record's attachment, to someone who may see its prospect (core/files.py)."""
    user = files.file_user(request)
    if user is None:
        return files.anonymous_response(request)
    if not scoping.can_see_prospects(user):
        raise Http404
    record = selectors.output_get(user=user, pk=pk)
    if not record.attachment:
        raise Http404
    suffix = record.attachment.name.rsplit(".", 1)[-1].lower()
    return files.file_response(
        record.attachment.name, as_attachment=True,
        content_type=services.ATTACHMENT_TYPES.get(suffix, "application/octet-stream"),
        filename=record.attachment_name or f"record-{record.pk}.{suffix}")


@login_required
@require_POST
def close_lost_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Close as lost, with a reason."""
    _require_viewer(request)
    prospect = selectors.prospect_get(user=request.user, pk=pk)
    form = LostForm(request.POST)
    if not form.is_valid():
        return _after(request, prospect, False, _form_errors(form))
    try:
        services.prospect_close_lost(actor=request.user, prospect=prospect, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        return _after(request, prospect, False, _errors(exc))
    return _after(request, prospect, True, _("Closed as lost."))


@login_required
@require_POST
def close_won_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Close as won: the customer becomes active."""
    _require_viewer(request)
    prospect = selectors.prospect_get(user=request.user, pk=pk)
    try:
        services.prospect_close_won(actor=request.user, prospect=prospect)
    except (ValidationError, PermissionDenied) as exc:
        return _after(request, prospect, False, _errors(exc))
    return _after(request, prospect, True, _("Won: the customer is now active."))


@login_required
@require_POST
def next_action_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Say what comes next."""
    _require_viewer(request)
    prospect = selectors.prospect_get(user=request.user, pk=pk)
    form = NextActionForm(request.POST)
    if not form.is_valid():
        return _after(request, prospect, False, _form_errors(form))
    try:
        services.prospect_set_next_action(actor=request.user, prospect=prospect,
                                          **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        return _after(request, prospect, False, _errors(exc))
    return _after(request, prospect, True, _("Next action saved."))


@login_required
@require_POST
def open_view(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """Start developing a potential or intent customer (from its page)."""
    _require_viewer(request)
    customer = get_object_or_404(scoping.restrict(Customer.objects.all(), request.user),
                                 pk=customer_pk)
    try:
        prospect = services.prospect_open(actor=request.user, customer=customer)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc))
        return redirect("customers:detail", pk=customer.pk)
    messages.success(request, _("The customer is in the development pipeline."))
    return redirect("pipeline:prospect", pk=prospect.pk)


@login_required
@require_GET
def funnel_view(request: HttpRequest) -> HttpResponse:
    """Funnel analytics over a period: chart, table, Excel (?format=xlsx)."""
    _require_viewer(request)
    form = FunnelForm(request.GET)  # every field is optional: an empty query is valid
    report = None
    if form.is_valid():
        date_from, date_to = form.period()
        report = selectors.funnel(user=request.user, date_from=date_from, date_to=date_to,
                                  group=form.cleaned_data.get("group") or None)
        if request.GET.get("format") == "xlsx":
            content = exports.funnel_workbook(report, user=request.user)
            return xlsx_response(content, f"funnel-{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx")
    return render(request, "pipeline/funnel.html", {
        "form": form, "report": report,
        "chart": selectors.funnel_chart(report) if report else None,
        "query": request.GET.urlencode()})
