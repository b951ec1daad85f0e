"""API representations of the customer archive; they parse input, the services decide."""

import datetime
import decimal
import functools
from decimal import ROUND_HALF_UP

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from outletcrm.core import fastserialize, scoping
from outletcrm.core.api import IdField, StrictFieldsMixin
from outletcrm.core.fastserialize import (
    CachedFieldsMixin,
    FastRepresentationMixin,
    choice_labels_in,
)
from outletcrm.core.models import ChangeLog, TimelineEntry
from outletcrm.customers import privacy, validators
from outletcrm.customers.choices import Channel, ClassScheme, Status
from outletcrm.customers.models import (
    CompetitorEntry,
    Contact,
    Customer,
    CustomerClass,
    OutletType,
    Tag,
)
from outletcrm.customers.selectors import (
    CARD_VALUES,
    COMPETITOR_VALUES,
    CONTACT_VALUES,
    ORDERINGS,
)
from outletcrm.org.models import User


@extend_schema_field(OpenApiTypes.INT)
class ChoiceOfField(serializers.PrimaryKeyRelatedField):
    """A related id whose valid choices depend on the caller and on the record being edited.

    `choices(user, instance)` returns the queryset to look the id up in. Ids outside it get
    the same answer whether they exist or not, so a field never reveals records out of scope.
    """

    def __init__(self, choices, **kwargs):
        self.choices_for = choices
        super().__init__(**kwargs)

    def get_queryset(self):
        root = self.root
        instance = root.instance if isinstance(root.instance, Customer) else None
        return self.choices_for(self.context["request"].user, instance)


def _active_or_current(queryset, field: str):
    """Enabled entries, plus the one the record already has (it may have been disabled since)."""

    def choices(user, instance):
        current = getattr(instance, f"{field}_id", None) if instance else None
        return queryset.filter(Q(is_active=True) | Q(pk=current))

    return choices


def _owner_choices(user, instance):
    current = instance.owner_id if instance else None
    return User.objects.filter(Q(pk__in=scoping.users_in_scope(user).values("pk")) | Q(pk=current))


def _referrer_choices(user, instance):
    current = instance.referred_by_id if instance else None
    return Customer.objects.filter(
        Q(pk__in=scoping.restrict(Customer.objects.all(), user).values("pk")) | Q(pk=current)
    )


class TagNamesField(serializers.ListField):
    """Tags as a list of names; unknown names become new tags."""

    child = serializers.CharField(max_length=30)

    def to_representation(self, data):
        return [tag.name for tag in data.all()]


