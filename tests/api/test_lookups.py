"""Read-only lookups a client needs to fill its forms: types, classes, tags, regions, users."""

import pytest

from outletcrm.customers.models import OutletType, Tag
from outletcrm.org.models import Role
from tests.factories import UserFactory


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_outlet_types_are_labelled_in_the_callers_language(cast, api):
    chinese = results(api(cast.alice).get("/api/v1/outlet-types/"))
    english = results(api(cast.alice).get("/api/v1/outlet-types/", HTTP_ACCEPT_LANGUAGE="en"))
    assert chinese[0]["code"] == "supermarket" and chinese[0]["label"] == "超市"
    assert english[0]["label"] == "Supermarket"


def test_disabled_outlet_types_can_be_filtered_out(cast, api):
    OutletType.objects.filter(code="hotel").update(is_active=False)
    codes = {
        t["code"]
        for t in results(api(cast.alice).get("/api/v1/outlet-types/", {"is_active": "true"}))
    }
    assert "hotel" not in codes and "supermarket" in codes


def test_customer_classes_by_scheme(cast, api):
    abc = results(api(cast.alice).get("/api/v1/customer-classes/", {"scheme": "abc"}))
    assert [c["code"] for c in abc] == ["a", "b", "c"]
    assert {c["scheme_display"] for c in abc} == {"ABC分类"}


def test_lookups_are_read_only(cast, api):
    client = api(cast.admin)
    assert client.post("/api/v1/outlet-types/", {"code": "x", "name": "x"}).status_code == 405
    assert client.delete(f"/api/v1/regions/{cast.east.pk}/").status_code == 405
    assert client.post("/api/v1/tags/", {"name": "x"}).status_code == 405


def test_tags_search_by_name(cast, api):
    Tag.objects.create(name="社区店")
    Tag.objects.create(name="24小时")
    found = results(api(cast.alice).get("/api/v1/tags/", {"name__icontains": "社区"}))
    assert [t["name"] for t in found] == ["社区店"]


def test_regions_carry_the_tree(cast, api):
    regions = {r["code"]: r for r in results(api(cast.alice).get("/api/v1/regions/"))}
    ningbo = regions["ningbo"]
    assert ningbo["parent"] == cast.zhejiang.pk and ningbo["depth"] == 2
    assert ningbo["path"] == f"/{cast.east.pk}/{cast.zhejiang.pk}/{cast.ningbo.pk}/"
    children = results(api(cast.alice).get("/api/v1/regions/", {"parent": cast.zhejiang.pk}))
    assert {r["code"] for r in children} == {"hangzhou", "ningbo"}


def test_teams_with_their_region(cast, api):
    teams = results(api(cast.alice).get("/api/v1/teams/", {"region": cast.ningbo.pk}))
    assert [(t["name"], t["region_name"]) for t in teams] == [("宁波一组", "宁波办事处")]


@pytest.mark.parametrize(
    "user_name, expected",
    [
        ("alice", {"alice"}),
        ("charlie", {"charlie"}),
        ("sup", {"alice", "bob", "sup"}),
        ("mgr_nb", {"charlie"}),
        ("mgr_zj", {"alice", "bob", "sup", "charlie"}),
        ("custodian", {"alice", "bob", "sup", "charlie"}),
    ],
)
def test_users_are_the_owners_the_caller_may_assign(cast, api, user_name, expected):
    UserFactory(username="gone", team=cast.team_hz, is_active=False)
    found = {u["username"] for u in results(api(getattr(cast, user_name)).get("/api/v1/users/"))}
    # Factories make a spare team member per customer; only the cast's names are asserted.
    cast_names = {
        "alice",
        "bob",
        "charlie",
        "sup",
        "mgr_zj",
        "mgr_nb",
        "custodian",
        "admin",
        "gone",
    }
    assert found & cast_names == expected


def test_a_user_outside_scope_is_404(cast, api):
    assert api(cast.alice).get(f"/api/v1/users/{cast.charlie.pk}/").status_code == 404
    assert api(cast.sup).get(f"/api/v1/users/{cast.bob.pk}/").json()["role"] == Role.REP
