"""Writes of customer development: survey forms, campaigns, outlets met, answers, reports.

Pages, the phone's queue (development/sync.py), the API and the CLI all come through here.
Every function is atomic: a refused input raises ValidationError/PermissionDenied and leaves
nothing behind.
"""

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outletcrm.core import i18n, scoping
from outletcrm.core.timeline import timeline_add
from outletcrm.customers import services as customer_services
from outletcrm.customers.choices import Source, Status
from outletcrm.customers.dedupe import find_duplicates
from outletcrm.customers.models import Customer, OutletType
from outletcrm.development import geo, reports, survey
from outletcrm.development.choices import (
    REPORT_TEXT_FIELDS,
    Intention,
    OutletOutcome,
    QuestionKind,
    ReportKind,
)
from outletcrm.development.models import (
    Report,
    ReportComment,
    SurveyAnswer,
    SurveyQuestion,
    SurveySection,
    SurveyTemplate,
    SweepCampaign,
    SweepContact,
    SweepOutlet,
)
from outletcrm.notifications.services import notify
from outletcrm.org.models import Role, Team, User
from outletcrm.visits.photos import load_image, watermark

MAX_CAMPAIGN_DAYS = 366


# --- survey forms ---------------------------------------------------------------------------

def _write_sections(template: SurveyTemplate, sections: list[dict]) -> None:
    for s_pos, section in enumerate(sections, start=1):
        stored = SurveySection.objects.create(template=template, position=s_pos,
                                              title=section["title"])
        SurveyQuestion.objects.bulk_create([
            SurveyQuestion(section=stored, position=q_pos, kind=q["kind"], text=q["text"],
                           options=q["options"])
            for q_pos, q in enumerate(section["questions"], start=1)])


@transaction.atomic
def template_save(*, actor: User, name: str, definition: str,
                  template: SurveyTemplate | None = None) -> SurveyTemplate:
    """Create or rewrite a survey form from the editor's text (development/survey.py).

    A form already used by a campaign is not rewritten (its answers refer to its questions):
    copy it and change the copy."""
    if not scoping.can_open_campaign(actor):
        raise PermissionDenied(_("Only supervisors, managers and administrators edit survey "
                                 "forms."))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": _("Give the form a name of at most 100 characters.")})
    sections = survey.parse_form(definition)
    if template is None:
        template = SurveyTemplate.objects.create(name=name, created_by=actor)
    else:
        if template.campaigns.exists():
            raise ValidationError({"definition": _("This form is used by a campaign and can "
                                                   "no longer change; copy it instead.")})
        template.name = name
        template.save(update_fields=["name"])
        template.sections.all().delete()
    _write_sections(template, sections)
    return template


@transaction.atomic
def template_copy(*, actor: User, template: SurveyTemplate) -> SurveyTemplate:
    """A new, editable form with the same sections and questions."""
    return template_save(actor=actor, name=_("Copy of %(name)s") % {"name": template.name},
                         definition=survey.render_form(template))


def default_template() -> SurveyTemplate:
    """The default form (the brief's four topics), created the first time it is needed."""
    found = SurveyTemplate.objects.filter(is_default=True).first()
    if found is not None:
        return found
    with transaction.atomic():
        template = SurveyTemplate.objects.create(name=survey.DEFAULT_NAME, is_default=True)
        _write_sections(template, survey.parse_form(survey.DEFAULT_FORM))
    return template


# --- campaigns ------------------------------------------------------------------------------

