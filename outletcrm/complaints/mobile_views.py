"""The rep's complaints on the phone (/m/complaints/): his open complaints, answer and resolve
them. Online pages in the field app's frame (forms post to the same services as the web)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from outletcrm.complaints import forms, selectors, services
from outletcrm.complaints.choices import ACTIVE_STATUSES
from outletcrm.complaints.views import _apply_errors
from outletcrm.visits.mobile_views import page_strings


def _render(request, template, context, status=200):
    return render(request, template, {**context, "page": "complaints",
                                      "strings": page_strings()}, status=status)


@never_cache
@ensure_csrf_cookie  # set before any form: the field app's pages share one cookie
@login_required
@require_http_methods(["GET"])
def complaints(request):
    """Open complaints assigned to me, the running target's working time left first."""
    now = timezone.now()
    rows = selectors.complaint_list(user=request.user, filters=selectors.ComplaintFilters(
        mine=True)).filter(status__in=ACTIVE_STATUSES).order_by("next_due_at")[:100]
    return _render(request, "complaints/mobile_list.html", {
        "rows": [(c, selectors.remaining(c, now=now)) for c in rows]})


@never_cache
@ensure_csrf_cookie  # set before any form: the field app's pages share one cookie
@login_required
@require_http_methods(["GET", "POST"])
def complaint(request, pk):
    """One complaint: what the customer said, the log, respond and resolve."""
    item = selectors.complaint_get(user=request.user, pk=pk)
    price_check = services.asks_price_check(item)
    respond = forms.TextForm(prefix="respond")
    resolve = forms.ResolveForm(prefix="resolve", complaint=item, price_check=price_check)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "respond":
                respond = forms.TextForm(request.POST, prefix="respond")
                if respond.is_valid():
                    services.complaint_respond(actor=request.user, complaint=item,
                                               text=respond.cleaned_data["text"])
                    messages.success(request, _("Response recorded."))
                    return redirect("mobile-complaints:detail", pk=item.pk)
            elif action == "resolve":
                resolve = forms.ResolveForm(request.POST, prefix="resolve", complaint=item,
                                            price_check=price_check)
                if resolve.is_valid():
                    data = resolve.cleaned_data
                    services.complaint_resolve(
                        actor=request.user, complaint=item,
                        resolution_type=data["resolution_type"], note=data["note"],
                        market_price=data.get("market_price"),
                        competitor_quote=data.get("competitor_quote"),
                        competitor_entry=data.get("competitor_entry"))
                    messages.success(request, _("Complaint resolved."))
                    return redirect("mobile-complaints:detail", pk=item.pk)
            else:
                raise PermissionDenied
        except ValidationError as exc:
            _apply_errors(respond if action == "respond" else resolve, exc)
        status = 400
    return _render(request, "complaints/mobile_detail.html", {
        "complaint": item, "remaining": selectors.remaining(item),
        "events": list(item.events.all()), "photos": list(item.photos.all()),
        "respond": respond, "resolve": resolve, "price_check": price_check,
        "active": item.status in ACTIVE_STATUSES}, status=status)
