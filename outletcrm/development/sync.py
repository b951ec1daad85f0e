"""The sweep on the phone: operations of the field app's queue (visits/sync.py protocol).

Registered into visits.sync's handler table (`register_op`), so they travel in the same
batches, with the same client ids and the same per-operation savepoints as check-ins:

  sweep_outlet  – an outlet met: an existing customer or a new one (duplicate-checked);
                  its client id is the outlet record's own, so a replay finds it
  sweep_answers – answers to the outlet's form (any subset), with the intention; a receipt
                  under its client id makes a replay a no-op
  sweep_resolve – "it's this one" for an outlet the duplicate check flagged (receipt)

Photos (storefront, photo questions) go as multipart to the outlet's photo address.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from outletcrm.core import scoping
from outletcrm.core.api import IdField
from outletcrm.customers.models import Customer, OutletType
from outletcrm.development import services
from outletcrm.development.choices import Intention, OutletOutcome, QuestionKind
from outletcrm.development.models import SurveyQuestion, SweepCampaign, SweepOutlet
from outletcrm.visits import sync as field_sync
from outletcrm.visits.sync import OpError, OpResult, PositionFields, _receipted, _validated


class NewOutletFields(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    outlet_type = IdField(required=False, allow_null=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)


class SweepOutletPayload(PositionFields):
    campaign = IdField()
    customer = IdField(required=False, allow_null=True,
                       help_text="An existing customer, or one the duplicate check named.")
    new = NewOutletFields(required=False, allow_null=True)
    device_time = serializers.DateTimeField()
    intention = serializers.ChoiceField(choices=Intention.choices, default=Intention.UNKNOWN)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs.get("customer") and not attrs.get("new"):
            raise serializers.ValidationError(
                {"customer": _("Choose an existing customer or describe the new outlet.")})
        return attrs


class SweepAnswersPayload(PositionFields):
    outlet = serializers.UUIDField(help_text="The outlet's client id.")
    answers = serializers.DictField(child=serializers.JSONField(allow_null=True),
                                    help_text="Question id → value (empty clears).")

    def validate_answers(self, value):
        if len(value) > 200:
            raise serializers.ValidationError(_("At most 200 answers at once."))
        return value
    device_time = serializers.DateTimeField()
    intention = serializers.ChoiceField(choices=Intention.choices, required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class SweepResolvePayload(serializers.Serializer):
    outlet = serializers.UUIDField()
    customer = IdField()


def _campaign(user, pk) -> SweepCampaign:
    campaign = scoping.restrict_campaigns(SweepCampaign.objects.all(), user).filter(
        pk=pk).select_related("template").first()
    if campaign is None:
        raise OpError({"campaign": [_("Campaign not found.")]}, 404)
    return campaign


def _outlet(user, client_id) -> SweepOutlet:
    try:
        return services.sweep_outlet_for(actor=user, client_id=client_id)
    except ValidationError:
        raise OpError({"outlet": [_("Outlet not found.")]}, 404) from None


def outlet_result(outlet: SweepOutlet) -> dict:
    return {"outlet": str(outlet.client_id), "outcome": outlet.outcome,
            "customer": outlet.customer_id,
            "code": outlet.customer.code if outlet.customer_id else "",
            "candidates": outlet.candidates, "completeness": outlet.completeness}


def _op_sweep_outlet(user, client_id, visit_client_id, payload) -> OpResult:
    existing = SweepOutlet.objects.filter(client_id=client_id).select_related("customer").first()
    if existing is not None and existing.rep_id == user.pk:  # a replay: the first answer
        return OpResult("duplicate", outlet_result(existing), record=existing)
    data = _validated(SweepOutletPayload, payload)
    campaign = _campaign(user, data["campaign"])
    outlet, created = services.sweep_outlet_record(
        actor=user, campaign=campaign, client_id=client_id, customer=data.get("customer"),
        new=dict(data["new"]) if data.get("new") else None, lat=data.get("lat"),
        lng=data.get("lng"), device_time=data["device_time"], intention=data["intention"],
        note=data.get("note", ""))
    return OpResult("applied" if created else "duplicate", outlet_result(outlet),
                    record=outlet)


def _op_sweep_answers(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(SweepAnswersPayload, payload)
    outlet = _outlet(user, data["outlet"])

    def apply():
        saved = services.survey_answers_save(
            actor=user, outlet=outlet, answers=data["answers"], device_time=data["device_time"],
            intention=data.get("intention"), note=data.get("note"), lat=data.get("lat"),
            lng=data.get("lng"))
        return OpResult("applied", outlet_result(saved), record=saved)

    return _receipted(user, "sweep_answers", client_id, apply)


def _op_sweep_resolve(user, client_id, visit_client_id, payload) -> OpResult:
    data = _validated(SweepResolvePayload, payload)
    outlet = _outlet(user, data["outlet"])

    def apply():
        resolved = services.sweep_outlet_resolve(actor=user, outlet=outlet,
                                                 customer_id=data["customer"])
        return OpResult("applied", outlet_result(resolved), record=resolved)

    return _receipted(user, "sweep_resolve", client_id, apply)


def register() -> None:
    field_sync.register_op("sweep_outlet", _op_sweep_outlet)
    field_sync.register_op("sweep_answers", _op_sweep_answers)
    field_sync.register_op("sweep_resolve", _op_sweep_resolve)


# --- what the phone keeps of a campaign ------------------------------------------------------

CUSTOMER_LIMIT = 3000


def form_json(template) -> list[dict]:
    """The form's sections and questions as the phone renders them."""
    questions = SurveyQuestion.objects.filter(section__template=template).select_related(
        "section").order_by("section__position", "position")
    sections: list[dict] = []
    for q in questions:
        if not sections or sections[-1]["id"] != q.section_id:
            sections.append({"id": q.section_id, "title": q.section.title, "questions": []})
        sections[-1]["questions"].append({"id": q.pk, "kind": q.kind, "text": q.text,
                                          "options": q.options})
    return sections


