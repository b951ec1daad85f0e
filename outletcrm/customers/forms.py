"""Forms of the customer pages: they parse and validate input; services do the writing."""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.core import scoping
from outletcrm.customers import selectors
from outletcrm.customers.choices import Channel, Status
from outletcrm.customers.models import (
    CompetitorEntry,
    Contact,
    Customer,
    CustomerClass,
    OutletType,
    Tag,
)
from outletcrm.customers.privacy import SENSITIVE_CONTACT_FIELDS
from outletcrm.customers.selectors import ORDERINGS, CustomerFilters
from outletcrm.customers.services import COMPETITOR_FIELDS, CONTACT_FIELDS, CUSTOMER_FIELDS
from outletcrm.customers.text import by_pinyin
from outletcrm.customers.validators import normalise_phone
from outletcrm.org.models import Region, Role, User

# Brands and tags are typed as one line; Chinese users separate with "，" or "、" as often as ",".
LIST_SEPARATORS = re.compile(r"[,，、;；\n]+")
COORDINATE_STEP = Decimal("0.000001")
# Record ids are 64-bit; a larger number in a query string would overflow the database driver.
MAX_ID = 2**63 - 1


def split_list(value: str) -> list[str]:
    """'康师傅，农夫山泉, 康师傅' → ['康师傅', '农夫山泉'] (trimmed, no blanks or repeats)."""
    items = [item.strip() for item in LIST_SEPARATORS.split(value or "")]
    return list(dict.fromkeys(item for item in items if item))


class VersionedFormMixin:
    """An edit form that remembers what it was opened on (issue 7, §2 "lost update").

    It carries the record's version (hidden), which the services check when saving, and what
    every field showed when the form was opened (Django's hidden initial values), so that a
    refused save can tell the editor exactly what someone else changed meanwhile, and so that
    "what did this editor change" is judged against what they saw, not against a record that
    may have moved on.
    """

    def add_version(self) -> None:
        if not self.instance.pk:
            return
        for field in self.fields.values():
            field.show_hidden_initial = True
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput,
            min_value=1,
            max_value=2**31 - 1,
            error_messages={
                "required": _("This form is out of date: reload the page and edit again."),
                "invalid": _("This form is out of date: reload the page and edit again."),
            },
        )
        self.initial["version"] = self.instance.version

    @property
    def opened_version(self) -> int | None:
        """The version the editor opened (None on a create form)."""
        return self.cleaned_data.get("version") if "version" in self.fields else None

    def conflict_rows(self, current, fresh) -> list[dict]:
        """Field by field: what the editor typed, what is stored now, and who changed it.

        `fresh` is the same form class opened on `current`, the record as it is now.
        """
        rows = []
        changed_by_editor = set(self.changed_data)
        for name, field in self.fields.items():
            if name in ("version", "force_duplicate"):
                continue
            bound = self[name]
            seen = field.hidden_widget().value_from_datadict(
                self.data, self.files, bound.html_initial_name
            )
            try:
                changed_by_other = field.has_changed(fresh[name].initial, seen)
            except ValidationError:
                changed_by_other = True
            mine = name in changed_by_editor
            if not (changed_by_other or mine):
                continue
            rows.append(
                {
                    "label": field.label,
                    "yours": _display(field, bound.data),
                    "current": _display(field, fresh[name].value()),
                    "by_other": changed_by_other,
                    "by_you": mine,
                }
            )
        return rows


