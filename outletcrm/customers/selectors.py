"""Reads of the customer archive; every one starts from the user's data scope."""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from outletcrm.core import crypto, scoping, sqlshapes
from outletcrm.core.models import ChangeLog
from outletcrm.core.prepared import PreparedValues, ValuesReader
from outletcrm.core.timeline import timeline_for
from outletcrm.customers.models import CompetitorEntry, Contact, Customer, Tag
from outletcrm.customers.text import search_term
from outletcrm.customers.validators import normalise_phone
from outletcrm.org.models import Region, User

# "name" orders by the name's pinyin sort key (Customer.name_sort), as Chinese users expect.
ORDERINGS = {
    "name": ("name_sort", "pk"),
    "-name": ("-name_sort", "-pk"),
    "updated": ("updated_at", "pk"),
    "-updated": ("-updated_at", "-pk"),
    "code": ("code",),
    "-code": ("-code",),
    "status": ("status", "name_sort", "pk"),
    "class": ("customer_class__sort_order", "name_sort", "pk"),
}


@dataclass
class CustomerFilters:
    """What a list, search or export asks for; the same object serves all three."""

    q: str = ""
    region: int | None = None
    owner: int | None = None
    outlet_type: int | None = None
    customer_class: int | None = None
    abc_class: int | None = None
    status: str = ""
    channel: str = ""
    tag: int | None = None
    archived: str = "live"  # live | archived | all
    consent: str = ""  # "" | yes | no: the customer's consent to marketing use (privacy)
    ordering: str = "name"
    extra: dict = field(default_factory=dict)


_FTS_READY: dict[str, bool] = {}


def _sqlite_fts_ready() -> bool:
    """Whether this SQLite database has the trigram search table (migration 0006)."""
    if connection.vendor != "sqlite":
        return False
    name = str(connection.settings_dict["NAME"])
    if not _FTS_READY.get(name):  # a "no" is asked again: the migration may run later
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='customers_customer_fts'"
            )
            _FTS_READY[name] = cursor.fetchone() is not None
    return _FTS_READY[name]


def _contains(text: str) -> Q:
    """Customers whose search keys contain `text`.

    PostgreSQL serves `LIKE '%…%'` from its trigram index by itself. On SQLite a leading
    wildcard scans every row in scope, so terms of three characters or more (what a trigram
    index can serve) are looked up in the FTS5 trigram table instead.
    """
    if len(text) >= 3 and "%" not in text and "_" not in text and _sqlite_fts_ready():
        return Q(pk__in=RawSQL(
            "SELECT rowid FROM customers_customer_fts WHERE search_text LIKE %s",
            [f"%{text}%"],
        ))
    return Q(search_text__contains=text)


def customer_queryset(user: User) -> QuerySet:
    """All customers `user` may see, archived ones included."""
    return scoping.restrict(Customer.objects.all(), user)


def customer_list(*, user: User, filters: CustomerFilters | None = None) -> QuerySet:
    """The customer list a user sees with the given filters, ready for display."""
    f = filters or CustomerFilters()
    qs = customer_queryset(user)
    if f.archived == "archived":
        qs = qs.filter(archived_at__isnull=False)
    elif f.archived != "all":
        qs = qs.filter(archived_at__isnull=True)
    if f.q:
        term = search_term(f.q)
        phone = normalise_phone(f.q)
        if term:
            condition = _contains(term)
            if phone.isdigit() and phone != term:
                condition |= _contains(phone)
            if len(phone) == 11 and phone.isdigit():
                # A contact's whole mobile: found through its keyed hash (customers/privacy.py),
                # never by a part of it.
                condition |= Q(pk__in=Contact.objects.filter(
                    mobile_hash=crypto.lookup_hash(phone)).values("customer_id"))
            qs = qs.filter(condition)
    if f.region:
        path = Region.objects.filter(pk=f.region).values_list("path", flat=True).first()
        qs = qs.filter(region__path__startswith=path) if path else qs.none()
    for name in ("owner", "outlet_type", "customer_class", "abc_class"):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{f"{name}_id": value})
    if f.status:
        qs = qs.filter(status=f.status)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.consent in ("yes", "no"):
        qs = qs.filter(marketing_consent=f.consent == "yes")
    if f.tag:
        qs = qs.filter(tags__id=f.tag)
    qs = qs.order_by(*ORDERINGS.get(f.ordering, ORDERINGS["name"]))
    return qs.select_related("outlet_type", "customer_class", "abc_class", "owner")