class ContactSerializer(FastRepresentationMixin, CachedFieldsMixin, StrictFieldsMixin,
        serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    decision_role_display = serializers.CharField(
        source="get_decision_role_display", read_only=True
    )
    # Longer than the stored 11 digits: "+86 138-0000-0001" is accepted and normalised.
    mobile = serializers.CharField(
        max_length=20, required=False, allow_blank=True,
        help_text="Masked (138****5678) unless the caller may see the contact's personal "
        "details (`personal_data`); POST …/reveal/ shows one field and is logged.")
    personal_data = serializers.SerializerMethodField(
        help_text="How the caller sees this contact's mobile, birthday and interests: `full`; "
        "`on_request` (masked; …/reveal/ shows one field, logged); `masked`. When masked the "
        "birthday is null and only its month is given.")
    birthday_month = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "name",
            "role",
            "role_display",
            "decision_role",
            "decision_role_display",
            "mobile",
            "birthday",
            "birthday_month",
            "birthday_is_lunar",
            "interests",
            "personal_data",
            "notes",
            "is_primary",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["created_at", "updated_at", "version"]

    def _view(self):
        request = self.context.get("request")
        return privacy.personal_view(request) if request is not None else None

    @extend_schema_field(serializers.ChoiceField(choices=["full", "on_request", "masked"]))
    def get_personal_data(self, contact) -> str:
        view = self._view()
        return view.access(contact.customer) if view else "masked"

    def get_birthday_month(self, contact) -> int | None:
        return contact.birthday.month if contact.birthday else None

    def to_representation(self, contact):
        data = super().to_representation(contact)
        view = self._view()
        if view is None or not view.full(contact.customer):
            data["mobile"] = privacy.mask_phone(contact.mobile)
            data["birthday"] = None  # its month is in birthday_month
            data["interests"] = privacy.mask_text(contact.interests)
        return data

    def validate_mobile(self, value: str) -> str:
        value = validators.normalise_phone(value)
        validators.validate_mobile(value)
        return value


class CompetitorSerializer(FastRepresentationMixin, CachedFieldsMixin, StrictFieldsMixin,
        serializers.ModelSerializer):
    satisfaction_display = serializers.CharField(
        source="get_satisfaction_display", read_only=True, allow_null=True
    )
    closeness_display = serializers.CharField(source="get_closeness_display", read_only=True)

    class Meta:
        model = CompetitorEntry
        fields = [
            "id",
            "brand",
            "products",
            "satisfaction",
            "satisfaction_display",
            "competitor_rep",
            "closeness",
            "closeness_display",
            "notes",
            "updated_at",
            "version",
        ]
        read_only_fields = ["updated_at", "version"]


class CoordinateField(serializers.DecimalField):
    """A WGS-84 degree as a JSON number; extra GPS decimals are rounded to the stored 6 (~0.1 m).

    Phones and map widgets send floats with 7–15 decimals; refusing them would make every
    captured position an error.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(
            max_digits=9, decimal_places=6, rounding=ROUND_HALF_UP, coerce_to_string=False, **kwargs
        )

    def validate_precision(self, value):
        try:
            value = self.quantize(value)
        except decimal.InvalidOperation:
            pass  # too many whole digits: let the precision check say so
        return super().validate_precision(value)


class CustomerListSerializer(FastRepresentationMixin, CachedFieldsMixin,
                             serializers.ModelSerializer):
    """One row of the customer list."""

    outlet_type_name = serializers.StringRelatedField(source="outlet_type", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    customer_class_name = serializers.StringRelatedField(source="customer_class", read_only=True)
    abc_class_name = serializers.StringRelatedField(source="abc_class", read_only=True)
    owner_name = serializers.StringRelatedField(source="owner", read_only=True)
    latitude = CoordinateField(read_only=True)
    longitude = CoordinateField(read_only=True)
    tags = TagNamesField(read_only=True)
    is_archived = serializers.BooleanField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "outlet_type",
            "outlet_type_name",
            "channel",
            "channel_display",
            "status",
            "status_display",
            "customer_class",
            "customer_class_name",
            "abc_class",
            "abc_class_name",
            "owner",
            "owner_name",
            "province",
            "city",
            "district",
            "address",
            "phone",
            "latitude",
            "longitude",
            "tags",
            "is_archived",
            "updated_at",
        ]
        read_only_fields = fields


@functools.cache
def _list_fields():
    """CustomerListSerializer's own fields, bound once: customer_list_data hands them the
    values whose representation is not the value itself (coordinates, times)."""
    return CustomerListSerializer().fields


def _decimal_representation(field):
    """field.to_representation (a DecimalField giving a Decimal) with its quantizing context
    made once per response, not once per value; the same quantize. Other settings: the
    field's own method."""
    if (field.coerce_to_string or field.normalize_output or field.decimal_places is None
            or type(field).to_representation is not serializers.DecimalField.to_representation
            or type(field).quantize is not serializers.DecimalField.quantize):
        return field.to_representation
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    exponent = decimal.Decimal(".1") ** field.decimal_places
    rounding = field.rounding

    def represent(value):
        if not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value).strip())
        return value.quantize(exponent, rounding=rounding, context=context)

    return represent


def _datetime_representation(field):
    """field.to_representation (an ISO 8601 DateTimeField) with the time zone looked up once
    per response; anything but an aware datetime goes to the field's own method."""
    output = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if (output is None or output.lower() != ISO_8601 or zone is None
            or type(field).to_representation is not serializers.DateTimeField.to_representation
            or type(field).enforce_timezone is not serializers.DateTimeField.enforce_timezone):
        return field.to_representation

    def represent(value):
        if isinstance(value, datetime.datetime) and value.utcoffset() is not None:
            try:
                value = value.astimezone(zone).isoformat()
            except OverflowError:
                return field.to_representation(value)  # DRF's own error
            return value[:-6] + "Z" if value.endswith("+00:00") else value
        return field.to_representation(value)

    return represent


