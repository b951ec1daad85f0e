"""Field-level privacy (issue 10 item 5): masking by role, the logged "show", encryption at
rest, lookups by keyed hash, marketing consent in care and exports."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from outletcrm.care import services as care
from outletcrm.care.choices import TASK_BIRTHDAY, TASK_FESTIVAL
from outletcrm.care.models import CareRule
from outletcrm.core import crypto
from outletcrm.core.models import AuditEvent, ChangeLog
from outletcrm.customers import services
from outletcrm.customers.dedupe import find_duplicates
from outletcrm.customers.importexport import export_customers
from outletcrm.customers.models import Contact, Customer
from outletcrm.customers.selectors import CustomerFilters, customer_list
from outletcrm.org.models import Role
from outletcrm.visits.models import FollowUpTask
from tests.factories import UserFactory

MOBILE = "13912345678"
MASKED = "139****5678"


@pytest.fixture
def wang(cast):
    """Alice's customer's owner contact, with personal details, written through the service."""
    return services.contact_create(actor=cast.alice, customer=cast.alice_customer, name="王老板",
                                   mobile=MOBILE, birthday=datetime.date(1975, 8, 15),
                                   interests="钓鱼、喝茶")


@pytest.fixture
def hotline(cast):
    return UserFactory(username="hotline", role=Role.CUSTOMER_SERVICE, team=None)


def detail(client, customer):
    return client.get(reverse("customers:detail", args=[customer.pk])).content.decode()


def raw_row(contact_id: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile, birthday, interests, mobile_hash FROM customers_contact "
                       "WHERE id = %s", [contact_id])
        return cursor.fetchone()


def sheet(data: bytes, name: str) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [list(r) for r in workbook[name].iter_rows(values_only=True)]


# --- encryption at rest and lookups ---------------------------------------------------------

def test_the_database_row_holds_ciphertext_not_the_number(wang):
    mobile, birthday, interests, mobile_hash = raw_row(wang.pk)
    for stored in (mobile, birthday, interests):
        assert stored.startswith("gAAAAA")
    assert MOBILE not in mobile and "1975" not in birthday and "钓鱼" not in interests
    assert mobile_hash == crypto.lookup_hash(MOBILE) and MOBILE not in mobile_hash
    fresh = Contact.objects.get(pk=wang.pk)
    assert (fresh.mobile, fresh.birthday, fresh.interests) == (
        MOBILE, datetime.date(1975, 8, 15), "钓鱼、喝茶")
    # Nor is the mobile in the customer's plain search text or its history.
    search_text = Customer.objects.values_list("search_text", flat=True).get(
        pk=wang.customer_id)
    assert MOBILE not in search_text
    assert MOBILE not in str(list(ChangeLog.objects.values_list("changes", flat=True)))


def test_a_lookup_on_the_ciphertext_is_refused_not_silently_empty(wang):
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Contact.objects.filter(mobile__startswith="139"))
    with pytest.raises(FieldError):
        list(Contact.objects.filter(birthday__month=8))


def test_dedupe_still_finds_a_duplicate_contact_mobile(cast, wang):
    matches = find_duplicates(name="完全不同的店", phones=[MOBILE])
    assert [(m.customer_id, m.reason) for m in matches] == [(cast.alice_customer.pk, "phone")]
    with pytest.raises(services.DuplicateCustomerError):
        services.customer_create(actor=cast.bob, name="另一家店", outlet_type=cast.alice_customer
                                 .outlet_type, contacts=[{"name": "某人", "mobile": MOBILE}])


def test_search_finds_a_whole_contact_mobile_but_not_a_part(cast, wang):
    found = customer_list(user=cast.alice, filters=CustomerFilters(q="139 1234 5678"))
    assert list(found) == [cast.alice_customer]
    assert not customer_list(user=cast.alice, filters=CustomerFilters(q="12345678")).exists()


def test_dedupe_by_phone_is_one_indexed_query(cast, wang, django_assert_num_queries):
    with django_assert_num_queries(1):
        find_duplicates(name="", phones=[MOBILE])


def test_key_rotation_reads_old_rows_and_rewrites_them_under_the_new_key(settings, wang):
    old_token = raw_row(wang.pk)[0]
    new_key = "x" * 43 + "="
    from cryptography.fernet import Fernet

    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, crypto._keys()[0].decode()]
    settings.FIELD_HASH_KEY = "lookup-hash-key-kept-across-rotation"
    crypto.reset_keys()
    try:
        assert Contact.objects.get(pk=wang.pk).mobile == MOBILE  # old key still decrypts
        call_command("rotate_field_keys", stdout=io.StringIO())
        token, _b, _i, digest = raw_row(wang.pk)
        assert token != old_token
        assert Fernet(new_key.encode()).decrypt(token.encode()).decode() == MOBILE
        assert digest == crypto.lookup_hash(MOBILE)
        assert find_duplicates(name="", phones=[MOBILE])  # the hash follows the rotation
    finally:
        settings.FIELD_ENCRYPTION_KEYS = []
        settings.FIELD_HASH_KEY = ""
        crypto.reset_keys()


def test_rows_written_before_encryption_are_read_and_rewritten(wang):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE customers_contact SET mobile = %s, mobile_hash = '' "
                       "WHERE id = %s", [MOBILE, wang.pk])
    assert Contact.objects.get(pk=wang.pk).mobile == MOBILE
    call_command("rotate_field_keys", stdout=io.StringIO())
    mobile, _b, _i, digest = raw_row(wang.pk)
    assert mobile.startswith("gAAAAA") and digest == crypto.lookup_hash(MOBILE)


# --- masking by role: page, API, export ----------------------------------------------------

@pytest.mark.parametrize("who, shown", [
    ("alice", "full"), ("sup", "full"), ("admin", "full"),
    ("mgr_zj", "masked"), ("custodian", "masked"),
])
def test_the_card_shows_personal_details_by_role(cast, wang, login, who, shown):
    page = detail(login(getattr(cast, who)), cast.alice_customer)
    if shown == "full":
        assert f'href="tel:{MOBILE}"' in page and "钓鱼、喝茶" in page and "1975-08-15" in page
        assert 'data-reveal="mobile"' not in page
    else:
        assert MOBILE not in page and "钓鱼" not in page and "1975" not in page
        assert MASKED in page and "****-08-**" in page
        assert 'data-reveal="mobile"' in page  # may ask, one field at a time


def test_customer_service_sees_the_card_masked(cast, wang, hotline, login):
    page = detail(login(hotline), cast.alice_customer)
    assert MOBILE not in page and MASKED in page


def test_a_company_may_show_managers_personal_details_in_full(cast, wang, login, settings):
    settings.PRIVACY_FULL_ROLES = ["manager"]
    assert f'href="tel:{MOBILE}"' in detail(login(cast.mgr_zj), cast.alice_customer)


def test_show_unmasks_one_field_and_is_logged(cast, wang, login):
    client = login(cast.mgr_zj)
    url = reverse("customers:contact_reveal", args=[cast.alice_customer.pk, wang.pk, "mobile"])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert f'href="tel:{MOBILE}"' in body and "钓鱼" not in body  # that field only
    event = AuditEvent.objects.get(action=AuditEvent.Action.FIELD_SHOWN)
    assert event.actor == cast.mgr_zj and event.channel == "web"
    assert event.detail["field"] == "mobile" and event.detail["contact_id"] == wang.pk
    assert event.detail["customer"] == cast.alice_customer.code
    # The card is masked again on the next visit: showing is one look, not a grant.
    assert MOBILE not in detail(client, cast.alice_customer)


def test_show_outside_scope_or_bad_field_changes_nothing(cast, wang, login):
    url = reverse("customers:contact_reveal", args=[cast.alice_customer.pk, wang.pk, "mobile"])
    assert login(cast.charlie).post(url).status_code == 404
    assert login(cast.mgr_nb).post(url).status_code == 404
    bad = reverse("customers:contact_reveal", args=[cast.alice_customer.pk, wang.pk, "notes"])
    assert login(cast.mgr_zj).post(bad).status_code == 404
    assert login(cast.mgr_zj).get(url).status_code == 405
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.FIELD_SHOWN).exists()


def test_a_masked_role_cannot_edit_the_personal_fields(cast, wang, login):
    client = login(cast.mgr_zj)
    url = reverse("customers:contact_edit", args=[cast.alice_customer.pk, wang.pk])
    form = client.get(url).content.decode()
    assert MOBILE not in form and 'name="mobile"' not in form
    with pytest.raises(services.PermissionDenied):
        services.contact_update(actor=cast.mgr_zj, contact=wang, mobile="13700000000")
    assert Contact.objects.get(pk=wang.pk).mobile == MOBILE


def test_api_masks_by_role_and_reveal_is_logged(cast, wang, api):
    url = f"/api/v1/customers/{cast.alice_customer.pk}/contacts/"
    own = api(cast.alice).get(url).json()["results"]
    assert own[0]["mobile"] == MOBILE and own[0]["personal_data"] == "full"
    assert own[0]["birthday"] == "1975-08-15"
    seen = api(cast.mgr_zj).get(url).json()["results"][0]
    assert seen["mobile"] == MASKED and seen["birthday"] is None and seen["interests"] == "***"
    assert seen["birthday_month"] == 8 and seen["personal_data"] == "on_request"
    card = api(cast.mgr_zj).get(f"/api/v1/customers/{cast.alice_customer.pk}/").json()
    assert MOBILE not in str(card)
    reveal = f"{url}{wang.pk}/reveal/"
    response = api(cast.mgr_zj).post(reveal, {"field": "birthday"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"field": "birthday", "value": "1975-08-15"}
    event = AuditEvent.objects.get(action=AuditEvent.Action.FIELD_SHOWN)
    assert (event.actor, event.channel, event.detail["field"]) == (cast.mgr_zj, "api", "birthday")


def test_api_bad_input_is_refused_and_changes_nothing(cast, wang, api):
    url = f"/api/v1/customers/{cast.alice_customer.pk}/contacts/{wang.pk}/"
    assert api(cast.mgr_zj).post(f"{url}reveal/", {"field": "notes"},
                                 format="json").status_code == 400
    assert api(cast.charlie).post(f"{url}reveal/", {"field": "mobile"},
                                  format="json").status_code == 404
    response = api(cast.mgr_zj).patch(url, {"mobile": "13700000000"}, format="json")
    assert response.status_code == 403
    assert Contact.objects.get(pk=wang.pk).mobile == MOBILE
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.FIELD_SHOWN).exists()


def test_export_masks_by_role_and_carries_consent(cast, wang):
    services.customer_update(actor=cast.alice, customer=cast.alice_customer,
                             marketing_consent=True, marketing_consent_source="written")
    own, _n = export_customers(user=cast.alice, filters=CustomerFilters())
    manager, _n = export_customers(user=cast.mgr_zj, filters=CustomerFilters())
    assert MOBILE in str(sheet(own, "客户档案")) and MOBILE in str(sheet(own, "联系人"))
    rows = sheet(manager, "客户档案")
    assert MOBILE not in str(rows) and MOBILE not in str(sheet(manager, "联系人"))
    assert MASKED in str(rows) and "钓鱼" not in str(rows)
    header = rows[0]
    consent = {r[1]: r[header.index("营销同意")] for r in rows[1:]}
    assert consent == {"联华超市": "是", "好又多便利店": "否", "宁波海曙药房": "否"}
    alice_row = next(r for r in rows[1:] if r[1] == "联华超市")
    assert alice_row[header.index("同意方式")] == "Signed form" or alice_row[
        header.index("同意方式")]


def test_export_only_consenting_customers(cast, login):
    services.customer_update(actor=cast.alice, customer=cast.alice_customer,
                             marketing_consent=True, marketing_consent_source="verbal")
    content, count = export_customers(user=cast.sup, filters=CustomerFilters(consent="yes"))
    assert count == 1 and [r[1] for r in sheet(content, "客户档案")[1:]] == ["联华超市"]
    response = login(cast.sup).get(reverse("customers:export") + "?consent=yes")
    assert response.status_code == 200
    assert [r[1] for r in sheet(response.content, "客户档案")[1:]] == ["联华超市"]


# --- consent -------------------------------------------------------------------------------

def test_consent_needs_how_it_was_obtained_and_is_dated(cast):
    with pytest.raises(services.ValidationError):
        services.customer_update(actor=cast.alice, customer=cast.alice_customer,
                                 marketing_consent=True)
    customer = services.customer_update(actor=cast.alice, customer=cast.alice_customer,
                                        marketing_consent=True, marketing_consent_source="wechat")
    assert customer.marketing_consent_on is not None
    history = ChangeLog.objects.filter(customer_id=customer.pk, action="update").first()
    assert "marketing_consent" in history.changes


def test_consent_is_shown_and_editable_on_the_page(cast, login):
    client = login(cast.alice)
    assert "未同意" in detail(client, cast.alice_customer)  # "No consent", in Chinese
    edit = client.get(reverse("customers:edit", args=[cast.alice_customer.pk])).content.decode()
    assert 'name="marketing_consent"' in edit and 'name="marketing_consent_source"' in edit
    # Saving the form as it is keeps the consent as it was (the field is on the form).
    services.customer_update(actor=cast.alice, customer=cast.alice_customer,
                             marketing_consent=True, marketing_consent_source="verbal")
    customer = Customer.objects.get(pk=cast.alice_customer.pk)
    from outletcrm.customers.forms import CustomerForm

    form = CustomerForm(instance=customer, user=cast.alice)
    assert form["marketing_consent"].value() is True


def test_care_greets_and_gifts_only_consenting_customers(cast):
    CareRule.objects.exclude(kind__in=["birthday", "festival", "return_visit"]).update(
        is_active=False)
    for customer in (cast.alice_customer, cast.bob_customer):
        services.contact_create(actor=customer.owner, customer=customer, name="老板",
                                birthday=datetime.date(1980, 9, 30))
    services.customer_update(actor=cast.alice, customer=cast.alice_customer,
                             marketing_consent=True, marketing_consent_source="written")
    # 2027-09-25: the birthday (30 Sep, encrypted at rest) and National Day are days ahead.
    care.generate_care_tasks(datetime.date(2027, 9, 25))
    greeted = set(FollowUpTask.objects.filter(kind__in=[TASK_BIRTHDAY, TASK_FESTIVAL])
                  .values_list("customer_id", flat=True))
    assert greeted == {cast.alice_customer.pk}
    assert FollowUpTask.objects.filter(customer=cast.alice_customer, kind=TASK_BIRTHDAY).exists()


# --- query counts --------------------------------------------------------------------------

def test_the_card_with_many_contacts_costs_no_query_per_contact(
        cast, login, django_assert_max_num_queries):
    for n in range(8):
        services.contact_create(actor=cast.alice, customer=cast.alice_customer,
                                name=f"联系人{n}", mobile=f"1370000000{n}")
    client = login(cast.mgr_zj)
    detail(client, cast.alice_customer)  # warm the per-process caches
    with django_assert_max_num_queries(40) as captured:
        detail(client, cast.alice_customer)
    few = len(captured.captured_queries)
    services.contact_create(actor=cast.alice, customer=cast.alice_customer, name="再一位",
                            mobile="13800009999")
    with django_assert_max_num_queries(few):
        detail(client, cast.alice_customer)