def outlet_json(outlet: SweepOutlet, answers: dict | None = None) -> dict:
    return {
        **outlet_result(outlet), "name": outlet.name, "rep": outlet.rep_id,
        "outcome_label": str(outlet.get_outcome_display()), "intention": outlet.intention,
        "note": outlet.note, "met_on": outlet.met_on.isoformat(),
        "lat": float(outlet.latitude) if outlet.latitude is not None else None,
        "lng": float(outlet.longitude) if outlet.longitude is not None else None,
        "answered": outlet.answered, "questions": outlet.questions,
        "storefront_url": outlet.storefront_url,
        "answers": answers if answers is not None else {},
    }


def campaign_snapshot(user, campaign: SweepCampaign) -> dict:
    """The sweep page's data, kept on the phone: the campaign, its form, the rep's outlets with
    their answers, his customers (to record an existing one) and the outlet types."""
    outlets = list(scoping.restrict_sweep_records(
        SweepOutlet.objects.filter(campaign=campaign, rep=user), user)
        .select_related("customer").prefetch_related("answers").order_by("-updated_at"))
    customers = (scoping.restrict(Customer.objects.live(), user)
                 .order_by("name_sort", "pk").values_list("pk", "code", "name")[:CUSTOMER_LIMIT])
    rows = []
    for outlet in outlets:
        answers = {}
        for a in outlet.answers.all():
            if a.photo:
                answers[str(a.question_id)] = {"photo": True}
            elif a.value not in (None, ""):
                answers[str(a.question_id)] = a.value
        rows.append(outlet_json(outlet, answers))
    return {
        # The phone keeps the newest copy it has (the page's, or the last one fetched), so a
        # page the service worker serves from its cache does not show older data (UTC, ISO).
        "generated_at": timezone.now().astimezone(datetime.UTC).isoformat(),
        "campaign": {"id": campaign.pk, "name": campaign.name,
                     "starts_on": campaign.starts_on.isoformat(),
                     "ends_on": campaign.ends_on.isoformat(),
                     "running": campaign.is_running(timezone.localdate())},
        "form": form_json(campaign.template),
        "outlets": rows,
        "customers": [{"id": pk, "code": code, "name": name} for pk, code, name in customers],
        "outlet_types": [{"id": t.pk, "name": str(t)}
                         for t in OutletType.objects.filter(is_active=True)],
        "intentions": [{"value": v, "label": str(label)} for v, label in Intention.choices],
        "photo_kind": QuestionKind.PHOTO, "flagged": OutletOutcome.FLAGGED,
    }