def customer_list_data(rows, tags: dict) -> list[dict]:
    """What `CustomerListSerializer(customers, many=True).data` gives, made from rows of
    selectors.LIST_ROW_VALUES and the tag names of selectors.customer_tag_names (issue 11:
    the list without model instances; the serializer stays the list's schema).

    Labels as the serializer reads them: choices through a map made once per response in the
    active language (core.fastserialize.choice_labels, as get_<field>_display), related names
    as the models' __str__ (LabelledModel: name_en in English when set; User: display name or
    username). tests/customers/test_api_fastpath.py holds the body byte for byte equal to
    the serializer's."""
    language = get_language()
    english = (language or "").startswith("en")
    channels = choice_labels_in(Customer._meta.get_field("channel"), language)
    statuses = choice_labels_in(Customer._meta.get_field("status"), language)
    fields = _list_fields()
    coordinate = _decimal_representation(fields["latitude"])
    longitude = _decimal_representation(fields["longitude"])
    moment = _datetime_representation(fields["updated_at"])
    data = []
    for (pk, code, name, outlet_type, outlet_type_name, outlet_type_en, channel, status,
         customer_class, customer_class_name, customer_class_en, abc_class, abc_class_name,
         abc_class_en, owner, owner_display, owner_username, province, city, district,
         address, phone, lat, lng, archived_at, updated_at) in rows:
        data.append({
            "id": pk,
            "code": code,
            "name": name,
            "outlet_type": outlet_type,
            "outlet_type_name": None if outlet_type is None else (
                outlet_type_en if english and outlet_type_en else outlet_type_name),
            "channel": channel,
            "channel_display": channels.get(channel, channel),
            "status": status,
            "status_display": statuses.get(status, status),
            "customer_class": customer_class,
            "customer_class_name": None if customer_class is None else (
                customer_class_en if english and customer_class_en else customer_class_name),
            "abc_class": abc_class,
            "abc_class_name": None if abc_class is None else (
                abc_class_en if english and abc_class_en else abc_class_name),
            "owner": owner,
            "owner_name": None if owner is None else (owner_display or owner_username),
            "province": province,
            "city": city,
            "district": district,
            "address": address,
            "phone": phone,
            "latitude": None if lat is None else coordinate(lat),
            "longitude": None if lng is None else longitude(lng),
            "tags": tags[pk],
            "is_archived": archived_at is not None,
            "updated_at": None if updated_at is None else moment(updated_at),
        })
    return data


class CustomerSerializer(FastRepresentationMixin, CachedFieldsMixin, StrictFieldsMixin,
        serializers.ModelSerializer):
    """The customer card; the same shape is read and written (ids for related records)."""

    outlet_type = ChoiceOfField(_active_or_current(OutletType.objects.all(), "outlet_type"))
    customer_class = ChoiceOfField(
        _active_or_current(
            CustomerClass.objects.filter(scheme=ClassScheme.IMPORTANCE), "customer_class"
        ),
        required=False,
        allow_null=True,
    )
    abc_class = ChoiceOfField(
        _active_or_current(CustomerClass.objects.filter(scheme=ClassScheme.ABC), "abc_class"),
        required=False,
        allow_null=True,
    )
    owner = ChoiceOfField(
        _owner_choices,
        required=False,
        error_messages={"does_not_exist": _("Choose an owner rep from your own scope.")},
    )
    referred_by = ChoiceOfField(
        _referrer_choices,
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": _("Choose a referring customer from your own scope.")},
    )
    latitude = CoordinateField(validators=[validators.validate_latitude])
    longitude = CoordinateField(validators=[validators.validate_longitude])
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    brands = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    tags = TagNamesField(required=False)
    contacts = ContactSerializer(
        many=True, required=False, help_text="First contacts; only read on create."
    )
    competitors = CompetitorSerializer(many=True, read_only=True)
    force_duplicate = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Archive custodian only: file the record although the duplicate check "
        "flagged it.",
    )

    outlet_type_name = serializers.StringRelatedField(source="outlet_type", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    customer_class_name = serializers.StringRelatedField(source="customer_class", read_only=True)
    abc_class_name = serializers.StringRelatedField(source="abc_class", read_only=True)
    owner_name = serializers.StringRelatedField(source="owner", read_only=True)
    team_name = serializers.StringRelatedField(source="team", read_only=True)
    region_name = serializers.StringRelatedField(source="region", read_only=True)
    referred_by_name = serializers.StringRelatedField(source="referred_by", read_only=True)
    created_by_name = serializers.StringRelatedField(source="created_by", read_only=True)
    full_address = serializers.CharField(read_only=True)
    is_archived = serializers.BooleanField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "outlet_type",
            "outlet_type_name",
            "channel",
            "channel_display",
            "province",
            "city",
            "district",
            "address",
            "full_address",
            "latitude",
            "longitude",
            "phone",
            "opens_at",
            "closes_at",
            "floor_area",
            "staff_count",
            "years_in_business",
            "brands",
            "source",
            "source_display",
            "referred_by",
            "referred_by_name",
            "status",
            "status_display",
            "customer_class",
            "customer_class_name",
            "abc_class",
            "abc_class_name",
            "marketing_consent",
            "marketing_consent_on",
            "marketing_consent_source",
            "owner",
            "owner_name",
            "team",
            "team_name",
            "region",
            "region_name",
            "tags",
            "notes",
            "contacts",
            "competitors",
            "is_archived",
            "archived_at",
            "archive_reason",
            "merged_into",
            "created_by",
            "created_by_name",
            "created_at",
            "updated_at",
            "version",
            "force_duplicate",
        ]
        read_only_fields = [
            "code",
            "version",
            "team",
            "region",
            "archived_at",
            "archive_reason",
            "merged_into",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            # Contacts of an existing customer change through /customers/{id}/contacts/.
            fields["contacts"].read_only = True
        return fields

    def validate_phone(self, value: str) -> str:
        value = validators.normalise_phone(value)
        validators.validate_phone(value)
        return value

    def service_fields(self) -> dict:
        """validated_data as keyword arguments of the customer services."""
        data = dict(self.validated_data)
        if "contacts" in data:
            data["contacts"] = [dict(row) for row in data["contacts"]]
        return data


class CustomerFilterSerializer(serializers.Serializer):
    """The list, search and export filters (the same as the web list's)."""

    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Any part of the name or address, a phone number, or the name's pinyin "
        "(full spelling or initials: `lhcs` finds 联华超市).",
    )
    region = IdField(required=False, help_text="Region id; its sub-regions are included.")
    owner = IdField(required=False, help_text="Owner rep id.")
    outlet_type = IdField(required=False)
    customer_class = IdField(required=False)
    abc_class = IdField(required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    tag = IdField(required=False, help_text="Tag id.")
    archived = serializers.ChoiceField(
        choices=["live", "archived", "all"], default="live", required=False
    )
    ordering = serializers.ChoiceField(choices=list(ORDERINGS), default="name", required=False)
    consent = serializers.ChoiceField(
        choices=["yes", "no"], required=False, allow_blank=True,
        help_text="`yes`: only customers who consent to marketing use; `no`: only those who "
        "do not (privacy; an export for a marketing action takes `yes`).")


class DuplicateSerializer(serializers.Serializer):
    """An existing record the input matches; id and name only when the caller may see it."""

    id = serializers.IntegerField(allow_null=True)
    code = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    reason = serializers.ChoiceField(choices=["phone", "name_address", "nearby_name"])
    reason_text = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)


class DuplicateConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    duplicates = DuplicateSerializer(many=True)


class ArchiveSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class MergeSerializer(StrictFieldsMixin, serializers.Serializer):
    merge = IdField(
        help_text="Id of the record to merge into this one (it is archived)."
    )


class ActorMixin(serializers.Serializer):
    actor_name = serializers.StringRelatedField(source="actor", read_only=True)


class ChangeLogSerializer(ActorMixin, serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    changes = serializers.JSONField(
        source="changes_text", read_only=True,
        help_text='Changed fields as {"field": [old, new]}, labels in the reader\'s language.',
    )
    note = serializers.CharField(source="note_text", read_only=True)

    class Meta:
        model = ChangeLog
        fields = [
            "id",
            "at",
            "action",
            "action_display",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "note",
            "actor",
            "actor_name",
        ]
        read_only_fields = fields


class TimelineEntrySerializer(ActorMixin, serializers.ModelSerializer):
    title = serializers.CharField(source="title_text", read_only=True,
                                  help_text="In the reader's language.")

    class Meta:
        model = TimelineEntry
        fields = [
            "id",
            "at",
            "kind",
            "title",
            "body",
            "actor",
            "actor_name",
            "source_type",
            "source_id",
        ]
        read_only_fields = fields


class OutletTypeSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = OutletType
        fields = ["id", "code", "label", "name", "name_en", "sort_order", "is_active"]


class CustomerClassSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)
    scheme_display = serializers.CharField(source="get_scheme_display", read_only=True)

    class Meta:
        model = CustomerClass
        fields = [
            "id",
            "code",
            "label",
            "name",
            "name_en",
            "scheme",
            "scheme_display",
            "visit_every_weeks",
            "sort_order",
            "is_active",
        ]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


class ImportRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    file = serializers.FileField(help_text="The filled-in .xlsx template.")
    skip_invalid = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Import the valid rows and return the rejected ones as a workbook; by "
        "default nothing is imported when any row is bad.",
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class RowDuplicateSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    matches = DuplicateSerializer(many=True)


class ImportResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    created_count = serializers.IntegerField()
    errors = RowErrorSerializer(
        many=True, help_text="The first 100 problems, in row order (error_count: all of them)."
    )
    error_count = serializers.IntegerField(help_text="Problems found in all.")
    duplicates = RowDuplicateSerializer(
        many=True, help_text="The first 100 duplicate rows (duplicate_count: all of them)."
    )
    duplicate_count = serializers.IntegerField(help_text="Rows that duplicate a customer.")
    rejected_count = serializers.IntegerField(help_text="Rows not imported.")
    rejected_workbook = serializers.CharField(
        allow_null=True,
        help_text="The rejected rows as a base64-encoded .xlsx to fix and re-import.",
    )


