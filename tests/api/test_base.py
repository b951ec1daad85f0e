"""The shared API building blocks in core.api, on their own (later apps build on them)."""

import pytest
from rest_framework import mixins, serializers, viewsets
from rest_framework.test import APIRequestFactory, force_authenticate

from outletcrm.core.api import ScopedQuerysetMixin, StrictFieldsMixin
from outletcrm.customers.models import Contact
from tests.factories import ContactFactory


class ContactRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name"]


class AllContactsViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Contacts of every customer, as a later app would list its own customer-linked rows."""

    queryset = Contact.objects.order_by("pk")
    serializer_class = ContactRowSerializer
    scope_via = "customer__"
    pagination_class = None


def call(user, action: str, **kwargs):
    request = APIRequestFactory().get("/")
    force_authenticate(request, user=user)
    return AllContactsViewSet.as_view({"get": action})(request, **kwargs)


def test_scoped_viewset_lists_only_records_of_customers_in_scope(cast):
    mine = ContactFactory(customer=cast.alice_customer)
    ContactFactory(customer=cast.charlie_customer)
    assert [row["id"] for row in call(cast.alice, "list").data] == [mine.pk]
    assert len(call(cast.custodian, "list").data) == 2


def test_scoped_viewset_answers_404_for_a_record_outside_scope(cast):
    theirs = ContactFactory(customer=cast.charlie_customer)
    assert call(cast.alice, "retrieve", pk=theirs.pk).status_code == 404
    assert call(cast.mgr_nb, "retrieve", pk=theirs.pk).status_code == 200


class NameSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField()
    code = serializers.CharField(read_only=True)


@pytest.mark.parametrize(
    "data, valid",
    [
        ({"name": "x"}, True),
        ({"name": "x", "code": "C1"}, True),
        ({"name": "x", "nmae": "y"}, False),
    ],
)
def test_strict_serializer_refuses_unknown_keys_but_accepts_read_only_ones(data, valid):
    serializer = NameSerializer(data=data)
    assert serializer.is_valid() is valid
    if not valid:
        assert "nmae" in serializer.errors["non_field_errors"][0]