@transaction.atomic
def campaign_save(*, actor: User, name: str, team: Team, members, starts_on: datetime.date,
                  ends_on: datetime.date, template: SurveyTemplate | None = None, region=None,
                  area=None, grid_m: int = 300, notes: str = "",
                  campaign: SweepCampaign | None = None) -> SweepCampaign:
    """Open (or change) a sweep campaign: an area (a region or a drawn polygon), a team, dates."""
    if campaign is not None and not scoping.can_manage_campaign(actor, campaign):
        raise PermissionDenied(_("You may not change this campaign."))
    if not scoping.can_open_campaign(actor):
        raise PermissionDenied(_("Only supervisors, managers and administrators open sweep "
                                 "campaigns."))
    errors: dict[str, list] = {}
    is_admin = actor.role == Role.ADMIN or actor.is_superuser
    if team is None or not (is_admin or team.pk == actor.team_id
                            or scoping.reps_in_scope(actor).filter(team=team).exists()):
        errors["team"] = [_("Choose a team of yours.")]
    members = list(members or [])
    if not members:
        errors["members"] = [_("Choose at least one rep.")]
    elif team is not None and any(m.team_id != team.pk for m in members):
        errors["members"] = [_("Every rep must belong to the campaign's team.")]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("The campaign cannot end before it starts.")]
    elif starts_on and ends_on and (ends_on - starts_on).days > MAX_CAMPAIGN_DAYS:
        errors["ends_on"] = [_("A campaign lasts at most a year.")]
    if area in ({}, ""):
        area = None
    if area is not None:
        try:
            area = geo.validate_area(area)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if region is None and area is None:
        errors["area"] = [_("Choose a region or draw the area on the map.")]
    if errors:
        raise ValidationError(errors)
    campaign = campaign or SweepCampaign(created_by=actor)
    campaign.name = (name or "").strip()
    campaign.team = team
    campaign.region = region
    campaign.area = area
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    if template is not None:
        campaign.template = template
    elif campaign.template_id is None:
        campaign.template = default_template()
    campaign.grid_m = grid_m or 300
    campaign.notes = notes or ""
    campaign.full_clean(exclude=["members", "created_by"])
    campaign.save()
    campaign.members.set(members)
    return campaign


# --- the sweep: outlets met, contacts, answers ---------------------------------------------

def _uuid(value, field: str = "client_id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError({field: _("Invalid client id.")}) from None


def _local_day(device_time) -> datetime.date:
    moment = device_time or timezone.now()
    if timezone.is_naive(moment):
        raise ValidationError({"device_time": _("Give the time with its time zone.")})
    if moment > timezone.now() + datetime.timedelta(minutes=10):
        raise ValidationError({"device_time": _("The time is in the future.")})
    return timezone.localdate(moment)


def _check_sweeper(actor: User, campaign: SweepCampaign, day: datetime.date) -> None:
    if not campaign.members.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("You are not on this campaign's team."))
    if not campaign.is_running(day):
        raise ValidationError({"campaign": _("The campaign runs from %(start)s to %(end)s.")
                               % {"start": campaign.starts_on, "end": campaign.ends_on}})


def _check_writer(actor: User, outlet: SweepOutlet) -> None:
    if actor.pk != outlet.rep_id and not scoping.can_supervise(actor, outlet.rep):
        raise PermissionDenied(_("This outlet is another rep's."))


def _candidates(matches, actor: User) -> list[dict]:
    """Duplicate matches as the rep may see them: the name only of customers in his scope."""
    visible = set(scoping.restrict(Customer.objects.filter(
        pk__in=[m.customer_id for m in matches]), actor).values_list("pk", flat=True))
    return [{"id": m.customer_id, "code": m.code,
             "name": m.name if m.customer_id in visible else "",
             "reason": m.reason, "detail": m.detail} for m in matches]


def duplicate_candidates(*, actor: User, name: str, phone: str = "", address: str = "",
                         lat=None, lng=None) -> list[dict]:
    """What the archive already holds that a new outlet would duplicate (customers.dedupe)."""
    from outletcrm.customers.validators import normalise_phone

    if not (name or "").strip():
        return []
    matches = find_duplicates(name=name.strip(), address=(address or "").strip(),
                              phones=[normalise_phone(phone or "")], latitude=lat,
                              longitude=lng)
    return _candidates(matches, actor)


def _contact(actor: User, outlet: SweepOutlet, *, day, moment, lat=None, lng=None,
             client_id=None) -> SweepContact:
    contact = SweepContact.objects.filter(outlet=outlet, date=day).first()
    if contact is None:
        contact = SweepContact.objects.create(
            outlet=outlet, rep=actor, date=day, met_at=moment, latitude=lat, longitude=lng,
            **({"client_id": client_id} if client_id else {}))
    return contact


def _position(lat, lng):
    if lat is None or lng is None:
        return None, None
    six = Decimal("0.000001")
    return Decimal(str(lat)).quantize(six), Decimal(str(lng)).quantize(six)