class RevealRequestSerializer(serializers.Serializer):
    """Which personal field of the contact to show in full."""

    field = serializers.ChoiceField(choices=list(privacy.SENSITIVE_CONTACT_FIELDS))


class RevealSerializer(serializers.Serializer):
    """One personal field of a contact in full (the call is in the audit log)."""

    field = serializers.ChoiceField(choices=list(privacy.SENSITIVE_CONTACT_FIELDS))
    value = serializers.CharField(help_text="The value; a birthday as YYYY-MM-DD; \"\" if empty.")


# --- the card's read from plain values (issue 11) ---------------------------------------------
# selectors.customer_card_values reads the card as dicts of column values; these turn them
# into exactly CustomerSerializer's output (same keys, order and values: the fields' own
# to_representation does the formatting; tests/customers/test_api_fastpath.py compares the
# bodies with plain DRF's). Names of related records are what their __str__ gives.

def _labelled_name(relation: str):
    """LabelledModel.__str__ (outlet types, classes): the English name in English, if any."""
    fk, name, name_en = f"{relation}_id", f"{relation}__name", f"{relation}__name_en"

    def get(row, context):
        if row[fk] is None:
            return None
        if row[name_en] and context["english"]:
            return row[name_en]
        return row[name]

    return get


def _user_name(relation: str):
    """User.__str__: the display name, else the user name."""
    fk, display, username = f"{relation}_id", f"{relation}__display_name", f"{relation}__username"

    def get(row, context):
        return None if row[fk] is None else (row[display] or row[username])

    return get


def _plain_name(relation: str):
    """Team, Region, Customer.__str__: the name."""
    fk, name = f"{relation}_id", f"{relation}__name"

    def get(row, context):
        return None if row[fk] is None else row[name]

    return get


class CustomerCardRepresentation:
    """CustomerSerializer(instance).data for a selectors.CardValues, without the model
    instances and the per-request serializer (its ~60 fields deep-copied and bound on every
    request). Built once per process; shared by threads (it keeps no per-request state)."""

    _built = None

    @classmethod
    def get(cls) -> "CustomerCardRepresentation":
        built = cls._built
        if built is None:
            built = cls._built = cls()
        return built

    def __init__(self):
        prototype = CustomerSerializer()
        fields = prototype.fields
        self.contact = fastserialize.ValuesRepresentation(
            fields["contacts"].child, columns=CONTACT_VALUES, special={
                "personal_data": lambda row, context: context["access"],
                "birthday_month": lambda row, context: (
                    row["birthday"].month if row["birthday"] else None),
            })
        self.competitor = fastserialize.ValuesRepresentation(
            fields["competitors"].child, columns=COMPETITOR_VALUES, special={})
        names = {f"{relation}_name": reader(relation) for relation, reader in (
            ("outlet_type", _labelled_name), ("customer_class", _labelled_name),
            ("abc_class", _labelled_name), ("owner", _user_name), ("created_by", _user_name),
            ("team", _plain_name), ("region", _plain_name), ("referred_by", _plain_name))}
        self.customer = fastserialize.ValuesRepresentation(
            prototype, columns=CARD_VALUES, special={
                **names,
                "full_address": lambda row, context: "".join(
                    p for p in (row["province"], row["city"], row["district"], row["address"])
                    if p),
                "is_archived": lambda row, context: row["archived_at"] is not None,
                "tags": lambda row, context: list(context["card"].tags),
                "contacts": self.contacts,
                "competitors": lambda row, context: [
                    self.competitor(entry) for entry in context["card"].competitors],
            })

    def contacts(self, row, context) -> list[dict]:
        """ContactSerializer's rows: personal data masked unless the caller sees it in full."""
        card = context["card"]
        full = context["access"] == scoping.PERSONAL_FULL
        out = []
        for contact in card.contacts:
            data = self.contact(contact, context)
            if not full:
                data["mobile"] = privacy.mask_phone(contact["mobile"])
                data["birthday"] = None  # its month is in birthday_month
                data["interests"] = privacy.mask_text(contact["interests"])
            out.append(data)
        return out

    def __call__(self, card, request) -> dict:
        context = {
            "card": card,
            "english": (get_language() or "").startswith("en"),
            "access": privacy.personal_view(request).access(card),
        }
        return self.customer(card.row, context)
