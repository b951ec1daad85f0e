"""The sweep on the phone (/m/sweeps/): the rep's running campaigns and the sweep page.

Like the field app's other pages, a shell with the data embedded as JSON; every write goes
through the field app's queue (development/sync.py operations, visits.sync protocol)."""

from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from outletcrm.development import selectors
from outletcrm.development.sync import campaign_snapshot
from outletcrm.visits.mobile_views import _render, field_page

MAX_SHELL_CAMPAIGNS = 20

STRINGS = {
    "answered": gettext_lazy("%(n)s of %(m)s answered"),
    "complete": gettext_lazy("%(p)s%% complete"),
    "saved": gettext_lazy("Saved on the phone; uploaded when there is signal."),
    "needName": gettext_lazy("Give the outlet's name."),
    "needCustomer": gettext_lazy("Choose the customer."),
    "checking": gettext_lazy("Checking the archive for duplicates…"),
    "dupesFound": gettext_lazy("The archive may already hold this outlet. Is it one of these?"),
    "itsThis": gettext_lazy("It's this one"),
    "notThese": gettext_lazy("None of these: file it for review"),
    "flagged": gettext_lazy("Possible duplicate: waiting for a decision"),
    "hidden": gettext_lazy("(another rep's customer)"),
    "noOutlets": gettext_lazy("No outlets recorded yet."),
    "survey": gettext_lazy("Survey"),
    "waiting": gettext_lazy("Waiting to upload"),
    "photoTaken": gettext_lazy("Photo taken"),
    "reasons": {
        "phone": gettext_lazy("Same phone number"),
        "name_address": gettext_lazy("Same name and address"),
        "nearby_name": gettext_lazy("A customer with a near-identical name is nearby"),
    },
}


def _strings() -> dict:
    return {k: ({a: str(b) for a, b in v.items()} if isinstance(v, dict) else str(v))
            for k, v in STRINGS.items()}


@field_page
def campaigns(request):
    """The campaigns the rep sweeps today."""
    rows = list(selectors.running_campaigns(user=request.user, day=timezone.localdate()))
    return _render(request, "development/mobile_campaigns.html", "sweeps", {"rows": rows})


@field_page
def sweep(request, pk):
    """The sweep of one campaign: outlets met, record one, fill their forms."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if not campaign.members.filter(pk=request.user.pk).exists():
        raise Http404
    return _render(request, "development/mobile_sweep.html", "sweep", {
        "campaign": campaign, "sweep_data": campaign_snapshot(request.user, campaign),
        "sweep_strings": _strings()})


@field_page
def snapshot(request, pk):
    """The sweep page's data again, after an upload (JSON)."""
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    if not campaign.members.filter(pk=request.user.pk).exists():
        raise Http404
    return JsonResponse(campaign_snapshot(request.user, campaign))


def shell_pages(request) -> list[str]:
    """The sweep pages the field app's service worker keeps from the start: the list and the
    rep's campaigns running today, so a rep who has not opened them yet can sweep without
    signal (registered with visits.mobile_views.register_shell_pages)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    running = selectors.running_campaigns(user=user, day=timezone.localdate())
    return [reverse("mobile-sweeps:list"),
            *(reverse("mobile-sweeps:sweep", args=[pk])
              for pk in running.values_list("pk", flat=True)[:MAX_SHELL_CAMPAIGNS])]
