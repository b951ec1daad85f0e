"""The bulk import (customers/import_write.py) writes exactly what customer_create row by row
wrote: same customers, contacts, tags, history, timeline, same report, same rejected rows."""

import io
import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outletcrm.core.models import ChangeLog, TimelineEntry
from outletcrm.customers import dedupe, import_write, importexport, services
from outletcrm.customers.importexport import import_customers
from outletcrm.customers.models import Customer
from outletcrm.governance.models import GovernancePolicy
from tests.customers.test_importexport import counts, row, sheet_rows, xlsx
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _customers_after(before_pk: int) -> list[dict]:
    """Everything written for the new customers, with ids and codes replaced by their order."""
    new = list(Customer.objects.filter(pk__gt=before_pk).order_by("pk"))
    code_of = {c.code: f"#{n}" for n, c in enumerate(new)}
    order_of = {c.pk: n for n, c in enumerate(new)}
    skip = {"id", "code", "created_at", "updated_at", "search_text"}
    out = []
    for customer in new:
        values = {f.attname: getattr(customer, f.attname) for f in Customer._meta.concrete_fields
                  if f.attname not in skip}
        values["search_text"] = customer.search_text.replace(customer.code.lower(), "#code")
        values["tags"] = sorted(t.name for t in customer.tags.all())
        values["contacts"] = [
            {"name": c.name, "role": c.role, "decision_role": c.decision_role,
             "mobile": c.mobile, "mobile_hash": c.mobile_hash, "birthday": c.birthday,
             "lunar": c.birthday_is_lunar, "interests": c.interests, "notes": c.notes,
             "primary": c.is_primary, "version": c.version}
            for c in customer.contacts.order_by("pk")]
        values["history"] = [
            (h.object_type, h.action, h.changes, h.note, h.note_message, h.actor_id,
             h.object_repr, h.object_id == customer.pk)
            for h in ChangeLog.objects.filter(customer_id=customer.pk).order_by("pk")]
        values["timeline"] = [
            (t.kind, t.title, t.title_message, t.body, t.actor_id, t.source_type)
            for t in TimelineEntry.objects.filter(customer_id=customer.pk).order_by("pk")]
        values["referred_by_id"] = order_of.get(customer.referred_by_id, customer.referred_by_id)
        out.append(values)
    return out, code_of


def _report(result, code_of) -> dict:
    def match(m):
        return (m.customer_id if m.code not in code_of else None, code_of.get(m.code, m.code),
                m.name, m.reason, m.detail)

    return {
        "ok": result.ok, "created": result.created_count, "errors": result.errors,
        "error_count": result.error_count, "duplicate_count": result.duplicate_count,
        "rejected_count": result.rejected_count,
        "duplicates": [(d.row, [match(m) for m in d.matches]) for d in result.duplicates],
        "rejected": sheet_rows(result.rejected_workbook) if result.rejected_workbook else None,
    }


def outcome(actor, data: bytes, *, per_row: bool, skip_invalid: bool = False):
    """Import, read back what was written, and undo it all (so both paths start equal)."""
    before_pk = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    before = counts()
    captured = {}
    try:
        with transaction.atomic():
            result = import_customers(actor=actor, fileobj=io.BytesIO(data), filename="x.xlsx",
                                      skip_invalid=skip_invalid, per_row=per_row)
            written, code_of = _customers_after(before_pk)
            captured.update(report=_report(result, code_of), written=written,
                            added=tuple(a - b for a, b in zip(counts(), before, strict=True)))
            raise _Undo
    except _Undo:
        pass
    return captured


def assert_same(actor, data, **kwargs):
    reference = outcome(actor, data, per_row=True, **kwargs)
    bulk = outcome(actor, data, per_row=False, **kwargs)
    assert bulk["report"] == reference["report"]
    assert bulk["written"] == reference["written"]
    assert bulk["added"] == reference["added"]
    return bulk