@transaction.atomic
def sweep_outlet_record(*, actor: User, campaign: SweepCampaign, client_id, customer=None,
                        new: dict | None = None, lat=None, lng=None, device_time=None,
                        intention: str = Intention.UNKNOWN, note: str = ""
                        ) -> tuple[SweepOutlet, bool]:
    """Record an outlet met in the sweep: an existing customer, or a new one filed on the spot
    as a potential customer (source: street sweep) after the duplicate check.

    `customer` is an id: one in the rep's scope, or one the duplicate check names for `new`
    ("it's this one": the rep need not see a colleague's record to say it is the same shop).
    When the check finds matches and the rep did not pick one, the outlet is kept as FLAGGED
    with the matches, nothing is filed, and the rep (or the custodian) resolves it later.
    Replaying the same client id returns the first record (offline sync)."""
    client_id = _uuid(client_id)
    existing = SweepOutlet.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.rep_id != actor.pk:
            raise ValidationError({"client_id": _("This client id belongs to another record.")})
        return existing, False
    day = _local_day(device_time)
    _check_sweeper(actor, campaign, day)
    moment = device_time or timezone.now()
    lat, lng = _position(lat, lng)
    if intention not in Intention.values:
        raise ValidationError({"intention": _("Unknown intention.")})
    new = dict(new or {})
    template_questions = SurveyQuestion.objects.filter(section__template=campaign.template).count()
    outlet = SweepOutlet(client_id=client_id, campaign=campaign, rep=actor, met_on=day,
                         latitude=lat, longitude=lng, intention=intention, note=note[:500],
                         questions=template_questions)
    if customer is not None:
        found = scoping.restrict(Customer.objects.live(), actor).filter(pk=customer).first()
        if found is None and new.get("name"):
            allowed = {c["id"] for c in duplicate_candidates(
                actor=actor, name=new.get("name", ""), phone=new.get("phone", ""),
                address=new.get("address", ""), lat=lat, lng=lng)}
            if customer in allowed:
                found = Customer.objects.filter(pk=customer).first()
        if found is None:
            raise ValidationError({"customer": _("Customer not found.")})
        outlet.customer, outlet.outcome, outlet.name = found, OutletOutcome.EXISTING, found.name
        outlet.proposed = new
    else:
        outlet.name = (new.get("name") or "").strip()[:100]
        outlet.proposed = new
        outlet.customer = _file_new(actor, outlet, new, lat, lng)
        outlet.outcome = OutletOutcome.FILED if outlet.customer else OutletOutcome.FLAGGED
    if outlet.customer_id and SweepOutlet.objects.filter(
            campaign=campaign, customer_id=outlet.customer_id).exists():
        raise ValidationError({"customer": _("This outlet is already recorded in this "
                                             "campaign.")})
    outlet.full_clean(exclude=["storefront"])
    outlet.save()
    _contact(actor, outlet, day=day, moment=moment, lat=lat, lng=lng)
    return outlet, True


def _new_customer_fields(actor: User, new: dict, lat, lng) -> dict:
    outlet_type = None
    type_id = new.get("outlet_type")
    if type_id not in (None, ""):
        outlet_type = OutletType.objects.filter(
            pk=type_id if str(type_id).isdigit() else 0, is_active=True).first()
        if outlet_type is None:
            raise ValidationError({"new.outlet_type": _("Unknown outlet type.")})
    else:
        raise ValidationError({"new.outlet_type": _("Choose the outlet type.")})
    if not (new.get("name") or "").strip():
        raise ValidationError({"new.name": _("Give the outlet's name.")})
    return {"name": new["name"], "outlet_type": outlet_type,
            "address": (new.get("address") or "")[:200], "phone": new.get("phone") or "",
            "latitude": lat, "longitude": lng, "status": Status.POTENTIAL,
            "source": Source.STREET_SWEEP, "owner": actor}


