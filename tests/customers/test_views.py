"""The customer archive's pages: list, search, detail, create, edit, archive, merge, contacts.

Pages are read in English (msgids) unless a test checks the Chinese default on purpose.
"""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outletcrm.core.models import ChangeLog
from outletcrm.customers import services
from outletcrm.customers.models import CompetitorEntry, Contact, Customer, Tag
from tests.factories import (
    CompetitorFactory,
    ContactFactory,
    CustomerFactory,
    customer_class,
    outlet_type,
)

HTMX_RESULTS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}
HTMX_MODAL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "modal-content"}


@pytest.fixture
def page(login):
    """A logged-in client that reads the pages in English: `page(cast.alice).get(...)`."""

    def _page(user):
        client = login(user)
        client.cookies["django_language"] = "en"
        return client

    return _page


def list_url(**params) -> str:
    from urllib.parse import urlencode

    url = reverse("customers:list")
    return f"{url}?{urlencode(params)}" if params else url


def detail_url(customer) -> str:
    return reverse("customers:detail", args=[customer.pk])


def listed(response) -> list[str]:
    return [c.name for c in response.context["page"].object_list]


def form_data(**overrides) -> dict:
    """A valid create/edit form post."""
    data = {
        "name": "永辉超市",
        "outlet_type": outlet_type().pk,
        "channel": "modern",
        "status": "potential",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "address": "古墩路1号",
        "source": "street_sweep",
        "phone": "",
        "brands": "",
        "tags": "",
        "referred_by": "",
        "notes": "",
        "latitude": "",
        "longitude": "",
        "opens_at": "",
        "closes_at": "",
        "floor_area": "",
        "staff_count": "",
        "years_in_business": "",
        "customer_class": "",
        "abc_class": "",
    }
    data.update(overrides)
    return data


# --- list, search, filters, sort, pages -------------------------------------------------


