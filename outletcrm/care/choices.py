"""Choice lists of customer care (客情维护, brief §6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CareKind(models.TextChoices):
    """What a care rule is about."""

    BIRTHDAY = "birthday", pgettext_lazy("care kind", "Birthday")
    FAMILY_EVENT = "family_event", _("Family event")
    FESTIVAL = "festival", _("Festival greeting")
    RETURN_VISIT = "return_visit", _("Periodic return visit")
    EMOTIONAL_CALL = "emotional_call", _("Emotional phone call")


class CareAction(models.TextChoices):
    """What the rep is advised to do."""

    CALL = "call", pgettext_lazy("care action", "Call")
    VISIT = "visit", pgettext_lazy("care action", "Visit")
    GIFT = "gift", pgettext_lazy("care action", "Gift")
    MESSAGE = "message", pgettext_lazy("care action", "Message")


class Festival(models.TextChoices):
    """Festivals greeted (lunar ones first; dates in care/dates.py)."""

    SPRING = "spring", _("Spring Festival")
    LANTERN = "lantern", _("Lantern Festival")
    DRAGON_BOAT = "dragon_boat", _("Dragon Boat Festival")
    MID_AUTUMN = "mid_autumn", _("Mid-Autumn Festival")
    DOUBLE_NINTH = "double_ninth", _("Double Ninth Festival")
    NEW_YEAR = "new_year", _("New Year's Day")
    NATIONAL_DAY = "national_day", _("National Day")


class FamilyEventKind(models.TextChoices):
    WEDDING = "wedding", _("Wedding")
    CHILD_BIRTH = "child_birth", _("Birth of a child")
    EXAM = "exam", _("Exam or graduation")
    FUNERAL = "funeral", _("Funeral")
    OPENING = "opening", _("Opening anniversary")
    OTHER = "other", pgettext_lazy("family event", "Other")


# Greetings and gifts use the customer's personal data for marketing: made only for customers
# who consented (brief §7, privacy; Customer.marketing_consent; settings.CARE_REQUIRE_CONSENT).
# Return visits and emotional calls are the rep's ordinary business contact.
MARKETING_KINDS = frozenset({CareKind.BIRTHDAY, CareKind.FESTIVAL, CareKind.FAMILY_EVENT})

# Kinds of task on the rep's to-do list (visits.choices.register_task_kind).
TASK_BIRTHDAY = "care_birthday"
TASK_FESTIVAL = "care_festival"
TASK_RETURN_VISIT = "care_return_visit"
TASK_CALL = "care_call"
TASK_FAMILY_EVENT = "care_family_event"
TASK_KINDS = [
    (TASK_BIRTHDAY, _("Birthday greeting")),
    (TASK_FESTIVAL, _("Festival greeting")),
    (TASK_RETURN_VISIT, _("Periodic return visit")),
    (TASK_CALL, _("Emotional phone call")),
    (TASK_FAMILY_EVENT, _("Family event")),
]
TASK_KIND_BY_CARE = {
    CareKind.BIRTHDAY: TASK_BIRTHDAY,
    CareKind.FESTIVAL: TASK_FESTIVAL,
    CareKind.RETURN_VISIT: TASK_RETURN_VISIT,
    CareKind.EMOTIONAL_CALL: TASK_CALL,
    CareKind.FAMILY_EVENT: TASK_FAMILY_EVENT,
}