def _file_new(actor: User, outlet: SweepOutlet, new: dict, lat, lng) -> Customer | None:
    """File the new outlet as a potential customer, or None (and the matches on the outlet)
    when the archive already holds it (customers.dedupe: one master record per outlet)."""
    fields = _new_customer_fields(actor, new, lat, lng)
    contacts = ([{"name": new["contact_name"][:50], "mobile": new.get("contact_mobile") or ""}]
                if (new.get("contact_name") or "").strip() else [])
    try:
        with transaction.atomic():
            customer = customer_services.customer_create(actor=actor, contacts=contacts,
                                                         **fields)
    except customer_services.DuplicateCustomerError as exc:
        outlet.candidates = _candidates(exc.matches, actor)
        return None
    except ValidationError as exc:
        raise ValidationError({f"new.{k}": v for k, v in exc.message_dict.items()}) from None
    timeline_add(customer_id=customer.pk, kind="development",
                 title=gettext_lazy("Filed in the street sweep %(campaign)s"),
                 params={"campaign": outlet.campaign.name}, actor=actor)
    return customer


@transaction.atomic
def sweep_outlet_resolve(*, actor: User, outlet: SweepOutlet, customer_id: int | None = None,
                         file_anyway: bool = False) -> SweepOutlet:
    """Resolve a possible duplicate: "it's this one" (one of the matches), or, for the
    archive custodian only, file it as a new customer after all (customers.dedupe)."""
    if outlet.outcome != OutletOutcome.FLAGGED:
        raise ValidationError({"outlet": _("This outlet is not waiting for a decision.")})
    if file_anyway:
        if not scoping.can_override_duplicate(actor):
            raise PermissionDenied(_("Only the archive custodian may file a record the "
                                     "duplicate check flagged."))
        fields = _new_customer_fields(outlet.rep, outlet.proposed, outlet.latitude,
                                      outlet.longitude)
        customer = customer_services.customer_create(actor=actor, force_duplicate=True,
                                                     **fields)
        outlet.customer, outlet.outcome = customer, OutletOutcome.FILED
    else:
        if actor.pk != outlet.rep_id and not scoping.can_override_duplicate(actor) and \
                not scoping.can_supervise(actor, outlet.rep):
            raise PermissionDenied(_("This outlet is another rep's."))
        if customer_id not in {c["id"] for c in outlet.candidates}:
            raise ValidationError({"customer": _("Choose one of the customers the duplicate "
                                                 "check found.")})
        if SweepOutlet.objects.filter(campaign=outlet.campaign_id,
                                      customer_id=customer_id).exists():
            raise ValidationError({"customer": _("This outlet is already recorded in this "
                                                 "campaign.")})
        customer = Customer.objects.get(pk=customer_id)
        outlet.customer, outlet.outcome, outlet.name = customer, OutletOutcome.EXISTING, \
            customer.name
    outlet.save(update_fields=["customer", "outcome", "name", "updated_at"])
    return outlet


def _recount(outlet: SweepOutlet, moment) -> None:
    """Completeness from the stored answers (development/survey.py's arithmetic)."""
    answers = list(SurveyAnswer.objects.filter(outlet=outlet))
    outlet.answered = sum(1 for a in answers if a.is_answered)
    outlet.questions = SurveyQuestion.objects.filter(
        section__template_id=outlet.campaign.template_id).count()
    complete = outlet.questions > 0 and outlet.answered >= outlet.questions
    if complete and outlet.completed_at is None:
        outlet.completed_at = moment
    elif not complete:
        outlet.completed_at = None
    outlet.save(update_fields=["answered", "questions", "completed_at", "updated_at"])


@transaction.atomic
def survey_answers_save(*, actor: User, outlet: SweepOutlet, answers: dict, device_time=None,
                        intention: str | None = None, note: str | None = None,
                        lat=None, lng=None) -> SweepOutlet:
    """Save answers to the outlet's form (any subset: a form is filled over several contacts).

    `answers` maps question ids to values; an empty value clears an answer. Every answer is
    checked before anything is written."""
    _check_writer(actor, outlet)
    day = _local_day(device_time)
    moment = device_time or timezone.now()
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Give the answers by question.")})
    questions = {q.pk: q for q in SurveyQuestion.objects.filter(
        section__template_id=outlet.campaign.template_id)}
    cleaned = {}
    errors = {}
    for key, value in answers.items():
        qid = int(key) if str(key).isdigit() and len(str(key)) < 12 else None
        question = questions.get(qid)
        if question is None:
            errors[f"answers.{key}"] = [_("Not a question of this form.")]
            continue
        try:
            cleaned[question] = survey.clean_answer(question, value)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors[field] = messages
    if intention is not None and intention not in Intention.values:
        errors["intention"] = [_("Unknown intention.")]
    if errors:
        raise ValidationError(errors)
    lat, lng = _position(lat, lng)
    _contact(actor, outlet, day=day, moment=moment, lat=lat, lng=lng)
    for question, value in cleaned.items():
        SurveyAnswer.objects.update_or_create(
            outlet=outlet, question=question,
            defaults={"value": value, "answered_by": actor, "answered_on": day,
                      "answered_at": moment})
    changed = []
    if intention is not None and intention != outlet.intention:
        outlet.intention = intention
        changed.append("intention")
    if note is not None:
        outlet.note = note[:500]
        changed.append("note")
    if changed:
        outlet.save(update_fields=[*changed, "updated_at"])
    _recount(outlet, moment)
    return outlet


