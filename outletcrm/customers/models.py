"""The customer archive (客户档案, brief §7): outlets, contacts, competitor file."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from outletcrm.core import crypto
from outletcrm.core.fields import EncryptedCharField, EncryptedDateField
from outletcrm.core.params import validate_birthday, validate_business_date
from outletcrm.customers.choices import (
    Channel,
    ClassScheme,
    Closeness,
    ConsentSource,
    ContactRole,
    DecisionRole,
    Satisfaction,
    Source,
    Status,
)
from outletcrm.customers.validators import (
    validate_latitude,
    validate_longitude,
    validate_mobile,
    validate_phone,
)


class LabelledModel(models.Model):
    """A configurable list entry with a Chinese name and an English one."""

    code = models.SlugField(_("Code"), max_length=40, unique=True)
    name = models.CharField(_("Name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("Sort order"), default=0)
    is_active = models.BooleanField(_("Enabled"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class OutletType(LabelledModel):
    """Kind of outlet: supermarket, pharmacy, village clinic… (configurable)."""

    class Meta(LabelledModel.Meta):
        verbose_name = _("Outlet type")
        verbose_name_plural = _("Outlet type")


class CustomerClass(LabelledModel):
    """A class in a classification scheme (重点/普通/潜在, or A/B/C); configurable."""

    scheme = models.CharField(_("Scheme"), max_length=20, choices=ClassScheme.choices)
    visit_every_weeks = models.PositiveSmallIntegerField(
        _("Visit every (weeks)"), null=True, blank=True,
        help_text=_("Suggested interval between visits for this class, e.g. weekly for key customers."),
    )

    class Meta(LabelledModel.Meta):
        ordering = ["scheme", "sort_order", "pk"]
        verbose_name = _("Class")
        verbose_name_plural = _("Class")


class Tag(models.Model):
    """A free label on customers (e.g. 社区店, 24小时)."""

    name = models.CharField(_("Name"), max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Tags")
        verbose_name_plural = _("Tags")

    def __str__(self) -> str:
        return self.name


class VersionedModel(models.Model):
    """A record edited in forms and over the API by several people at once.

    `version` grows by one with every edit (customers.services claims it with one conditional
    UPDATE); a form or an API client that read version n may only save while it is still n, so
    a later save can never silently undo an earlier one (issue 7, §2 "lost update").
    """

    version = models.PositiveIntegerField(_("Version"), default=1, editable=False)

    class Meta:
        abstract = True


class CustomerQuerySet(models.QuerySet):
    def live(self):
        """Customers in daily work: not archived."""
        return self.filter(archived_at__isnull=True)


class Customer(VersionedModel):
    """A terminal customer (终端客户): one master record per outlet (唯一性)."""

    code = models.CharField(_("Customer no."), max_length=20, unique=True, editable=False)
    name = models.CharField(_("Customer name"), max_length=100)
    outlet_type = models.ForeignKey(
        OutletType, verbose_name=_("Outlet type"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(
        _("Channel"), max_length=20, choices=Channel.choices, default=Channel.TRADITIONAL
    )
    province = models.CharField(_("Province"), max_length=30, blank=True)
    city = models.CharField(_("City"), max_length=30, blank=True)
    district = models.CharField(_("District"), max_length=30, blank=True)
    address = models.CharField(_("Street address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("Latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[validate_latitude], help_text=_("WGS-84"),
    )
    longitude = models.DecimalField(
        _("Longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[validate_longitude], help_text=_("WGS-84"),
    )
    phone = models.CharField(_("Store phone"), max_length=30, blank=True, validators=[validate_phone])
    opens_at = models.TimeField(_("Opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("Closes at"), null=True, blank=True)
    floor_area = models.DecimalField(
        _("Floor area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1_000_000)],
    )
    staff_count = models.PositiveIntegerField(
        _("Staff count"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    years_in_business = models.PositiveSmallIntegerField(
        _("Years in business"), null=True, blank=True, validators=[MaxValueValidator(200)]
    )
    brands = models.JSONField(_("Brands carried"), default=list, blank=True)
    source = models.CharField(_("Source"), max_length=20, choices=Source.choices,
                              default=Source.STREET_SWEEP)
    referred_by = models.ForeignKey(
        "self", verbose_name=_("Referred by (customer)"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="referrals",
    )
    status = models.CharField(pgettext_lazy("customer", "Status"), max_length=20,
                              choices=Status.choices, default=Status.POTENTIAL)
    customer_class = models.ForeignKey(
        CustomerClass, verbose_name=_("Class"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"scheme": ClassScheme.IMPORTANCE},
    )
    abc_class = models.ForeignKey(
        CustomerClass, verbose_name=_("ABC class"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", limit_choices_to={"scheme": ClassScheme.ABC},
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Owner rep"), on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    # Denormalised from the owner by customer services; the scope rules filter on them.
    team = models.ForeignKey("org.Team", on_delete=models.PROTECT, related_name="+",
                             null=True, editable=False)
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+",
                               null=True, editable=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("Tags"), blank=True, related_name="customers")
    notes = models.TextField(_("Notes"), blank=True)
    # Consent to marketing use of the customer's data (greetings, gifts; brief §7: never for
    # non-business purposes without it). Care rules and exports respect it.
    marketing_consent = models.BooleanField(_("Consents to marketing"), default=False)
    marketing_consent_on = models.DateField(_("Consent given on"), null=True, blank=True,
                                            validators=[validate_business_date])
    marketing_consent_source = models.CharField(
        _("Consent obtained by"), max_length=20, choices=ConsentSource.choices, blank=True)

    # Lower-cased name, address, pinyin (full and initials) and phones, for one LIKE search.
    search_text = models.TextField(editable=False, default="")
    name_norm = models.CharField(max_length=100, editable=False, default="", db_index=True)
    # The name's place in A→Z lists: pinyin character by character (customers.text), kept by
    # the customer services; every ordering by name orders by this.
    name_sort = models.CharField(max_length=200, editable=False, default="")
    address_norm = models.CharField(max_length=200, editable=False, default="")

    archived_at = models.DateTimeField(_("Archived at"), null=True, blank=True, editable=False)
    archive_reason = models.CharField(_("Archive reason"), max_length=200, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True, db_index=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name_sort", "pk"]
        verbose_name = _("Customer")
        verbose_name_plural = _("Customer")
        indexes = [
            # A scope's list in name (pinyin) order: a rep's, a team's, a region's.
            models.Index(fields=["owner", "name_sort"], name="customer_owner_sort_idx"),
            models.Index(fields=["team", "name_sort"], name="customer_team_sort_idx"),
            models.Index(fields=["region", "name_sort"], name="customer_region_sort_idx"),
            models.Index(fields=["phone"]),
            models.Index(fields=["latitude", "longitude"]),
            # Whole-archive and big-region lists read the first page in name order and stop.
            models.Index(fields=["name_sort", "id"], name="customer_name_sort_idx"),
            # Counting a manager's live customers reads only this index (bench/archive_bench.py).
            models.Index(fields=["region"], condition=models.Q(archived_at__isnull=True),
                         name="customer_live_region_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def full_address(self) -> str:
        return "".join(p for p in (self.province, self.city, self.district, self.address) if p)

    def clean(self):
        errors = {}
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both latitude and longitude, or neither.")
        if self.opens_at and self.closes_at and self.opens_at == self.closes_at:
            errors["closes_at"] = _("Closing time cannot equal opening time.")
        if self.source == Source.REFERRAL and not self.referred_by_id:
            errors["referred_by"] = _("Choose the referring customer when the source is a referral.")
        if self.referred_by_id and self.pk and self.referred_by_id == self.pk:
            errors["referred_by"] = _("A customer cannot refer itself.")
        if not isinstance(self.brands, list) or not all(isinstance(b, str) for b in self.brands):
            errors["brands"] = _("Brands carried must be a list of brand names.")
        if self.marketing_consent:
            if not self.marketing_consent_source:
                errors["marketing_consent_source"] = _(
                    "Say how the customer's consent to marketing was obtained.")
            if self.marketing_consent_on is None:
                self.marketing_consent_on = timezone.localdate()
        else:  # withdrawn or never given: the history keeps when and how it was recorded
            self.marketing_consent_on = None
            self.marketing_consent_source = ""
        if errors:
            raise ValidationError(errors)


class Contact(VersionedModel):
    """A person at the outlet (key contact, brief §7)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("Full name"), max_length=50)
    role = models.CharField(pgettext_lazy("job title", "Position"), max_length=20,
                            choices=ContactRole.choices, default=ContactRole.OWNER)
    decision_role = models.CharField(_("Decision role"), max_length=20, choices=DecisionRole.choices,
                                     default=DecisionRole.NONE)
    # Personal data, encrypted at rest (core/crypto.py, docs/privacy.md); the mobile is looked
    # up through mobile_hash, a keyed hash of the normalised number kept by the services.
    mobile = EncryptedCharField(_("Mobile"), max_length=11, blank=True,
                                validators=[validate_mobile])
    mobile_hash = models.CharField(max_length=64, blank=True, default="", editable=False,
                                   db_index=True)
    birthday = EncryptedDateField(_("Birthday"), null=True, blank=True,
                                  validators=[validate_birthday])
    birthday_is_lunar = models.BooleanField(
        _("Lunar birthday"), default=False,
        help_text=_("Tick if the birthday is a lunar date (lunar month and day); care reminders convert it to the solar date."),
    )
    interests = EncryptedCharField(_("Interests"), max_length=200, blank=True)
    notes = models.TextField(_("Notes"), blank=True)
    is_primary = models.BooleanField(_("Primary contact"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_primary", "pk"]
        verbose_name = _("Contact")
        verbose_name_plural = _("Contact")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The hash is this row's own derived column, like a search key: kept here so that no
        # write path (form, API, import, merge) can store a number its lookups would miss.
        self.set_mobile_hash()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "mobile" in update_fields:
            kwargs["update_fields"] = {*update_fields, "mobile_hash"}
        super().save(*args, **kwargs)

    def set_mobile_hash(self) -> None:
        """Keep the mobile's lookup hash equal to the number (search, duplicate check)."""
        self.mobile_hash = crypto.lookup_hash(self.mobile or "")


class CompetitorEntry(VersionedModel):
    """The competitor file of a customer (竞争对手档案, brief §7)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="competitors")
    brand = models.CharField(_("Competitor brand"), max_length=50)
    products = models.CharField(_("Competitor products in use"), max_length=200, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("Customer satisfaction"), choices=Satisfaction.choices, null=True, blank=True
    )
    competitor_rep = models.CharField(_("Competitor's rep"), max_length=50, blank=True)
    closeness = models.CharField(_("Closeness to the customer"), max_length=20, choices=Closeness.choices,
                                 default=Closeness.NORMAL)
    notes = models.CharField(_("Notes"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["brand", "pk"]
        verbose_name = _("Competitor entry")
        verbose_name_plural = _("Competitor entry")

    def __str__(self) -> str:
        return self.brand


class ImportJob(models.Model):
    """A large customer import run in the background: how far it got and what came of it.

    The page polls it for the progress bar; the result is what the import page shows for a
    small file (customers/import_jobs.py). Only the person who started it sees it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+", verbose_name=_("Started by"))
    filename = models.CharField(_("File name"), max_length=200)
    skip_invalid = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, default="web")
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(pgettext_lazy("job", "Status"), max_length=10,
                              choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=10, blank=True)  # reading | checking | writing
    progress = models.FloatField(default=0.0)
    # The uploaded file in the media storage until the job has read it.
    upload = models.CharField(max_length=200, blank=True, editable=False)
    result = models.JSONField(default=dict, blank=True)
    # The rejected rows' workbook (imports/<user>/<token>.xlsx), as for a small import.
    rejected_token = models.CharField(max_length=64, blank=True, editable=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Customer import")
        verbose_name_plural = _("Customer imports")

    def __str__(self) -> str:
        return self.filename

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return round(100 * min(max(self.progress, 0.0), 1.0))
