from outletcrm.customers.selectors import CustomerFilters, customer_list


def test_rep_sees_only_own_customers(cast):
    names = set(customer_list(user=cast.alice).values_list("name", flat=True))
    assert names == {"联华超市"}


def test_pinyin_initials_find_customer(cast):
    found = customer_list(user=cast.custodian, filters=CustomerFilters(q="lhcs"))
    assert [c.name for c in found] == ["联华超市"]
