"""Data scope on every customer endpoint, generated from one table (after NetBox ViewTestCases).

To cover a new endpoint, add a row to ENDPOINTS: every test below then checks that someone
outside the customer's scope gets 404 and changes nothing, that someone inside it gets the
success status, and (for reads) the whole who-sees-what matrix of the cast.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from outletcrm.core.models import ChangeLog, TimelineEntry
from outletcrm.customers.models import CompetitorEntry, Contact, Customer
from outletcrm.customers.selectors import customer_queryset
from tests.factories import CompetitorFactory, ContactFactory, CustomerFactory, outlet_type


@dataclass(frozen=True)
class Endpoint:
    """One API operation on one customer (`{customer}`) or its records."""

    name: str
    method: str
    path: str  # placeholders: {customer}, {contact}, {competitor}, {other}
    body: Callable[[dict], dict] | None = None
    success: int = 200
    # Who, inside the customer's scope, may do it: "owner" (the rep), "sup" or "custodian".
    allowed: str = "owner"
    archived: bool = False  # the target must be archived first (restore)
    writes: bool = field(default=True)


ENDPOINTS = [
    Endpoint("retrieve", "get", "/api/v1/customers/{customer}/", writes=False),
    Endpoint(
        "update",
        "put",
        "/api/v1/customers/{customer}/",
        body=lambda ids: {"name": "改名超市", "outlet_type": ids["outlet_type"]},
    ),
    Endpoint(
        "partial_update",
        "patch",
        "/api/v1/customers/{customer}/",
        body=lambda ids: {"notes": "改了备注"},
    ),
    Endpoint(
        "archive",
        "post",
        "/api/v1/customers/{customer}/archive",
        body=lambda ids: {"reason": "停业"},
        allowed="sup",
    ),
    Endpoint(
        "restore", "post", "/api/v1/customers/{customer}/restore", allowed="sup", archived=True
    ),
    Endpoint(
        "merge_into_target",
        "post",
        "/api/v1/customers/{customer}/merge",
        body=lambda ids: {"merge": ids["other"]},
        allowed="custodian",
    ),
    Endpoint(
        "merge_target_away",
        "post",
        "/api/v1/customers/{other}/merge",
        body=lambda ids: {"merge": ids["customer"]},
        allowed="custodian",
    ),
    Endpoint("history", "get", "/api/v1/customers/{customer}/history", writes=False),
    Endpoint("timeline", "get", "/api/v1/customers/{customer}/timeline", writes=False),
    Endpoint("contact_list", "get", "/api/v1/customers/{customer}/contacts/", writes=False),
    Endpoint(
        "contact_create",
        "post",
        "/api/v1/customers/{customer}/contacts/",
        body=lambda ids: {"name": "王老板", "mobile": "13700001111"},
        success=201,
    ),
    Endpoint(
        "contact_retrieve", "get", "/api/v1/customers/{customer}/contacts/{contact}/", writes=False
    ),
    Endpoint(
        "contact_update",
        "put",
        "/api/v1/customers/{customer}/contacts/{contact}/",
        body=lambda ids: {"name": "王店长"},
    ),
    Endpoint(
        "contact_partial_update",
        "patch",
        "/api/v1/customers/{customer}/contacts/{contact}/",
        body=lambda ids: {"interests": "钓鱼"},
    ),
    Endpoint(
        "contact_delete", "delete", "/api/v1/customers/{customer}/contacts/{contact}/", success=204
    ),
    Endpoint("competitor_list", "get", "/api/v1/customers/{customer}/competitors/", writes=False),
    Endpoint(
        "competitor_create",
        "post",
        "/api/v1/customers/{customer}/competitors/",
        body=lambda ids: {"brand": "统一", "satisfaction": 4},
        success=201,
    ),
    Endpoint(
        "competitor_retrieve",
        "get",
        "/api/v1/customers/{customer}/competitors/{competitor}/",
        writes=False,
    ),
    Endpoint(
        "competitor_update",
        "put",
        "/api/v1/customers/{customer}/competitors/{competitor}/",
        body=lambda ids: {"brand": "娃哈哈"},
    ),
    Endpoint(
        "competitor_partial_update",
        "patch",
        "/api/v1/customers/{customer}/competitors/{competitor}/",
        body=lambda ids: {"closeness": "close"},
    ),
    Endpoint(
        "competitor_delete",
        "delete",
        "/api/v1/customers/{customer}/competitors/{competitor}/",
        success=204,
    ),
]
READS = [e for e in ENDPOINTS if not e.writes]

# Who must not reach whose customer: (actor, target customer).
OUTSIDERS = [
    ("alice", "charlie_customer"),
    ("alice", "bob_customer"),
    ("charlie", "alice_customer"),
    ("sup", "charlie_customer"),
    ("mgr_nb", "alice_customer"),
]

# The cast's view of the three customers (brief §1, issue item 3).
VISIBLE = {
    "alice": {"alice_customer"},
    "bob": {"bob_customer"},
    "charlie": {"charlie_customer"},
    "sup": {"alice_customer", "bob_customer"},
    "mgr_zj": {"alice_customer", "bob_customer", "charlie_customer"},
    "mgr_nb": {"charlie_customer"},
    "custodian": {"alice_customer", "bob_customer", "charlie_customer"},
    "admin": {"alice_customer", "bob_customer", "charlie_customer"},
}


def prepare(cast, endpoint: Endpoint, actor, target: Customer) -> dict:
    """Give the target a contact and a competitor entry, and find the actor a second record."""
    if endpoint.archived:
        Customer.objects.filter(pk=target.pk).update(
            archived_at="2024-01-01T00:00:00Z", archive_reason="停业"
        )
    own = customer_queryset(actor).exclude(pk=target.pk).order_by("pk").first()
    return {
        "customer": target.pk,
        "contact": ContactFactory(customer=target).pk,
        "competitor": CompetitorFactory(customer=target).pk,
        "other": own.pk if own else None,
        "outlet_type": outlet_type("pharmacy").pk,
    }


def call(api, actor, endpoint: Endpoint, ids: dict):
    client = api(actor)
    path = endpoint.path.format(**ids)
    body = endpoint.body(ids) if endpoint.body else None
    return getattr(client, endpoint.method)(path, body, format="json")


def archive_state():
    """Everything an endpoint could write, to prove that a refused call wrote nothing."""
    return (
        list(Customer.objects.order_by("pk").values()),
        list(Contact.objects.order_by("pk").values()),
        list(CompetitorEntry.objects.order_by("pk").values()),
        ChangeLog.objects.count(),
        TimelineEntry.objects.count(),
    )


@pytest.mark.parametrize("actor_name, target_name", OUTSIDERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_outside_scope_is_404_and_changes_nothing(cast, api, endpoint, actor_name, target_name):
    actor, target = getattr(cast, actor_name), getattr(cast, target_name)
    ids = prepare(cast, endpoint, actor, target)
    before = archive_state()
    response = call(api, actor, endpoint, ids)
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "未找到。"}
    assert archive_state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_inside_scope_succeeds(cast, api, endpoint):
    actor = {"owner": cast.alice, "sup": cast.sup, "custodian": cast.custodian}[endpoint.allowed]
    ids = prepare(cast, endpoint, actor, cast.alice_customer)
    response = call(api, actor, endpoint, ids)
    assert response.status_code == endpoint.success, response.content
    if endpoint.writes:
        assert ChangeLog.objects.filter(customer_id__in=[ids["customer"], ids["other"]]).exists()


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if e.allowed != "owner"], ids=lambda e: e.name
)
def test_rep_may_not_do_what_needs_a_higher_role(cast, api, endpoint):
    ids = prepare(cast, endpoint, cast.alice, cast.alice_customer)
    # A merge needs two of alice's own records.
    ids["other"] = CustomerFactory(owner=cast.alice).pk
    before = archive_state()
    response = call(api, cast.alice, endpoint, ids)
    assert response.status_code == 403, response.content
    assert archive_state() == before


@pytest.mark.parametrize("user_name", sorted(VISIBLE))
@pytest.mark.parametrize("endpoint", READS, ids=lambda e: e.name)
def test_who_sees_which_customer(cast, api, endpoint, user_name):
    user = getattr(cast, user_name)
    for target_name in ("alice_customer", "bob_customer", "charlie_customer"):
        target = getattr(cast, target_name)
        ids = {
            "customer": target.pk,
            "contact": ContactFactory(customer=target).pk,
            "competitor": CompetitorFactory(customer=target).pk,
        }
        response = call(api, user, endpoint, ids)
        expected = 200 if target_name in VISIBLE[user_name] else 404
        assert response.status_code == expected, (user_name, target_name)


@pytest.mark.parametrize("user_name", sorted(VISIBLE))
def test_list_shows_exactly_the_users_scope(cast, api, user_name):
    response = api(getattr(cast, user_name)).get("/api/v1/customers/", {"archived": "all"})
    assert response.status_code == 200
    names = {row["name"] for row in response.json()["results"]}
    assert names == {getattr(cast, c).name for c in VISIBLE[user_name]}


@pytest.mark.parametrize("user_name", ["alice", "sup", "mgr_nb"])
def test_search_never_reaches_outside_the_scope(cast, api, user_name):
    # Each term matches exactly one customer of the cast: by name, pinyin, address, phone.
    user = getattr(cast, user_name)
    for term, target in [
        ("联华", "alice_customer"),
        ("lhcs", "alice_customer"),
        ("haoyouduo", "bob_customer"),
        ("中山西路", "charlie_customer"),
        ("13800000001", "alice_customer"),
    ]:
        results = api(user).get("/api/v1/customers/", {"q": term}).json()["results"]
        expected = [getattr(cast, target).pk] if target in VISIBLE[user_name] else []
        assert [row["id"] for row in results] == expected, (user_name, term)


def test_merging_a_record_outside_scope_with_an_own_one_is_404_for_the_custodian_too(cast, api):
    # The custodian sees everything, so only a missing id can be "outside": it is 404 as well.
    response = api(cast.custodian).post(
        f"/api/v1/customers/{cast.alice_customer.pk}/merge", {"merge": 999999}, format="json"
    )
    assert response.status_code == 404
    assert Customer.objects.filter(archived_at__isnull=True).count() == 3