@transaction.atomic
def sweep_photo_save(*, actor: User, outlet: SweepOutlet, upload, client_id, question=None,
                     taken_at=None) -> tuple[SweepOutlet, bool]:
    """Store the storefront photo, or a photo question's answer, watermarked like visit
    photos (time and outlet, no coordinates: visits/photos.py). Idempotent by client id."""
    client_id = _uuid(client_id)
    if SweepOutlet.objects.filter(storefront_client_id=client_id).exists() or \
            SurveyAnswer.objects.filter(photo_client_id=client_id).exists():
        if outlet.rep_id != actor.pk and not scoping.can_supervise(actor, outlet.rep):
            raise ValidationError({"client_id": _("This client id belongs to another record.")})
        return outlet, False
    _check_writer(actor, outlet)
    moment = taken_at or timezone.now()
    day = _local_day(moment)
    target = None
    if question not in (None, ""):
        target = SurveyQuestion.objects.filter(
            pk=question if str(question).isdigit() and len(str(question)) < 12 else 0,
            section__template_id=outlet.campaign.template_id, kind=QuestionKind.PHOTO).first()
        if target is None:
            raise ValidationError({"question": _("Not a photo question of this form.")})
    image = load_image(upload)
    code = outlet.customer.code if outlet.customer_id else ""
    data = watermark(image, taken_at=moment, outlet=outlet.name, code=code, distance_m=None)
    if target is None:
        outlet.storefront_client_id = client_id
        outlet.storefront.save(f"{client_id}.jpg", ContentFile(data), save=False)
        outlet.save(update_fields=["storefront", "storefront_client_id", "updated_at"])
    else:
        answer, _created = SurveyAnswer.objects.get_or_create(
            outlet=outlet, question=target,
            defaults={"answered_by": actor, "answered_on": day, "answered_at": moment})
        answer.photo_client_id = client_id
        answer.answered_by, answer.answered_on, answer.answered_at = actor, day, moment
        answer.photo.save(f"{client_id}.jpg", ContentFile(data), save=False)
        answer.save()
        _contact(actor, outlet, day=day, moment=moment)
        _recount(outlet, moment)
    return outlet, True


# --- reports --------------------------------------------------------------------------------