def test_login_is_required(client, cast):
    response = client.get(list_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_rep_lists_only_own_customers(cast, page):
    response = page(cast.alice).get(list_url())
    assert response.status_code == 200
    assert listed(response) == ["联华超市"]
    assert "好又多便利店" not in response.content.decode()
    assert "宁波海曙药房" not in response.content.decode()


def test_supervisor_lists_the_team_and_manager_the_region(cast, page):
    assert sorted(listed(page(cast.sup).get(list_url()))) == sorted(["联华超市", "好又多便利店"])
    assert listed(page(cast.mgr_nb).get(list_url())) == ["宁波海曙药房"]
    assert len(listed(page(cast.mgr_zj).get(list_url()))) == 3


@pytest.mark.parametrize("term", ["lhcs", "LHCS", "lianhua", "联华", "文三路", "13800000001"])
def test_search_by_pinyin_initials_name_address_and_phone(cast, page, term):
    assert listed(page(cast.alice).get(list_url(q=term))) == ["联华超市"]


def test_search_never_reaches_outside_the_scope(cast, page):
    assert listed(page(cast.alice).get(list_url(q="nbhsyf"))) == []
    assert listed(page(cast.alice).get(list_url(q="宁波"))) == []


def test_htmx_search_returns_only_the_results_and_a_clean_address(cast, page):
    response = page(cast.alice).get(list_url(q="lhcs", region="", status=""), **HTMX_RESULTS)
    body = response.content.decode()
    assert response.status_code == 200
    assert "联华超市" in body
    assert "<html" not in body and 'id="customer-filters"' not in body
    # The address bar carries the filters without blanks, so a reload or export sees them.
    assert response["HX-Push-Url"] == list_url(q="lhcs")


def test_history_restore_gets_the_full_page(cast, page):
    response = page(cast.alice).get(
        list_url(q="lhcs"), **HTMX_RESULTS, HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_filters_status_type_class_channel_and_tag(cast, page):
    tag = Tag.objects.create(name="社区店")
    key = customer_class("key")
    CustomerFactory(
        name="甲药房",
        owner=cast.alice,
        status="active",
        outlet_type=outlet_type("pharmacy"),
        customer_class=key,
        channel="medical",
        tags=[tag],
    )
    client = page(cast.alice)
    assert listed(client.get(list_url(status="active"))) == ["甲药房"]
    assert listed(client.get(list_url(outlet_type=outlet_type("pharmacy").pk))) == ["甲药房"]
    assert listed(client.get(list_url(customer_class=key.pk))) == ["甲药房"]
    assert listed(client.get(list_url(channel="medical"))) == ["甲药房"]
    assert listed(client.get(list_url(tag=tag.pk))) == ["甲药房"]
    assert sorted(listed(client.get(list_url()))) == sorted(["甲药房", "联华超市"])


def test_region_and_owner_filters_for_a_manager(cast, page):
    client = page(cast.mgr_zj)
    assert listed(client.get(list_url(region=cast.ningbo.pk))) == ["宁波海曙药房"]
    assert len(listed(client.get(list_url(region=cast.zhejiang.pk)))) == 3
    assert listed(client.get(list_url(owner=cast.bob.pk))) == ["好又多便利店"]


@pytest.mark.parametrize(
    "params",
    [
        {"region": "abc"},
        {"owner": "-1"},
        {"outlet_type": "1.5"},
        {"status": "bogus"},
        {"archived": "maybe"},
        {"ordering": "password"},
        {"page": "zzz"},
        {"tag": "x" * 500},
        {"q": "联" * 5000},
        {"owner": "9" * 30},
        {"customer_class": "0"},
    ],
)
def test_bad_query_values_are_ignored_not_errors(cast, page, params):
    response = page(cast.alice).get(list_url(**params))
    assert response.status_code == 200
    if "q" not in params:
        assert listed(response) == ["联华超市"]


def test_archived_customers_leave_the_list_but_can_be_shown(cast, page):
    services.customer_archive(actor=cast.sup, customer=cast.alice_customer, reason="关店")
    client = page(cast.alice)
    assert listed(client.get(list_url())) == []
    assert listed(client.get(list_url(archived="archived"))) == ["联华超市"]
    assert listed(client.get(list_url(archived="all"))) == ["联华超市"]


def test_sort_by_name_both_ways_and_by_code(cast, page):
    for name in ("乙店", "甲店", "丙店"):
        CustomerFactory(name=name, owner=cast.bob)
    client = page(cast.bob)
    # The database's collation decides how Chinese names sort; both directions must agree.
    ascending = listed(client.get(list_url(ordering="name")))
    assert sorted(ascending) == sorted(["乙店", "甲店", "丙店", "好又多便利店"])
    assert listed(client.get(list_url(ordering="-name"))) == list(reversed(ascending))
    codes = [c.code for c in client.get(list_url(ordering="-code")).context["page"].object_list]
    assert codes == sorted(codes, reverse=True)


def test_sort_links_keep_the_filters_and_flip_direction(cast, page):
    body = page(cast.alice).get(list_url(q="lhcs", ordering="name")).content.decode()
    assert "?q=lhcs&amp;ordering=-name" in body


def test_pages_of_25(cast, page):
    for n in range(30):
        CustomerFactory(name=f"测试店{n:02d}", owner=cast.bob)
    client = page(cast.bob)
    first = client.get(list_url())
    assert len(listed(first)) == 25
    assert first.context["page"].paginator.count == 31
    assert len(listed(client.get(list_url(page=2)))) == 6
    # Past the end shows the last page rather than an error.
    assert client.get(list_url(page=99)).context["page"].number == 2


def test_export_links_use_the_current_filters(cast, page):
    client = page(cast.alice)
    export = reverse("customers:export")
    response = client.get(list_url(q="lhcs", status="active", archived="live", page="1"))
    # Blank and default values stay out; the page number is not a filter.
    assert response.context["list_query"] == "q=lhcs&status=active"
    navbar = response.content.decode().split('id="nav-export"')[1].split("</li>")[0]
    assert f'href="{export}?q=lhcs&amp;status=active"' in navbar
    # After an htmx search the navbar's export link is swapped out-of-band with the new filters.
    fragment = client.get(list_url(q="lhcs"), **HTMX_RESULTS).content.decode()
    assert 'id="nav-export" hx-swap-oob="true"' in fragment
    assert f'href="{export}?q=lhcs"' in fragment


def test_list_query_count_does_not_grow_with_rows(cast, page, django_assert_max_num_queries):
    client = page(cast.sup)
    with CaptureQueriesContext(connection) as few:
        assert client.get(list_url()).status_code == 200
    for n in range(20):
        tag = Tag.objects.create(name=f"标签{n}")
        CustomerFactory(owner=cast.bob if n % 2 else cast.alice, tags=[tag])
    with CaptureQueriesContext(connection) as many:
        assert len(listed(client.get(list_url()))) == 22
    assert len(many.captured_queries) == len(few.captured_queries)
    # session, user, count, rows, tags; filter choices: regions, owners, types, classes, tags
    with django_assert_max_num_queries(10):
        client.get(list_url())
    with django_assert_max_num_queries(5):
        client.get(list_url(q="cs"), **HTMX_RESULTS)
    # A manager's scope and owner choices each look up the region subtree (2 queries apiece).
    manager = page(cast.mgr_zj)
    with django_assert_max_num_queries(14):
        manager.get(list_url())


def test_the_default_language_is_chinese(cast, login):
    body = login(cast.alice).get(list_url()).content.decode()
    assert "客户编号" in body and "负责业务员" in body


def test_language_switch_to_english(cast, login):
    client = login(cast.alice)
    response = client.post("/i18n/setlang/", {"language": "en", "next": list_url()})
    assert response.status_code == 302
    body = client.get(list_url()).content.decode()
    assert "Customer no." in body and "客户编号" not in body


# --- detail ------------------------------------------------------------------------------


def test_detail_shows_the_card_contacts_competitors_timeline_and_history(cast, page):
    customer = services.customer_create(
        actor=cast.alice,
        name="永辉超市",
        outlet_type=outlet_type(),
        address="古墩路1号",
        phone="13912345678",
        brands="康师傅，农夫山泉",
        tags=["社区店"],
        latitude=Decimal("30.274100"),
        longitude=Decimal("120.155100"),
        opens_at="08:00",
        closes_at="21:30",
    )
    services.contact_create(
        actor=cast.alice, customer=customer, name="王老板", mobile="13700001111", is_primary=True
    )
    services.competitor_save(
        actor=cast.alice, customer=customer, brand="统一", products="冰红茶", closeness="close"
    )
    body = page(cast.alice).get(detail_url(customer)).content.decode()
    for text in (
        "永辉超市",
        customer.code,
        "康师傅",
        "农夫山泉",
        "社区店",
        "08:00–21:30",
        "王老板",
        "13700001111",
        "统一",
        "冰红茶",
        "Close",
        "Customer record created",
        'data-lat="30.274100"',
        'data-lng="120.155100"',
        "Brands carried",
    ):
        assert text in body, text
    assert "Archived customer" not in body


def test_detail_of_another_reps_customer_is_404(cast, page):
    client = page(cast.alice)
    assert client.get(detail_url(cast.charlie_customer)).status_code == 404
    assert client.get(detail_url(cast.bob_customer)).status_code == 404
    assert client.get(reverse("customers:detail", args=[999999])).status_code == 404
    assert client.get(f"/customers/{'9' * 30}/").status_code == 404


def test_out_of_scope_looks_exactly_like_missing(cast, page):
    client = page(cast.alice)
    hidden = client.get(detail_url(cast.charlie_customer))
    missing = client.get(reverse("customers:detail", args=[999999]))
    assert hidden.status_code == missing.status_code == 404

    def normalised(response):
        # CSRF tokens are masked differently on every response; the language form names the path.
        body = re.sub(r"[A-Za-z0-9]{64}", "TOKEN", response.content.decode())
        return body.replace(response.wsgi_request.path, "PATH")

    assert normalised(hidden) == normalised(missing)
    assert "宁波海曙药房" not in hidden.content.decode()


def test_detail_query_count_does_not_grow_with_contacts(cast, page, django_assert_max_num_queries):
    customer = cast.alice_customer
    client = page(cast.alice)
    ContactFactory(customer=customer)
    with CaptureQueriesContext(connection) as few:
        client.get(detail_url(customer))
    for _ in range(12):
        ContactFactory(customer=customer)
        CompetitorFactory(customer=customer)
        services.customer_update(actor=cast.alice, customer=customer, notes=f"第{_}次")
    with CaptureQueriesContext(connection) as many:
        body = client.get(detail_url(customer)).content.decode()
    assert body.count("bi-trash") == 13 + 12
    assert len(many.captured_queries) == len(few.captured_queries)
    # 15 for the card, contacts, competitors, timeline and history; 3 for the trading section;
    # 3 for the care section (family events, gifts, busy hours);
    # one per panel a higher app adds (core/panels.py: the churn banner).
    from outletcrm.core.panels import _CUSTOMER_PANELS

    # + 1: the access log's one INSERT (查询制度, core/accesslog.py).
    with django_assert_max_num_queries(18 + 3 + 1 + len(_CUSTOMER_PANELS)):
        client.get(detail_url(customer))


def test_referrer_link_only_when_the_referrer_is_in_scope(cast, page):
    referred = CustomerFactory(
        name="被介绍店", owner=cast.alice, source="referral", referred_by=cast.charlie_customer
    )
    body = page(cast.alice).get(detail_url(referred)).content.decode()
    assert cast.charlie_customer.code in body
    assert detail_url(cast.charlie_customer) not in body
    assert "宁波海曙药房" not in body


# --- create ------------------------------------------------------------------------------


def test_rep_creates_a_customer_owned_by_themselves(cast, page):
    client = page(cast.alice)
    form = client.get(reverse("customers:create")).context["form"]
    assert form["owner"].value() == cast.alice.pk
    response = client.post(
        reverse("customers:create"),
        form_data(
            owner=cast.alice.pk,
            phone="0571-8888 1234",
            brands="康师傅，农夫山泉、娃哈哈",
            tags="社区店, 24小时",
            latitude="30.2741234",
            longitude="120.1551",
            opens_at="08:00",
            closes_at="21:30",
            customer_class=customer_class("key").pk,
        ),
    )
    customer = Customer.objects.get(name="永辉超市")
    assert response.status_code == 302 and response["Location"] == detail_url(customer)
    assert customer.owner == cast.alice and customer.team == cast.team_hz
    assert customer.phone == "0571-88881234"
    assert customer.brands == ["康师傅", "农夫山泉", "娃哈哈"]
    assert sorted(t.name for t in customer.tags.all()) == ["24小时", "社区店"]
    assert customer.latitude == Decimal("30.274123")
    assert customer.opens_at.hour == 8 and customer.closes_at.minute == 30
    assert ChangeLog.objects.filter(customer_id=customer.pk, action="create").exists()


def test_owner_choices_are_limited_to_the_scope(cast, page):
    client = page(cast.sup)
    owners = list(client.get(reverse("customers:create")).context["form"]["owner"].field.queryset)
    assert cast.alice in owners and cast.charlie not in owners
    before = Customer.objects.count()
    response = client.post(reverse("customers:create"), form_data(owner=cast.charlie.pk))
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert Customer.objects.count() == before


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"latitude": "95", "longitude": "120"}, "latitude"),
        ({"latitude": "30", "longitude": "190"}, "longitude"),
        ({"latitude": "30"}, "longitude"),
        ({"latitude": "north"}, "latitude"),
        ({"phone": "12345"}, "phone"),
        ({"name": "   "}, "name"),
        ({"outlet_type": "999999"}, "outlet_type"),
        ({"status": "won"}, "status"),
        ({"staff_count": "-3"}, "staff_count"),
        ({"opens_at": "25:99"}, "opens_at"),
        ({"source": "referral"}, "referred_by"),
        ({"referred_by": "C9999999"}, "referred_by"),
        ({"tags": "这是一个非常非常非常非常非常非常非常非常长的标签名字超过三十个字"}, "tags"),
    ],
)
def test_bad_input_shows_a_form_error_and_writes_nothing(cast, page, overrides, field):
    before = Customer.objects.count(), ChangeLog.objects.count(), Tag.objects.count()
    response = page(cast.alice).post(
        reverse("customers:create"), form_data(owner=cast.alice.pk, **overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors, response.context["form"].errors
    assert "Please correct the fields marked below" in response.content.decode()
    assert (Customer.objects.count(), ChangeLog.objects.count(), Tag.objects.count()) == before


def test_referrer_by_code_within_scope_only(cast, page):
    client = page(cast.alice)
    own = client.post(
        reverse("customers:create"),
        form_data(
            owner=cast.alice.pk,
            source="referral",
            referred_by=cast.alice_customer.code.lower(),
        ),
    )
    assert own.status_code == 302
    assert Customer.objects.get(name="永辉超市").referred_by == cast.alice_customer
    foreign = client.post(
        reverse("customers:create"),
        form_data(
            name="华联超市",
            owner=cast.alice.pk,
            source="referral",
            referred_by=cast.charlie_customer.code,
        ),
    )
    assert "referred_by" in foreign.context["form"].errors
    assert not Customer.objects.filter(name="华联超市").exists()


def test_duplicate_of_own_customer_warns_with_a_link_and_saves_nothing(cast, page):
    before = Customer.objects.count()
    response = page(cast.alice).post(
        reverse("customers:create"),
        form_data(
            name="联华超市",
            address="文三路100号",
            owner=cast.alice.pk,
        ),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "This looks like a customer already on file" in body
    assert detail_url(cast.alice_customer) in body and "Same name and address" in body
    assert "create it anyway" not in body  # only the custodian may override
    assert Customer.objects.count() == before


def test_duplicate_outside_the_scope_shows_only_the_code(cast, page):
    services.customer_update(actor=cast.admin, customer=cast.charlie_customer, phone="13955556666")
    response = page(cast.alice).post(
        reverse("customers:create"),
        form_data(
            name="新开店",
            owner=cast.alice.pk,
            phone="139 5555 6666",
        ),
    )
    body = response.content.decode()
    assert cast.charlie_customer.code in body
    assert "contact the archive custodian" in body
    assert "宁波海曙药房" not in body and detail_url(cast.charlie_customer) not in body
    assert not Customer.objects.filter(name="新开店").exists()


def test_custodian_may_file_a_flagged_duplicate_anyway(cast, page):
    client = page(cast.custodian)
    data = form_data(name="联华超市", address="文三路100号", owner=cast.bob.pk)
    warned = client.post(reverse("customers:create"), data)
    assert "create it anyway" in warned.content.decode()
    assert Customer.objects.filter(name="联华超市").count() == 1
    forced = client.post(reverse("customers:create"), {**data, "force_duplicate": "on"})
    assert forced.status_code == 302
    assert Customer.objects.filter(name="联华超市").count() == 2


def test_a_rep_cannot_force_a_duplicate(cast, page):
    page(cast.alice).post(
        reverse("customers:create"),
        form_data(
            name="联华超市",
            address="文三路100号",
            owner=cast.alice.pk,
            force_duplicate="on",
        ),
    )
    assert Customer.objects.filter(name="联华超市").count() == 1


# --- edit --------------------------------------------------------------------------------


def test_edit_is_kept_in_the_history_shown_on_the_page(cast, page):
    client = page(cast.alice)
    customer = cast.alice_customer
    form = client.get(reverse("customers:edit", args=[customer.pk])).context["form"]
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update(status="intent", notes="周二进货", tags="社区店")
    response = client.post(reverse("customers:edit", args=[customer.pk]), data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.status == "intent" and customer.notes == "周二进货"
    log = ChangeLog.objects.filter(customer_id=customer.pk, action="update").get()
    assert set(log.changes) == {"status", "notes", "tags"}
    body = client.get(detail_url(customer)).content.decode()
    assert "Status" in body and "Potential" in body and "Intent" in body and "周二进货" in body
    # Changes read in the order of the form, whatever order the database keeps JSON keys in.
    assert body.index("Status:") < body.index("Notes:") < body.index("Tags:")


def test_saving_an_unchanged_form_records_nothing(cast, page):
    client = page(cast.alice)
    url = reverse("customers:edit", args=[cast.alice_customer.pk])
    form = client.get(url).context["form"]
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    assert client.post(url, data).status_code == 302
    assert not ChangeLog.objects.filter(customer_id=cast.alice_customer.pk).exists()


def test_bad_edit_changes_nothing(cast, page):
    client = page(cast.alice)
    url = reverse("customers:edit", args=[cast.alice_customer.pk])
    form = client.get(url).context["form"]
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update(name="改名", latitude="91", longitude="120")
    response = client.post(url, data)
    assert response.status_code == 200 and "latitude" in response.context["form"].errors
    cast.alice_customer.refresh_from_db()
    assert cast.alice_customer.name == "联华超市"


def test_edit_of_another_reps_customer_is_404(cast, page):
    client = page(cast.alice)
    url = reverse("customers:edit", args=[cast.charlie_customer.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(name="抢来的", owner=cast.alice.pk)).status_code == 404
    cast.charlie_customer.refresh_from_db()
    assert cast.charlie_customer.name == "宁波海曙药房"


# --- archive, restore --------------------------------------------------------------------


def test_supervisor_archives_with_a_reason_and_restores(cast, page):
    client = page(cast.sup)
    url = reverse("customers:archive", args=[cast.alice_customer.pk])
    missing_reason = client.post(url, {"reason": "  "})
    assert missing_reason.status_code == 200 and "reason" in missing_reason.context["form"].errors
    assert client.post(url, {"reason": "门店关闭"}).status_code == 302
    cast.alice_customer.refresh_from_db()
    assert cast.alice_customer.is_archived
    body = client.get(detail_url(cast.alice_customer)).content.decode()
    assert "Archived customer." in body and "门店关闭" in body
    restore = client.post(reverse("customers:restore", args=[cast.alice_customer.pk]))
    assert restore.status_code == 302
    cast.alice_customer.refresh_from_db()
    assert not cast.alice_customer.is_archived


def test_archive_from_the_dialog_redirects_through_htmx(cast, page):
    client = page(cast.sup)
    url = reverse("customers:archive", args=[cast.alice_customer.pk])
    dialog = client.get(url, **HTMX_MODAL).content.decode()
    assert "modal-header" in dialog and "<html" not in dialog
    response = client.post(url, {"reason": "搬迁"}, **HTMX_MODAL)
    assert response.status_code == 204
    assert response["HX-Redirect"] == detail_url(cast.alice_customer)


def test_a_rep_may_not_archive(cast, page):
    client = page(cast.alice)
    response = client.post(
        reverse("customers:archive", args=[cast.alice_customer.pk]), {"reason": "不想要了"}
    )
    assert response.status_code == 403
    cast.alice_customer.refresh_from_db()
    assert not cast.alice_customer.is_archived
    # No archive button on the card (the navigation's "Archive access" menu is another thing).
    archive_url = reverse("customers:archive", args=[cast.alice_customer.pk])
    assert archive_url not in client.get(detail_url(cast.alice_customer)).content.decode()


def test_archive_and_restore_out_of_scope_is_404(cast, page):
    client = page(cast.sup)  # team_hz's supervisor; charlie is in team_nb
    assert (
        client.post(
            reverse("customers:archive", args=[cast.charlie_customer.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("customers:restore", args=[cast.charlie_customer.pk])).status_code
        == 404
    )
    cast.charlie_customer.refresh_from_db()
    assert not cast.charlie_customer.is_archived


# --- merge -------------------------------------------------------------------------------


def test_custodian_merges_two_records(cast, page):
    ContactFactory(customer=cast.bob_customer, name="李老板")
    client = page(cast.custodian)
    url = reverse("customers:merge", args=[cast.alice_customer.pk])
    preview = client.get(url, {"q": cast.bob_customer.code})
    body = preview.content.decode()
    assert preview.context["other"] == cast.bob_customer
    assert "好又多便利店" in body and "联华超市" in body
    unconfirmed = client.post(url, {"other": cast.bob_customer.pk, "keep": "this"})
    assert unconfirmed.status_code == 200
    assert not Customer.objects.get(pk=cast.bob_customer.pk).merged_into_id
    response = client.post(url, {"other": cast.bob_customer.pk, "keep": "this", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == detail_url(cast.alice_customer)
    merged = Customer.objects.get(pk=cast.bob_customer.pk)
    assert merged.merged_into_id == cast.alice_customer.pk and merged.is_archived
    assert Contact.objects.get(name="李老板").customer_id == cast.alice_customer.pk
    merged_page = client.get(detail_url(merged)).content.decode()
    assert detail_url(cast.alice_customer) in merged_page
    assert "merged into another customer" in merged_page


def test_merge_search_lists_candidates(cast, page):
    response = page(cast.custodian).get(
        reverse("customers:merge", args=[cast.alice_customer.pk]), {"q": "hyd"}
    )
    assert [c.name for c in response.context["candidates"]] == ["好又多便利店"]


def test_a_rep_may_not_merge(cast, page):
    client = page(cast.alice)
    url = reverse("customers:merge", args=[cast.alice_customer.pk])
    assert client.get(url).status_code == 403
    assert (
        client.post(
            url, {"other": cast.bob_customer.pk, "keep": "this", "confirm": "on"}
        ).status_code
        == 403
    )
    assert not Customer.objects.get(pk=cast.bob_customer.pk).merged_into_id


# --- contacts and competitor file --------------------------------------------------------


def test_add_edit_and_remove_a_contact_in_the_dialog(cast, page):
    client = page(cast.alice)
    customer = cast.alice_customer
    add = reverse("customers:contact_create", args=[customer.pk])
    response = client.post(
        add,
        {
            "name": "王老板",
            "role": "owner",
            "decision_role": "decider",
            "mobile": "+86 138 1234 5678",
            "birthday": "1975-03-08",
            "birthday_is_lunar": "on",
        },
        **HTMX_MODAL,
    )
    assert response.status_code == 204 and response["HX-Redirect"].startswith(detail_url(customer))
    contact = Contact.objects.get(customer=customer)
    assert contact.mobile == "13812345678" and contact.birthday_is_lunar
    # The new mobile number finds the customer.
    assert listed(client.get(list_url(q="13812345678"))) == ["联华超市"]

    edit = reverse("customers:contact_edit", args=[customer.pk, contact.pk])
    client.post(
        edit,
        {
            "name": "王老板",
            "role": "store_manager",
            "decision_role": "decider",
            "mobile": "13812345678",
            "birthday": "1975-03-08",
            "birthday_is_lunar": "on",
            "version": contact.version,
        },
    )
    contact.refresh_from_db()
    assert contact.role == "store_manager"
    history = client.get(detail_url(customer)).content.decode()
    assert "Store manager" in history and "Position" in history

    client.post(reverse("customers:contact_delete", args=[customer.pk, contact.pk]))
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert ChangeLog.objects.filter(object_type="contact", action="delete").exists()


def test_bad_contact_mobile_is_refused(cast, page):
    response = page(cast.alice).post(
        reverse("customers:contact_create", args=[cast.alice_customer.pk]),
        {"name": "张三", "role": "owner", "decision_role": "none", "mobile": "1234567"},
        **HTMX_MODAL,
    )
    assert response.status_code == 200
    assert "not a valid mainland China mobile number" in response.content.decode()
    assert not Contact.objects.filter(name="张三").exists()


def test_contacts_of_other_reps_customers_are_404(cast, page):
    foreign = ContactFactory(customer=cast.charlie_customer, name="宁波联系人")
    client = page(cast.alice)
    assert (
        client.get(reverse("customers:contact_create", args=[cast.charlie_customer.pk])).status_code
        == 404
    )
    # A foreign contact id under one's own customer is no way in either.
    assert (
        client.post(
            reverse("customers:contact_edit", args=[cast.alice_customer.pk, foreign.pk]),
            {"name": "改", "role": "owner", "decision_role": "none"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("customers:contact_delete", args=[cast.alice_customer.pk, foreign.pk])
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("customers:contact_delete", args=[cast.charlie_customer.pk, foreign.pk])
        ).status_code
        == 404
    )
    foreign.refresh_from_db()
    assert foreign.name == "宁波联系人"


def test_competitor_file_add_edit_remove(cast, page):
    client = page(cast.alice)
    customer = cast.alice_customer
    client.post(
        reverse("customers:competitor_create", args=[customer.pk]),
        {
            "brand": "统一",
            "products": "冰红茶",
            "satisfaction": "2",
            "competitor_rep": "刘经理",
            "closeness": "very_close",
        },
    )
    entry = CompetitorEntry.objects.get(customer=customer)
    assert entry.satisfaction == 2
    client.post(
        reverse("customers:competitor_edit", args=[customer.pk, entry.pk]),
        {
            "brand": "统一",
            "products": "冰红茶、绿茶",
            "satisfaction": "4",
            "closeness": "close",
            "version": entry.version,
        },
    )
    entry.refresh_from_db()
    assert entry.products == "冰红茶、绿茶" and entry.closeness == "close"
    bad = client.post(
        reverse("customers:competitor_create", args=[customer.pk]),
        {"brand": "", "satisfaction": "9", "closeness": "close"},
    )
    assert {"brand", "satisfaction"} <= set(bad.context["form"].errors)
    client.post(reverse("customers:competitor_delete", args=[customer.pk, entry.pk]))
    assert not CompetitorEntry.objects.exists()
    foreign = CompetitorFactory(customer=cast.charlie_customer)
    assert (
        client.post(
            reverse("customers:competitor_delete", args=[cast.alice_customer.pk, foreign.pk])
        ).status_code
        == 404
    )
    assert CompetitorEntry.objects.filter(pk=foreign.pk).exists()


# --- lookup, login -----------------------------------------------------------------------


def test_lookup_offers_customers_in_scope_only(cast, page):
    client = page(cast.alice)
    body = client.get(reverse("customers:lookup"), {"referred_by": "lhcs"}).content.decode()
    assert f'value="{cast.alice_customer.code}"' in body
    assert client.get(reverse("customers:lookup"), {"q": "宁波"}).content.decode().strip() == ""


def test_login_page_names_demo_accounts_only_in_demo_mode(db, client, monkeypatch):
    from outletcrm.org.services import user_create

    user_create(username="rep01", password="x-demo-pass", role="custodian", is_demo=True)
    monkeypatch.setattr(settings, "DEMO_MODE", True)
    body = client.get(reverse("login")).content.decode()
    assert "rep01" in body
    monkeypatch.setattr(settings, "DEMO_MODE", False)
    assert "rep01" not in client.get(reverse("login")).content.decode()


def test_login_and_logout(cast, client):
    response = client.post(reverse("login"), {"username": "alice", "password": "test-pass-123"})
    assert response.status_code == 302
    assert client.get(list_url()).status_code == 200
    client.post(reverse("logout"))
    assert client.get(list_url()).status_code == 302
