"""The scoring arithmetic on hand-made data (issue 8 quality bar): weights not summing to 100,
missing values, values far beyond the standard, zero standards, lower-is-better indicators."""

import pytest
from django.core.exceptions import ValidationError

from outletcrm.evaluation import scoring
from outletcrm.evaluation.models import Evaluation, ManualValue
from outletcrm.evaluation.services import evaluate, scoring_model_save
from tests.evaluation.conftest import DAY, place_orders, small_model


def definition(*indicators, bands=None):
    weights = scoring.effective_weights([i["weight"] for i in indicators])
    return {"indicators": [{"code": f"i{n}", "direction": "higher", "cap": "1", **i,
                            "effective_weight": w}
                           for n, (i, w) in enumerate(zip(indicators, weights, strict=True))],
            "bands": bands or [{"grade": "A", "min_score": "80"}, {"grade": "B",
                                                                   "min_score": "50"}]}


def test_weights_not_summing_to_100_count_in_proportion():
    assert scoring.effective_weights([20, 20, 40]) == [25.0, 25.0, 50.0]
    model = definition({"weight": 20, "standard": 10}, {"weight": 20, "standard": 10},
                       {"weight": 40, "standard": 10})
    total, grade, lines = scoring.score(model, {"i0": 10, "i1": 5, "i2": 10})
    # 25 × 1 + 25 × 0.5 + 50 × 1
    assert [line[2] for line in lines] == [25.0, 12.5, 50.0]
    assert (total, grade) == (87.5, "A")


def test_missing_value_scores_zero_and_says_missing():
    model = definition({"weight": 50, "standard": 10}, {"weight": 50, "standard": 10})
    total, grade, lines = scoring.score(model, {"i0": 10})
    assert lines[1] == [None, None, 0.0, "missing"]
    assert (total, grade) == (50.0, "B")


def test_far_beyond_standard_is_capped():
    model = definition({"weight": 100, "standard": 10, "cap": "1.2"})
    total, _grade, lines = scoring.score(model, {"i0": 1_000_000})
    assert lines[0] == [1000000.0, 1.2, 120.0, "capped"]
    assert total == 120.0


def test_zero_standard_scores_zero_without_crashing():
    model = definition({"weight": 50, "standard": "0"}, {"weight": 50, "standard": 4})
    total, _grade, lines = scoring.score(model, {"i0": 7, "i1": 2})
    assert lines[0][2:] == [0.0, "zero_standard"]
    assert total == 25.0


def test_lower_is_better():
    model = definition({"weight": 100, "standard": 30, "direction": "lower", "cap": "1"})
    assert scoring.score(model, {"i0": 60})[2][0][1:3] == [0.5, 50.0]
    assert scoring.score(model, {"i0": 0})[2][0][1:3] == [1.0, 100.0]  # never late: the cap
    assert scoring.score(model, {"i0": 10})[2][0][3] == "capped"


def test_negative_actual_scores_zero():
    model = definition({"weight": 100, "standard": 10})
    assert scoring.score(model, {"i0": -5})[2][0][1:3] == [0.0, 0.0]


def test_grade_below_the_lowest_band_is_empty():
    model = definition({"weight": 100, "standard": 10})
    assert scoring.score(model, {"i0": 1})[1] == ""


def test_run_scores_from_orders_and_hand_entered_values(cast, time_machine):
    time_machine.move_to("2026-06-10 12:00 +0800")
    small_model(cast.admin, weights=(30, 50))  # 80 in all: 37.5 and 62.5
    place_orders(cast.alice_customer, [5, 40, 400], total=[600, 1200, 5000])  # 1,800 in 12 m
    ManualValue.objects.create(customer=cast.alice_customer, key="mgmt", value=4)
    evaluate(day=DAY)
    ev = Evaluation.objects.get(customer=cast.alice_customer)
    lines = {line["code"]: line for line in ev.indicator_lines}
    assert lines["value"]["actual"] == 1800.0
    assert lines["value"]["points"] == 56.25  # 37.5 × 1.8, capped at 1.5
    assert lines["value"]["status"] == "capped"
    assert lines["mgmt"]["points"] == 25.0  # 62.5 × 0.4
    assert float(ev.total) == 81.25 and ev.grade == "A"
    assert ev.orders_12m == 2 and float(ev.value_12m) == 1800.0
    bob = Evaluation.objects.get(customer=cast.bob_customer)
    assert [line["status"] for line in bob.indicator_lines] == ["scored", "missing"]
    assert float(bob.total) == 0.0  # no order: value 0 (known), management missing