def _display(field: forms.Field, value) -> str:
    """A field's value as the person reads it: the label of a choice, times as 08:30."""
    if isinstance(field, forms.BooleanField):
        return str(_("Yes") if field.to_python(value) else _("No"))
    if value in (None, "", []):
        return "—"
    if hasattr(field, "choices"):
        for key, label in field.choices:
            if str(getattr(key, "value", key)) == str(value):
                return str(label)
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class BootstrapMixin:
    """Give every widget its Bootstrap class (templates render fields with includes/field.html)."""

    def style_fields(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


# --- the list's query string ------------------------------------------------------------


class CustomerFilterForm(forms.Form):
    """The list's search, filters and sort, read from the query string.

    A value that does not parse (region=abc, status=bogus) is ignored rather than failing the
    page: the list then shows what the remaining filters select.
    """

    ARCHIVED_CHOICES = [
        ("live", _("Live customers")),
        ("archived", _("Archived customers")),
        ("all", _("All customers")),
    ]
    CONSENT_CHOICES = [
        ("yes", _("Consents to marketing")),
        ("no", _("No marketing consent")),
    ]
    ORDERING_CHOICES = [
        ("name", _("Name A→Z")),
        ("-name", _("Name Z→A")),
        ("code", _("Customer no. ascending")),
        ("-code", _("Customer no. descending")),
        ("-updated", _("Recently updated first")),
        ("updated", _("Least recently updated first")),
        ("status", pgettext_lazy("customer", "Status")),
        ("class", _("Class")),
    ]

    q = forms.CharField(required=False, strip=True)
    region = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    owner = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    outlet_type = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    customer_class = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    abc_class = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    tag = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    status = forms.ChoiceField(required=False, choices=[("", "")] + Status.choices)
    channel = forms.ChoiceField(required=False, choices=[("", "")] + Channel.choices)
    archived = forms.ChoiceField(required=False, choices=ARCHIVED_CHOICES)
    consent = forms.ChoiceField(required=False, choices=CONSENT_CHOICES)
    ordering = forms.ChoiceField(required=False, choices=ORDERING_CHOICES)

    def clean_q(self) -> str:
        # A pasted paragraph is cut, not refused: the search box never errors.
        return self.cleaned_data["q"][:100]

    def to_filters(self) -> CustomerFilters:
        """The filters the query string asks for, with unusable values dropped."""
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that parsed
        values = {name: data.get(name) for name in self.fields if data.get(name) not in (None, "")}
        if values.get("ordering") not in ORDERINGS:
            values.pop("ordering", None)
        return CustomerFilters(**values)


def filter_options(user: User) -> dict:
    """The choices the list's filter bar offers this user."""
    classes = list(CustomerClass.objects.filter(is_active=True))
    # A rep sees only their own customers, so region and owner filters would be noise.
    wide = user.role != Role.REP or user.is_superuser
    return {
        # The region tree, indented by depth (华东大区 > 浙江省区 > 杭州办事处).
        "regions": [
            (r.pk, "\u3000" * r.depth + r.name) for r in Region.objects.only("pk", "name", "path")
        ]
        if wide
        else [],
        "owners": by_pinyin(scoping.users_in_scope(user).only("pk", "username", "display_name"))
        if wide
        else [],
        "outlet_types": list(OutletType.objects.filter(is_active=True)),
        "importance_classes": [c for c in classes if c.scheme == "importance"],
        "abc_classes": [c for c in classes if c.scheme == "abc"],
        "tags": by_pinyin(Tag.objects.all()),
        "statuses": Status.choices,
        "channels": Channel.choices,
        "archived_choices": CustomerFilterForm.ARCHIVED_CHOICES,
        "consent_choices": CustomerFilterForm.CONSENT_CHOICES,
        "ordering_choices": CustomerFilterForm.ORDERING_CHOICES,
    }


# --- create / edit ------------------------------------------------------------------------


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} ({obj.username})" if obj.display_name else obj.username


class CustomerForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    """All archive fields of a customer; the view saves through the customer services."""

    brands = forms.CharField(
        label=_("Brands carried"),
        required=False,
        max_length=500,
        help_text=_("Separate brands with commas, e.g. 康师傅, 农夫山泉."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=300,
        help_text=_("Separate tags with commas; new tags are created."),
    )
    referred_by = forms.CharField(
        label=_("Referred by (customer)"),
        required=False,
        max_length=50,
        help_text=_("The referring customer's number; type a name or pinyin to search."),
    )
    latitude = forms.DecimalField(label=_("Latitude"), required=False, help_text=_("WGS-84"))
    longitude = forms.DecimalField(label=_("Longitude"), required=False, help_text=_("WGS-84"))

    class Meta:
        model = Customer
        fields = [f for f in CUSTOMER_FIELDS if f != "brands"] + ["brands"]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "marketing_consent_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        customer = self.instance
        owners = scoping.users_in_scope(user)
        if customer.pk:
            # The current owner stays selectable even if the editor could not assign to them.
            owners = owners | User.objects.filter(pk=customer.owner_id)
        owner_field = OwnerChoiceField(
            queryset=owners.distinct(),
            label=Customer._meta.get_field("owner").verbose_name,
            empty_label=_("Choose…"),
        )
        # Offered A→Z in pinyin order of the names shown (王丽 after 李波), not by code point.
        owner_field.choices = [("", owner_field.empty_label)] + [
            (user.pk, label)
            for user, label in by_pinyin(
                ((u, owner_field.label_from_instance(u)) for u in owner_field.queryset),
                key=lambda pair: pair[1],
            )
        ]
        self.fields["owner"] = owner_field
        if not customer.pk and owners.filter(pk=user.pk).exists():
            self.initial.setdefault("owner", user.pk)  # a rep's new customer is their own
        self.fields["customer_class"].queryset = CustomerClass.objects.filter(
            scheme="importance", is_active=True
        )
        self.fields["abc_class"].queryset = CustomerClass.objects.filter(
            scheme="abc", is_active=True
        )
        # A disabled outlet type is offered no more, except on records that already use it.
        self.fields["outlet_type"].queryset = OutletType.objects.filter(
            Q(is_active=True) | Q(pk=customer.outlet_type_id)
        )
        self.fields["outlet_type"].empty_label = _("Choose…")
        for name in ("customer_class", "abc_class"):
            self.fields[name].empty_label = "—"
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs.update({"step": "any", "inputmode": "decimal"})
        # Typing a name or pinyin fills a datalist with matching customers in scope (htmx).
        self.fields["referred_by"].widget.attrs.update(
            {
                "list": "referred-by-options",
                "autocomplete": "off",
                "hx-get": reverse_lazy("customers:lookup"),
                "hx-target": "#referred-by-options",
                "hx-trigger": "input changed delay:300ms",
                "hx-swap": "innerHTML",
            }
        )
        if customer.pk:
            self.initial["brands"] = ", ".join(customer.brands or [])
            self.initial["tags"] = ", ".join(t.name for t in customer.tags.all())
            self.initial["referred_by"] = customer.referred_by.code if customer.referred_by else ""
        if scoping.can_override_duplicate(user) and not customer.pk:
            self.fields["force_duplicate"] = forms.BooleanField(
                label=_("This is not a duplicate: create it anyway"),
                required=False,
            )
        self.add_version()
        self.style_fields()

    def clean_phone(self) -> str:
        # Accept what people type ("0571-8888 1234", "+86 138…"); validation sees the plain form.
        return normalise_phone(self.cleaned_data.get("phone") or "")

    def clean_brands(self) -> list[str]:
        return split_list(self.cleaned_data["brands"])

    def clean_tags(self) -> list[str]:
        tags = split_list(self.cleaned_data["tags"])
        too_long = [t for t in tags if len(t) > Tag._meta.get_field("name").max_length]
        if too_long:
            raise ValidationError(
                _("A tag can have at most 30 characters: %(tags)s"),
                params={"tags": "、".join(too_long)},
            )
        return tags

    def _clean_coordinate(self, name: str) -> Decimal | None:
        value = self.cleaned_data.get(name)
        # GPS readings carry more decimals than the archive keeps (6 ≈ 0.1 m).
        return None if value is None else value.quantize(COORDINATE_STEP, rounding=ROUND_HALF_UP)

    def clean_latitude(self):
        return self._clean_coordinate("latitude")

    def clean_longitude(self):
        return self._clean_coordinate("longitude")

    def clean_referred_by(self) -> Customer | None:
        text = self.cleaned_data["referred_by"].strip()
        if not text:
            return None
        code = text.split()[0]
        current = self.instance.referred_by if self.instance.pk else None
        if current and current.code.lower() == code.lower():
            return current  # unchanged, even if the referrer is outside the editor's scope
        referrer = (
            selectors.customer_queryset(self.user)
            .filter(code__iexact=code)
            .only("pk", "code")
            .first()
        )
        if referrer is None:
            raise ValidationError(
                _("No customer with number %(code)s among the customers you can see."),
                params={"code": code},
            )
        return referrer

    def service_fields(self, *, changed_only: bool = False) -> dict:
        """The cleaned values the customer services take (`tags` separately)."""
        names = [f for f in CUSTOMER_FIELDS if f in self.cleaned_data]
        if changed_only:
            names = [f for f in names if f in self.changed_data]
        return {name: self.cleaned_data[name] for name in names}


class ContactForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    """A contact person of a customer."""

    # Wider than the stored 11 digits so "+86 138 0000 0000" reaches the normaliser.
    mobile = forms.CharField(label=_("Mobile"), required=False, max_length=30)

    class Meta:
        model = Contact
        fields = CONTACT_FIELDS
        widgets = {
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, personal: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not personal and self.instance.pk:
            # Someone who sees this contact's personal details masked cannot edit them: the
            # form would show them in full (core/scoping.py can_edit_personal_data).
            for name in SENSITIVE_CONTACT_FIELDS:
                self.fields.pop(name, None)
        if "mobile" in self.fields:
            self.fields["mobile"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.add_version()
        self.style_fields()

    def clean_mobile(self) -> str:
        # Accept what people type ("138 0000 0000", "+86 138…"); the service stores 11 digits.
        return normalise_phone(self.cleaned_data.get("mobile") or "")

    def service_fields(self, *, changed_only: bool = False) -> dict:
        names = [f for f in CONTACT_FIELDS
                 if f in self.fields and (not changed_only or f in self.changed_data)]
        return {name: self.cleaned_data[name] for name in names}


class CompetitorForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    """One entry of the customer's competitor file."""

    class Meta:
        model = CompetitorEntry
        fields = COMPETITOR_FIELDS
        widgets = {"notes": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_version()
        self.style_fields()

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in COMPETITOR_FIELDS}


class ArchiveForm(BootstrapMixin, forms.Form):
    """Why a customer leaves daily work (kept in its history)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. shop closed, moved away, lost to a competitor")}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


class MergeForm(forms.Form):
    """Confirm merging two customer records (custodian only)."""

    other = forms.IntegerField(widget=forms.HiddenInput)
    keep = forms.ChoiceField(
        choices=[("this", "this"), ("other", "other")], widget=forms.RadioSelect
    )
    confirm = forms.BooleanField(label=_("I have checked both records; merge them."))


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field where the field exists."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)
