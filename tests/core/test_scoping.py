"""Data scope: who sees which customers (issue 2, item 3)."""

import pytest
from django.http import Http404

from outletcrm.core import scoping
from outletcrm.customers.models import Contact, Customer
from outletcrm.customers.selectors import customer_list
from tests.factories import ContactFactory


def visible(user):
    return set(customer_list(user=user).values_list("name", flat=True))


def test_rep_sees_own_customers_only(cast):
    assert visible(cast.alice) == {"联华超市"}
    assert visible(cast.charlie) == {"宁波海曙药房"}


def test_supervisor_sees_team(cast):
    assert visible(cast.sup) == {"联华超市", "好又多便利店"}


def test_manager_sees_region_subtree(cast):
    assert visible(cast.mgr_zj) == {"联华超市", "好又多便利店", "宁波海曙药房"}
    assert visible(cast.mgr_nb) == {"宁波海曙药房"}


@pytest.mark.parametrize("who", ["custodian", "admin"])
def test_custodian_and_admin_see_all(cast, who):
    assert len(visible(getattr(cast, who))) == 3


def test_out_of_scope_lookup_is_a_404_like_a_missing_one(cast):
    with pytest.raises(Http404):
        scoping.get_in_scope(Customer.objects.all(), cast.alice, pk=cast.charlie_customer.pk)
    with pytest.raises(Http404):
        scoping.get_in_scope(Customer.objects.all(), cast.alice, pk=999_999)
    with pytest.raises(Http404):
        scoping.get_in_scope(Customer.objects.all(), cast.alice, pk="not-a-number")


def test_scope_follows_related_models(cast):
    ContactFactory(customer=cast.charlie_customer)
    ContactFactory(customer=cast.alice_customer)
    contacts = scoping.restrict(Contact.objects.all(), cast.alice, via="customer__")
    assert {c.customer_id for c in contacts} == {cast.alice_customer.pk}


def test_inactive_or_roleless_users_see_nothing(cast):
    cast.alice.is_active = False
    assert visible(cast.alice) == set()
    cast.bob.role = "unknown"
    assert visible(cast.bob) == set()


def test_owner_choices_stay_inside_scope(cast):
    assert set(scoping.users_in_scope(cast.alice)) == {cast.alice}
    assert set(scoping.users_in_scope(cast.sup)) == {cast.alice, cast.bob, cast.sup}
    assert cast.charlie in set(scoping.users_in_scope(cast.mgr_zj))
    assert not scoping.can_assign_owner(cast.sup, cast.charlie)