# A row of the API's customer list (serializers.CustomerListSerializer) as a tuple: the
# columns it shows, related names included, in this order (serializers.customer_list_data
# reads them by position). Issue 11: tuples, not five model instances per row (customer,
# outlet type, two classes, owner) and a prefetch with a related manager per row; the other
# customer columns and the owner's password, e-mail… are neither read nor turned into Python.
LIST_ROW_VALUES = (
    "pk", "code", "name", "outlet_type_id", "outlet_type__name", "outlet_type__name_en",
    "channel", "status", "customer_class_id", "customer_class__name", "customer_class__name_en",
    "abc_class_id", "abc_class__name", "abc_class__name_en", "owner_id", "owner__display_name",
    "owner__username", "province", "city", "district", "address", "phone", "latitude",
    "longitude", "archived_at", "updated_at",
)


class CustomerRows:
    """The customer list for a paginator, as LIST_ROW_VALUES tuples.

    `count()` counts the listed customers without the joins of the names a row shows (they do
    not change the count; a values queryset would keep them in its COUNT, and a manager's
    count over 34,000 rows is most of that request); a slice reads one page of tuples. Both
    run from compiled SQL shapes (core.sqlshapes): the list's WHERE is compiled once per
    request, not once per statement."""

    ordered = True  # customer_list always orders (the paginator asks)

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset
        self.shaped = sqlshapes.ShapedQuery(queryset)

    def count(self) -> int:
        return self.shaped.count()

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("CustomerRows takes a slice without a step")
        return self.shaped.rows(
            ("customer-list", LIST_ROW_VALUES, key.start, key.stop),
            lambda queryset: queryset.values_list(*LIST_ROW_VALUES)[key])


def customer_list_rows(*, user: User, filters: CustomerFilters | None = None) -> CustomerRows:
    """customer_list as rows of the API's list (LIST_ROW_VALUES), for a paginator."""
    return CustomerRows(customer_list(user=user, filters=filters))


def customer_tag_names(customer_ids) -> dict[int, list[str]]:
    """The tag names of each customer, in the tags' own order (Tag.Meta.ordering, as a
    prefetch of `tags` gives them), in one query; no query for no customers."""
    names = {pk: [] for pk in customer_ids}
    if names:
        links = Customer.tags.through.objects.filter(customer_id__in=list(names))
        ordering = tuple(f"tag__{key}" for key in Tag._meta.ordering)
        rows = sqlshapes.ShapedQuery(links).rows(
            ("customer-tag-names", ordering),
            lambda queryset: queryset.order_by(*ordering).values_list("customer_id", "tag__name"))
        for customer_id, name in rows:
            names[customer_id].append(name)
    return names


def _card_prefetches():
    return (
        "tags",
        Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "pk")),
        Prefetch("competitors", queryset=CompetitorEntry.objects.order_by("brand", "pk")),
    )


def customer_get(*, user: User, pk) -> Customer:
    """One customer in scope with what its detail page shows, or Http404."""
    qs = Customer.objects.select_related(
        "outlet_type", "customer_class", "abc_class", "owner", "team", "region", "referred_by",
        "merged_into", "created_by",
    ).prefetch_related(*_card_prefetches())
    return scoping.get_in_scope(qs, user, pk=pk)


# The related columns the API's card shows (serializers.CustomerSerializer): names only;
# merged_into is shown as its id (the column on the row), not joined.
CARD_RELATED_FIELDS = (
    "outlet_type__name", "outlet_type__name_en", "customer_class__name",
    "customer_class__name_en", "abc_class__name", "abc_class__name_en",
    "owner__display_name", "owner__username", "created_by__display_name",
    "created_by__username", "team__name", "region__name", "referred_by__name",
)