def _period(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    if kind == ReportKind.SWEEP_DAILY:
        return day, day
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


@transaction.atomic
def report_open(*, actor: User, kind: str, day: datetime.date, author: User | None = None
                ) -> Report:
    """The author's report of that day or week, drafted from the records if new.

    Anyone may open his own; a supervisor also a rep's (to read what the data says), but
    the text stays the author's. The team summary is the supervisor's own."""
    if kind not in ReportKind.values:
        raise ValidationError({"kind": _("Unknown report.")})
    author = author or actor
    if author.pk != actor.pk and not scoping.can_supervise(actor, author):
        raise PermissionDenied(_("You may not open this report."))
    team = author.team if kind == ReportKind.TEAM_SURVEY_WEEKLY else None
    if kind == ReportKind.TEAM_SURVEY_WEEKLY and (author.role != Role.SUPERVISOR
                                                  or not author.team_id):
        raise PermissionDenied(_("The team summary is written by the team's supervisor."))
    start, end = _period(kind, day)
    report, created = Report.objects.get_or_create(
        kind=kind, author=author, period_start=start,
        defaults={"period_end": end, "team": team or author.team})
    if created or report.submitted_at is None:
        report_redraft(report=report)
    return report


def report_redraft(*, report: Report) -> Report:
    """Recompute the drafted figures (until the author submits, the report follows the data)."""
    report.figures = reports.draft(report)
    report.drafted_at = timezone.now()
    report.save(update_fields=["figures", "drafted_at"])
    return report


@transaction.atomic
def report_save(*, actor: User, report: Report, texts: dict, submit: bool = False) -> Report:
    """The author completes his report; submitting sends it to his supervisors, unread."""
    if not scoping.can_edit_report(actor, report):
        raise PermissionDenied(_("Only the author completes a report."))
    allowed = REPORT_TEXT_FIELDS[report.kind]
    errors = {}
    for name, value in texts.items():
        if name not in allowed:
            continue
        value = (value or "").strip() if isinstance(value, str) else ""
        if len(value) > 5000:
            errors[name] = [_("At most %(n)d characters.") % {"n": 5000}]
        setattr(report, name, value)
    if submit and not any(getattr(report, f) for f in allowed):
        errors["remarks"] = [_("Write at least your remarks before you submit.")]
    if errors:
        raise ValidationError(errors)
    fields = list(allowed)
    if submit:
        if report.submitted_at is None:
            report.figures = reports.draft(report)
            report.drafted_at = timezone.now()
            fields += ["figures", "drafted_at"]
        report.submitted_at = timezone.now()
        report.read_at, report.read_by = None, None  # a resubmission is news again
        fields += ["submitted_at", "read_at", "read_by"]
    report.save(update_fields=fields)
    if submit:
        for supervisor in _reviewers(report):
            notify(user=supervisor, kind="report.submitted",
                   title=gettext_lazy("%(author)s submitted the %(report)s of %(day)s"),
                   params={"author": str(report.author), "report": i18n.label(report, "kind"),
                           "day": f"{report.period_start:%Y-%m-%d}"},
                   link=report.get_absolute_url(), source=report)
    return report


def _reviewers(report: Report) -> list[User]:
    if report.kind == ReportKind.TEAM_SURVEY_WEEKLY or report.author.role != Role.REP:
        region = report.team.region_id if report.team_id else None
        return list(User.objects.filter(role=Role.MANAGER, is_active=True,
                                        region_id=region)) if region else []
    return list(User.objects.filter(role=Role.SUPERVISOR, is_active=True,
                                    team_id=report.author.team_id))


def report_mark_read(*, actor: User, report: Report) -> Report:
    """A reviewer opened the submitted report: it is no longer flagged unread."""
    if report.submitted_at is not None and report.read_at is None and \
            scoping.can_review_report(actor, report):
        report.read_at, report.read_by = timezone.now(), actor
        report.save(update_fields=["read_at", "read_by"])
    return report


@transaction.atomic
def report_comment(*, actor: User, report: Report, text: str) -> ReportComment:
    """A reviewer's comment; the author is notified and sees it on the report."""
    if not scoping.can_review_report(actor, report):
        raise PermissionDenied(_("Only the author's supervisor comments on a report."))
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise ValidationError({"text": _("Write the comment.")})
    if len(text) > 2000:
        raise ValidationError({"text": _("At most %(n)d characters.") % {"n": 2000}})
    comment = ReportComment.objects.create(report=report, author=actor, text=text)
    report_mark_read(actor=actor, report=report)
    notify(user=report.author, kind="report.comment",
           title=gettext_lazy("%(who)s commented on your %(report)s of %(day)s"),
           params={"who": str(actor), "report": i18n.label(report, "kind"),
                   "day": f"{report.period_start:%Y-%m-%d}"},
           body=text[:500], link=report.get_absolute_url(), source=report)
    return comment


def sweep_outlet_for(*, actor: User, client_id) -> SweepOutlet:
    """An outlet record in the actor's scope by its client id (404-like ValidationError)."""
    try:
        return scoping.restrict_sweep_records(
            SweepOutlet.objects.select_related("campaign", "rep", "customer"), actor
        ).get(client_id=_uuid(client_id, "outlet"))
    except SweepOutlet.DoesNotExist:
        raise ValidationError({"outlet": _("Outlet not found.")}) from None

