"""Fixed choice lists of the customer archive (configurable lists are models)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    MODERN = "modern", _("Modern trade (supermarkets / chains)")
    TRADITIONAL = "traditional", _("Traditional trade (convenience / family shops)")
    CATERING = "catering", _("Catering")
    MEDICAL = "medical", _("Medical")
    WHOLESALE = "wholesale", _("Wholesale")
    INDUSTRIAL = "industrial", _("Industrial end user")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    STREET_SWEEP = "street_sweep", _("Street sweep")
    REFERRAL = "referral", _("Referral")
    FAIR = "fair", _("Trade fair")
    WEB = "web", _("Web")
    DIRECTORY = "directory", _("Directory")
    INBOUND = "inbound", _("Inbound call")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    """Lifecycle (brief §3): potential → intent → active → dormant / lost."""

    POTENTIAL = "potential", _("Potential")
    INTENT = "intent", _("Intent")
    ACTIVE = "active", pgettext_lazy("customer status", "Active")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")


class ClassScheme(models.TextChoices):
    IMPORTANCE = "importance", _("Importance")
    ABC = "abc", _("ABC class")


class ContactRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    STORE_MANAGER = "store_manager", _("Store manager")
    CLERK = "clerk", _("Clerk")
    DOCTOR = "doctor", _("Department doctor")
    PHARMACIST = "pharmacist", _("Pharmacist")
    BUYER = "buyer", _("Buyer")
    FINANCE = "finance", _("Finance")
    OTHER = "other", _("Other")


class DecisionRole(models.TextChoices):
    DECIDER = "decider", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("End user")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    NONE = "none", _("None")


class Closeness(models.TextChoices):
    DISTANT = "distant", _("Distant")
    NORMAL = "normal", _("Neutral")
    CLOSE = "close", pgettext_lazy("closeness", "Close")
    VERY_CLOSE = "very_close", _("Very close")


class Satisfaction(models.IntegerChoices):
    VERY_LOW = 1, _("Very dissatisfied")
    LOW = 2, _("Dissatisfied")
    NEUTRAL = 3, _("Neutral")
    HIGH = 4, _("Satisfied")
    VERY_HIGH = 5, _("Very satisfied")


class ConsentSource(models.TextChoices):
    """How the customer's consent to marketing use was obtained (brief §7, privacy)."""

    WRITTEN = "written", _("Signed form")
    VERBAL = "verbal", _("Verbal, on a visit or call")
    WECHAT = "wechat", _("WeChat message")
    ONLINE = "online", _("Online form")
    OTHER = "other", pgettext_lazy("consent source", "Other")