@pytest.mark.parametrize("change, message", [
    ({"standard": 0}, "标准值必须大于 0"),
    ({"standard": "abc"}, "必须是数字"),
    ({"weight": -1}, "权重必须在 0 到 1000 之间"),
    ({"source": "nowhere"}, "未知的数据来源"),
    ({"source_key": "nothing"}, "该来源没有取值"),
    ({"cap": "9"}, "封顶倍数必须在 1 到 3 之间"),
    ({"direction": "sideways"}, "方向只能是"),
])
def test_bad_indicator_is_rejected_with_its_row(cast, change, message):
    row = {"code": "v", "name": "进货额", "source": "orders", "source_key": "value_12m",
           "weight": 100, "standard": 1000, **change}
    with pytest.raises(ValidationError) as caught:
        scoring_model_save(actor=cast.admin, name="坏模型", indicators=[row],
                           bands=[{"grade": "A", "min_score": 0}])
    text = " ".join(caught.value.message_dict["indicators"])
    assert message in text  # in the user's language (Chinese by default), naming the row
    assert text.startswith("第 1 个指标")


def test_bad_models_are_rejected(cast):
    good = {"code": "v", "name": "进货额", "source": "orders", "source_key": "value_12m",
            "weight": 0, "standard": 1000}
    with pytest.raises(ValidationError) as caught:
        scoring_model_save(actor=cast.admin, name="", indicators=[good, dict(good)],
                           bands=[{"grade": "A", "min_score": 0}, {"grade": "A", "min_score": 0}])
    errors = caught.value.message_dict
    assert set(errors) == {"name", "indicators", "bands"}
    with pytest.raises(ValidationError, match="权重必须大于 0"):
        scoring_model_save(actor=cast.admin, name="零权重", indicators=[good],
                           bands=[{"grade": "A", "min_score": 0}])
    with pytest.raises(ValidationError):
        scoring_model_save(actor=cast.admin, name="无指标", indicators=[], bands=[])


def test_payment_punctuality(cast, time_machine):
    """Three orders due before the run day: one paid in full on its due day (late evening,
    local time), one paid 12 days late, one still open 20 days after its due date."""
    import datetime
    import uuid
    from decimal import Decimal

    from outletcrm.evaluation import sources
    from outletcrm.orders.models import Payment
    from tests.evaluation.conftest import TZ

    time_machine.move_to("2026-06-10 12:00 +0800")
    on_time, late, unpaid = place_orders(cast.alice_customer, [60, 50, 40], total=1000)
    for order, due, paid_on in ((on_time, DAY - datetime.timedelta(days=30), 30),
                                (late, DAY - datetime.timedelta(days=25), 13),
                                (unpaid, DAY - datetime.timedelta(days=20), None)):
        order.due_date = due
        order.save(update_fields=["due_date"])
        if paid_on is not None:
            at = datetime.datetime.combine(DAY - datetime.timedelta(days=paid_on),
                                           datetime.time(23, 30), tzinfo=TZ)
            Payment.objects.create(order=order, customer=order.customer, amount=Decimal(600),
                                   collected_by=cast.alice, paid_at=at, client_id=uuid.uuid4())
            Payment.objects.create(order=order, customer=order.customer, amount=Decimal(400),
                                   collected_by=cast.alice, paid_at=at, client_id=uuid.uuid4())
    values = sources.payment_values(["on_time_rate", "max_days_overdue"], DAY, None)
    assert values["on_time_rate"] == {cast.alice_customer.pk: 33.33}
    assert values["max_days_overdue"] == {cast.alice_customer.pk: 20}
    only = sources.payment_values(["max_days_overdue"], DAY, [cast.bob_customer.pk,
                                                              cast.alice_customer.pk])
    assert only["max_days_overdue"] == {cast.alice_customer.pk: 20}
    unpaid.delete()
    values = sources.payment_values(["max_days_overdue"], DAY, None)
    assert values["max_days_overdue"] == {cast.alice_customer.pk: 12}
