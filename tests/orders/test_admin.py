"""Django admin: the catalogue, the archive's lists and the organisation are configurable."""

from decimal import Decimal

import pytest

from outletcrm.orders.models import PriceList, Product
from outletcrm.org.models import Region, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast.admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.parametrize("model", [
    "orders/product", "orders/pricelist", "customers/outlettype", "customers/customerclass",
    "customers/tag", "org/region", "org/team", "org/user",
])
def test_changelists_and_add_pages_open(admin_client, catalogue, model):
    assert admin_client.get(f"/admin/{model}/").status_code == 200
    assert admin_client.get(f"/admin/{model}/add/").status_code == 200


def test_the_admin_is_for_administrators_only(client, cast):
    client.force_login(cast.alice)
    assert client.get("/admin/orders/product/").status_code == 302


def test_a_new_default_price_list_replaces_the_old_default(admin_client, catalogue):
    response = admin_client.post("/admin/orders/pricelist/add/", {
        "name": "2027 价目表", "is_default": "on", "valid_from": "", "valid_to": "",
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-product": str(catalogue.water.pk), "items-0-unit_price": "11.50",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    new = PriceList.objects.get(name="2027 价目表")
    assert list(PriceList.objects.filter(is_default=True)) == [new]
    assert new.items.get().unit_price == Decimal("11.50")


def test_price_list_dates_must_be_in_order(admin_client):
    response = admin_client.post("/admin/orders/pricelist/add/", {
        "name": "错", "valid_from": "2026-05-01", "valid_to": "2026-04-01",
        "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.content.decode()
    assert not PriceList.objects.filter(name="错").exists()


def test_add_a_product(admin_client):
    response = admin_client.post("/admin/orders/product/add/", {
        "code": " J100 ", "name": "果汁", "brand": "本品", "unit": "箱", "is_active": "on",
    })
    assert response.status_code == 302
    assert Product.objects.get(name="果汁").code == "J100"


def test_a_region_added_in_the_admin_gets_its_path(admin_client, cast):
    response = admin_client.post("/admin/org/region/add/", {
        "name": "温州办事处", "code": "wenzhou", "parent": str(cast.zhejiang.pk)})
    assert response.status_code == 302
    region = Region.objects.get(code="wenzhou")
    assert region.path == f"{cast.zhejiang.path}{region.pk}/"


def test_add_a_rep_in_the_admin(admin_client, cast):
    response = admin_client.post("/admin/org/user/add/", {
        "username": "dave", "display_name": "赵德", "role": Role.REP, "team": cast.team_hz.pk,
        "region": "", "usable_password": "true", "password1": "a-long-pass-123",
        "password2": "a-long-pass-123"})
    assert response.status_code == 302, response.content.decode()[:3000]
    dave = User.objects.get(username="dave")
    assert dave.team == cast.team_hz and dave.check_password("a-long-pass-123")
    no_team = admin_client.post("/admin/org/user/add/", {
        "username": "erin", "role": Role.REP, "team": "", "region": "",
        "usable_password": "true", "password1": "a-long-pass-123",
        "password2": "a-long-pass-123"})
    assert no_team.status_code == 200
    assert "Reps and supervisors must belong to a team." in no_team.content.decode()
