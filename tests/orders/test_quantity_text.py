"""Quantities read as people write them: 10, not 10.00 (issue 7, §4)."""

from decimal import Decimal

import pytest

from outletcrm.orders.models import OrderLine, quantity_text
from tests.factories import ProductFactory


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("10.00"), "10"), (Decimal("2.50"), "2.5"), (Decimal("0.25"), "0.25"),
    (Decimal("100"), "100"), (Decimal("1E+1"), "10"), (None, "")])
def test_whole_units_have_no_decimals(value, text):
    assert quantity_text(value) == text


@pytest.mark.django_db
def test_an_order_line_names_its_quantity_plainly():
    line = OrderLine(product=ProductFactory(name="矿泉水"), quantity=Decimal("10.00"))
    assert str(line).endswith("矿泉水 × 10")