# The API card read as plain values (issue 11): the customer's columns the card shows (its
# search keys, name_norm… are not), the related ids as `<name>_id`, the related names joined.
CARD_VALUES = (
    "id", "code", "name", "outlet_type_id", "channel", "province", "city", "district",
    "address", "latitude", "longitude", "phone", "opens_at", "closes_at", "floor_area",
    "staff_count", "years_in_business", "brands", "source", "referred_by_id", "status",
    "customer_class_id", "abc_class_id", "marketing_consent", "marketing_consent_on",
    "marketing_consent_source", "owner_id", "team_id", "region_id", "notes", "archived_at",
    "archive_reason", "merged_into_id", "created_by_id", "created_at", "updated_at", "version",
    *CARD_RELATED_FIELDS,
)
CONTACT_VALUES = (
    "id", "name", "role", "decision_role", "mobile", "birthday", "birthday_is_lunar",
    "interests", "notes", "is_primary", "created_at", "updated_at", "version",
)
COMPETITOR_VALUES = (
    "id", "brand", "products", "satisfaction", "competitor_rep", "closeness", "notes",
    "updated_at", "version",
)


@dataclass
class CardValues:
    """One customer's card as read from the database: dicts of column values (no model
    instances). Stands in for the customer where only its id and scope columns are asked
    (access log, personal-data view)."""

    row: dict
    contacts: list[dict]
    competitors: list[dict]
    tags: list[str]

    @property
    def pk(self):
        return self.row["id"]

    @property
    def owner_id(self):
        return self.row["owner_id"]

    @property
    def team_id(self):
        return self.row["team_id"]

    @property
    def region_id(self):
        return self.row["region_id"]

    @property
    def version(self):
        return self.row["version"]


# The card's four reads, compiled once per database connection (core/prepared.py): the row's
# columns and joins (its WHERE, the caller's scope, is built per request by core.scoping), and
# the contacts, competitors and tag names of one customer.
_CARD_ROW = ValuesReader(Customer.objects.values(*CARD_VALUES))
_CARD_CONTACTS = PreparedValues(lambda pk: Contact.objects.filter(customer_id=pk).order_by(
    "-is_primary", "pk").values(*CONTACT_VALUES))
_CARD_COMPETITORS = PreparedValues(lambda pk: CompetitorEntry.objects.filter(
    customer_id=pk).order_by("brand", "pk").values(*COMPETITOR_VALUES))
_CARD_TAGS = PreparedValues(lambda pk: Customer.tags.through.objects.filter(
    customer_id=pk).order_by("tag__name").values("tag__name"))


def customer_card_values(*, user: User, pk) -> CardValues:
    """The API's customer card as values, or Http404 exactly as customer_get: four queries
    (the scoped row with its related names, contacts, competitors, tag names) in the orders
    the card shows them, without building select_related and prefetches, compiling them or
    making ~20 model instances per read (issue 11). For reading only."""
    try:
        rows = _CARD_ROW.rows(scoping.restrict(Customer.objects.filter(pk=pk), user))
    except (ValueError, TypeError) as exc:  # as scoping.get_in_scope: a bad id is not found
        raise Http404 from exc
    if not rows:
        raise Http404
    row = rows[0]
    pk = row["id"]
    return CardValues(row, _CARD_CONTACTS(pk), _CARD_COMPETITORS(pk),
                      [tag["tag__name"] for tag in _CARD_TAGS(pk)])


def customer_history(*, customer: Customer, limit: int = 200) -> QuerySet:
    """The change history of a customer and its contacts, newest first."""
    return ChangeLog.objects.filter(customer_id=customer.pk).select_related("actor")[:limit]


def customer_timeline(*, customer: Customer, limit: int = 50):
    """Timeline entries of a customer, newest first."""
    return timeline_for(customer.pk, limit=limit)


def contact_get(*, user: User, customer: Customer, pk) -> Contact:
    """A contact of a customer in scope, or Http404."""
    return scoping.get_in_scope(
        Contact.objects.select_related("customer"), user, via="customer__",
        customer=customer, pk=pk,
    )