def full_row(**values):
    return row(
        channel="现代渠道（商超/连锁）", latitude=30.2871234, longitude="120.1183",
        phone="13912345678", opens_at="08:00", closes_at="22:30", floor_area="350.5",
        staff_count=12, years_in_business="6", brands="康师傅，农夫山泉、娃哈哈", source="扫街",
        status="既成客户", customer_class="重点客户", abc_class="A类（关键）",
        tags="社区店, 24小时", notes="门口可停车", contact_name="王建国", contact_role="店长",
        contact_decision_role="决策者", contact_mobile="139 1234 0000",
        contact_birthday="1975/8/15", contact_lunar="是", contact_interests="钓鱼", **values)


def test_every_column_is_written_as_customer_create_writes_it(cast):
    bulk = assert_same(cast.sup, xlsx([
        full_row(owner="alice"), row(name="老街药房", outlet_type="药店", tags="社区店, 新标签",
                                     owner="alice"),
        row(owner="bob", source="转介绍", referred_by=cast.alice_customer.code)]))
    assert bulk["report"]["created"] == 3
    assert bulk["written"][0]["contacts"][0]["mobile"] == "13912340000"


def test_a_bad_row_or_duplicate_stops_the_file_in_both_paths(cast):
    data = xlsx([row(), row(staff_count="lots"), row(phone="13800000001")])
    bulk = assert_same(cast.alice, data)
    assert bulk["added"] == (0, 0, 0, 0, 0, 0)


def test_skip_invalid_gives_the_same_rows_and_rejected_workbook(cast):
    bulk = assert_same(cast.alice, xlsx([
        row(), row(staff_count="lots"), row(phone="13800000001"), row(name="甲", phone="13811112222"),
        row(name="乙", contact_name="乙", contact_mobile="13811112222")]), skip_invalid=True)
    assert bulk["report"]["created"] == 2 and bulk["report"]["rejected_count"] == 3


def test_a_near_identical_name_nearby_in_the_same_file_is_a_duplicate(cast):
    near = {"latitude": "30.2800", "longitude": "120.1500"}
    data = xlsx([row(name="联华超市文三路店", **near), row(name="联华超市文三路店.", **{
        "latitude": "30.2801", "longitude": "120.1500"}), row(name="别的店", **near)])
    bulk = assert_same(cast.alice, data, skip_invalid=True)
    assert bulk["report"]["created"] == 2
    [(number, [match])] = bulk["report"]["duplicates"]
    assert number == 3 and match[3] == "nearby_name" and "2" in match[4]
    assert_same(cast.alice, data)  # all-or-nothing: nothing at all


def test_the_approval_gate_holds_rows_the_same_way(cast):
    policy = GovernancePolicy.current()
    policy.new_customers_need_approval = True
    policy.save()
    bulk = assert_same(cast.alice, xlsx([row(), row()]), skip_invalid=True)
    assert bulk["report"]["created"] == 0 and bulk["report"]["error_count"] == 2
    assert_same(cast.custodian, xlsx([row(owner="alice")]))


def test_a_duplicate_filed_while_the_file_was_checked_is_caught_in_the_write(cast, monkeypatch):
    """Planning holds no lock, so someone may file the same outlet meanwhile."""
    checked = importexport._Importer._find_duplicates
    phones = ["13955556666", "13955557777"]

    def check_then_someone_files_it(self, rows):
        checked(self, rows)
        services.customer_create(actor=cast.bob, name="抢先建档", outlet_type=rows[0].fields[
            "outlet_type"], phone=phones.pop(0))

    monkeypatch.setattr(importexport._Importer, "_find_duplicates", check_then_someone_files_it)
    data = xlsx([row(), row(phone="13955556666")])
    before = counts()
    result = import_customers(actor=cast.alice, fileobj=io.BytesIO(data), filename="x.xlsx")
    assert not result.ok and result.created_count == 0
    assert [(d.row, d.matches[0].reason) for d in result.duplicates] == [(3, "phone")]
    assert counts()[0] == before[0] + 1  # only the other user's customer
    result = import_customers(actor=cast.alice, fileobj=io.BytesIO(xlsx([row(), row(
        contact_name="张三", contact_mobile="13955557777")])), filename="x.xlsx", skip_invalid=True)
    assert result.created_count == 1 and result.duplicates[0].row == 3


