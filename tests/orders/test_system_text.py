"""Order, payment and return entries on a customer's timeline read in the reader's language,
whatever language their writer browsed in (core.i18n); a return kind inside a title too."""

import pytest
from django.utils import translation

from outletcrm.core.models import TimelineEntry
from outletcrm.orders.models import ReturnClaim
from outletcrm.orders.services import (
    order_cancel,
    order_confirm,
    order_deliver,
    payment_record,
    return_approve,
    return_record,
    return_refuse,
)

pytestmark = pytest.mark.django_db


def titles(customer, language: str) -> list[str]:
    entries = TimelineEntry.objects.filter(customer_id=customer.pk).order_by("pk")
    with translation.override(language):
        return [entry.title_text for entry in entries]


def test_order_payment_and_return_titles_written_in_english_read_in_each_readers_language(
        cast, make_order):
    with translation.override("en"):
        order = make_order(cast.alice, cast.alice_customer, quantity=200)  # ¥2,000
        order_confirm(actor=cast.sup, order=order)
        order_deliver(actor=cast.sup, order=order)
        payment_record(actor=cast.alice, order=order, amount="100")
        discount = return_record(actor=cast.alice, customer=cast.alice_customer, order=order,
                                 amount="600", reason="陈列补贴", kind=ReturnClaim.Kind.DISCOUNT)
        return_approve(actor=cast.sup, claim=discount, note="同意")
        claim = return_record(actor=cast.alice, customer=cast.alice_customer, order=order,
                              amount="700", reason="破损", kind=ReturnClaim.Kind.CLAIM)
        return_refuse(actor=cast.sup, claim=claim, note="证据不足")
        small = return_record(actor=cast.alice, customer=cast.alice_customer, order=order,
                              amount="20", reason="退两箱", kind=ReturnClaim.Kind.RETURN)
        cancelled = make_order(cast.alice, cast.alice_customer, quantity=1)
        order_cancel(actor=cast.alice, order=cancelled, reason="客户不要了")
    code = order.code
    assert small.status == ReturnClaim.Status.APPROVED
    assert titles(cast.alice_customer, "zh-hans") == [
        f"订单 {code}：¥2000.00", f"订单 {code} 已确认", f"订单 {code} 已送达",
        f"回款 ¥100.00（订单 {code}）", "折让 ¥600.00（待审批）", "折让 ¥600.00 已批准",
        "索赔 ¥700.00（待审批）", "索赔 ¥700.00 已驳回", "退货 ¥20.00",
        f"订单 {cancelled.code}：¥10.00", f"订单 {cancelled.code} 已取消"]
    assert titles(cast.alice_customer, "en") == [
        f"Order {code}: ¥2000.00", f"Order {code} confirmed", f"Order {code} delivered",
        f"Payment ¥100.00 for {code}", "Discount ¥600.00 awaiting approval",
        "Discount ¥600.00 approved", "Claim ¥700.00 awaiting approval", "Claim ¥700.00 refused",
        "Return ¥20.00", f"Order {cancelled.code}: ¥10.00", f"Order {cancelled.code} cancelled"]
    bodies = set(TimelineEntry.objects.values_list("body", flat=True))
    assert {"陈列补贴", "同意", "证据不足", "客户不要了"} <= bodies  # typed text stays as typed


def test_titles_written_in_chinese_read_english_on_the_customers_page(
        cast, make_order, page_client):
    with translation.override("zh-hans"):
        order = make_order(cast.alice, cast.alice_customer, quantity=3)
        order_confirm(actor=cast.sup, order=order)
    body = page_client(cast.alice).get(f"/customers/{cast.alice_customer.pk}/").content.decode()
    assert f"Order {order.code} confirmed" in body and "已确认" not in body