def test_queries_do_not_grow_with_the_rows(cast, django_assert_max_num_queries):
    def run(n):
        # Coordinates add one query per map cell (1 km), whatever the number of rows in it.
        rows = [row(latitude=f"{n % 50}.2{i}", longitude="120.15") if i < 6 else row()
                for i in range(n)]
        data = xlsx(rows)
        with django_assert_max_num_queries(60) as captured:
            result = import_customers(actor=cast.alice, fileobj=io.BytesIO(data), filename="x")
        assert result.ok
        return len(captured)

    assert run(300) <= run(30) + 5


_names = st.sampled_from(["联华超市", "联华超市。", "好又多便利店", "老街药房", "新华书店", "世纪联华"])
# None: the row's own unique phone; the others make duplicates (13800000001 is on file).
_phones = st.sampled_from([None, None, None, None, "", "13800000001", "13811112222"])
_coords = st.sampled_from([None, ("30.2800", "120.1500"), ("30.2803", "120.1502"),
                           ("30.3000", "120.1500"), ("30.2800", "120.1509")])
_rows = st.lists(st.fixed_dictionaries({
    "name": _names, "phone": _phones, "coords": _coords,
    "mobile": st.sampled_from(["", "", "", "13811112222", "13922223333", "123"]),
    "address": st.sampled_from(["", "文三路100号", "文二路8号"]),
    "tags": st.sampled_from(["", "甲", "甲,乙", "新"]),
    "staff": st.sampled_from([None, None, None, 3, "lots"]),
}), min_size=1, max_size=8)
_serial = itertools.count()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=_rows, skip_invalid=st.booleans())
def test_bulk_equals_row_by_row_on_random_files(cast, specs, skip_invalid):
    CustomerFactory.create(name="老街药房", owner=cast.bob, latitude=Decimal("30.2801"),
                           longitude=Decimal("120.1501"), address=f"某路{next(_serial)}号")
    rows = []
    for spec in specs:
        values = {"name": spec["name"], "address": spec["address"], "tags": spec["tags"],
                  "staff_count": spec["staff"], "province": "", "city": "", "district": ""}
        if spec["phone"] is not None:
            values["phone"] = spec["phone"]
        if spec["coords"]:
            values["latitude"], values["longitude"] = spec["coords"]
        if spec["mobile"]:
            values.update(contact_name="张三", contact_mobile=spec["mobile"])
        rows.append(row(**values))
    assert_same(cast.alice, xlsx(rows), skip_invalid=skip_invalid)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(points=st.lists(st.tuples(_names, st.integers(-60, 60), st.integers(-60, 60)),
                       min_size=1, max_size=6))
def test_nearby_matches_is_find_duplicates_per_point(cast, points):
    """One query per map cell finds what find_duplicates finds for each point."""
    for n, (name, dy, dx) in enumerate(points[:3]):
        CustomerFactory.create(name=name, owner=cast.bob, address=f"某路{n}号",
                               latitude=Decimal("30.28") + Decimal(dy) / 100000,
                               longitude=Decimal("120.15") + Decimal(dx) / 100000)
    queries = [(name, Decimal("30.28") + Decimal(dx) / 90000,
                Decimal("120.15") + Decimal(dy) / 70000) for name, dy, dx in points]
    assert import_write.nearby_matches(queries) == [
        dedupe.find_duplicates(name=name, latitude=lat, longitude=lng)
        for name, lat, lng in queries]
