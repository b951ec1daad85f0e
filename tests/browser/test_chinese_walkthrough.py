"""The first hour in Chinese (issue 7 §4): a rep, a supervisor, a manager and the archive
custodian open the main pages with a Chinese browser (zh-CN) and read no English.

The data is the demo company (Chinese names, streets and products), seeded small. Every page's
visible text (document.body.innerText: what a person reads, hidden elements excluded) is split
into words; a Latin word that is not on the short allow-list below fails the test, with the page
and the line it stands in. Codes are not words: anything with a digit in it (C0000323, rep01,
QQ-W0550, 550ml, WGS-84, 2026-05-07) passes, so a unit only fails when it stands alone
("22 min", "0.85 h", "±10 m"), which is how it reads to a user.
"""

import io
import re
from collections import defaultdict

import openpyxl
import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from outletcrm.customers import importexport
from outletcrm.customers.models import Customer
from outletcrm.demo.services import default_password, demo_seed
from outletcrm.optimise import services as optimise
from outletcrm.orders.models import Order
from outletcrm.org.models import Role, User
from outletcrm.visits.models import DailyPlan, Route, Visit

pytestmark = pytest.mark.browser

# Latin words a Chinese page may show. Keep it short: each is a name or an established code.
ALLOWED = {
    "OutletCRM",  # the product's name
    "KPI",  # as Chinese business software writes it
    "English",  # the language switcher offers English under its own name
    "Excel", "WPS",  # spreadsheet programs the import page names
    "xlsx",  # the file type to upload (.xlsx)
    "ABC", "A", "B", "C",  # ABC分类 and its classes
    "Z",  # 名称 A→Z, the sort order
    "KB", "MB", "GB",  # file sizes (Django formats them so in Chinese too)
}
WORD = re.compile(r"(?<![0-9A-Za-z])[A-Za-z][A-Za-z0-9]*(?:['’-][A-Za-z0-9]+)*")


def english_words(text: str, allowed: set[str]) -> dict[str, str]:
    """{word: the line it stands in} for each leftover English word in `text`."""
    found = {}
    for line in text.splitlines():
        for word in WORD.findall(line):
            if any(c.isdigit() for c in word) or word in allowed:
                continue
            found.setdefault(word, line.strip()[:120])
    return found


@pytest.fixture
def company(settings, tmp_path):
    """The demo company, small; one day optimised, one route design and one team split done."""
    settings.MEDIA_ROOT = tmp_path
    settings.ROUTING_DAY_SECONDS = 0.3
    settings.ROUTING_DESIGN_SECONDS = 0.6
    settings.ROUTING_TRAVEL_PROVIDER = "haversine"
    # In Chinese, as `seed_demo` runs (an earlier test may have left English active here).
    with translation.override("zh-hans"):
        return _company()


def _company() -> dict:
    demo_seed(outlets=80, reps=12, now=timezone.now(), field=True)
    rep = User.objects.get(username="rep01")
    supervisor = User.objects.get(role=Role.SUPERVISOR, team=rep.team)
    today = timezone.localdate()
    plan = (DailyPlan.objects.filter(rep=rep, date__gte=today, stops__isnull=False)
            .order_by("date").first())
    if plan is not None:
        optimise.optimise_rep_day(actor=supervisor, rep=rep, date=plan.date)
    design = optimise.design_start(actor=supervisor, rep=rep, cycle_weeks=2)
    split = optimise.territory_start(actor=supervisor, team=rep.team, cycle_weeks=2)
    customer = (Customer.objects.filter(owner=rep, contacts__isnull=False,
                                        competitors__isnull=False).order_by("pk").first()
                or Customer.objects.filter(owner=rep).order_by("pk").first())
    return {
        "rep": rep, "supervisor": supervisor, "customer": customer,
        "manager": User.objects.filter(role=Role.MANAGER).order_by("username").first(),
        "custodian": User.objects.get(role=Role.CUSTODIAN),
        "plan_date": plan.date if plan else today,
        "order": Order.objects.filter(customer__owner=rep).order_by("-pk").first(),
        "visit": Visit.objects.filter(rep=rep).order_by("-pk").first(),
        "route": Route.objects.filter(rep=rep).order_by("pk").first(),
        "design": design, "split": split,
        "logins": set(User.objects.values_list("username", flat=True)),
    }


@pytest.fixture
def chinese_tab(chromium, live_server):
    """A desktop browser whose language is Chinese (zh-CN); JavaScript errors fail the test."""
    context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                   base_url=live_server.url,
                                   viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


class Walk:
    """Open pages as one user and collect the English left on each."""

    def __init__(self, tab, allowed):
        self.tab = tab
        self.allowed = allowed
        self.leftovers: dict[str, dict[str, str]] = defaultdict(dict)

    def read(self, name: str, ready: str | None = None, wrong_sense: tuple[str, ...] = ()):
        if ready:
            self.tab.wait_for_selector(ready, state="attached")
        text = self.tab.evaluate("document.body.innerText")
        assert re.search(r"[\u4e00-\u9fff]", text), f"{name}: no Chinese on the page at all"
        for words in wrong_sense:  # another sense's translation of a word this page uses
            assert words not in text, f"{name} shows {words!r}, a word in another sense"
        found = english_words(text, self.allowed)
        if found:
            self.leftovers[name].update(found)

    def page(self, url: str, ready: str | None = None, name: str | None = None,
             wrong_sense: tuple[str, ...] = (), status: int = 200):
        response = self.tab.goto(url)
        answered = response.status if response else None
        assert answered == status, f"{url} answered {answered}"
        self.read(name or url, ready, wrong_sense)

    def log_in(self, username: str, password: str | None = None):
        self.tab.context.clear_cookies()
        self.page("/login/", name="login page")
        self.tab.fill("#id_username", username)
        self.tab.fill("#id_password", password or default_password())
        self.tab.click("button[type=submit]")
        if password is None:
            expect(self.tab).not_to_have_url(re.compile(r"/login/"))
        else:
            self.tab.wait_for_selector("form .alert")
            self.read("login with a wrong password")


def broken_workbook() -> bytes:
    """The import template with one customer whose phone and status are wrong."""
    with translation.override("zh-hans"):
        book = openpyxl.load_workbook(io.BytesIO(importexport.import_template()))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = [""] * len(header)
    for title, value in (("客户名称*", "测试便利店"), ("终端类型*", "便利店"),
                         ("门店电话", "12345"), ("客户状态", "半死不活")):
        row[header.index(title)] = value
    sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def walk_rep(walk: Walk, c: dict):
    tab, customer = walk.tab, c["customer"]
    walk.log_in(c["rep"].username, password="not-the-password")
    walk.log_in(c["rep"].username)
    walk.page("/customers/")
    walk.page(f"/customers/?q={customer.name[:2]}", name="customer search")
    walk.page(f"/customers/{customer.pk}/")
    walk.page(f"/customers/{customer.pk}/edit/")
    tab.fill("#id_name", "")
    tab.locator("form.customer-form [type=submit]").click()
    walk.read("customer edit with an error", ready=".invalid-feedback, .is-invalid")
    walk.page("/customers/new/")
    walk.page("/customers/import/")
    tab.set_input_files("input[type=file]", files=[{
        "name": "客户.xlsx", "buffer": broken_workbook(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    tab.locator("form[enctype] [type=submit]").click()
    tab.wait_for_load_state()
    walk.read("import result")
    walk.page("/orders/")
    if c["order"]:
        walk.page(f"/orders/{c['order'].pk}/")
    walk.page("/orders/new/")
    walk.page(f"/orders/new/{customer.pk}/")
    walk.page("/orders/products/")
    walk.page(f"/visits/plan/?date={c['plan_date']}")
    walk.page("/visits/routes/")
    walk.page("/visits/kpis/", ready="[data-kpi-chart][data-ready]")
    walk.page(f"/optimise/day/?date={c['plan_date']}")
    walk.page("/optimise/territory/", name="a page a rep may not open", status=403)
    # The phone pages (rendered by the field app's scripts).
    walk.page("/m/", ready="#today-summary:not(:empty)")
    walk.page(f"/m/customers/?q={customer.name[:2]}")
    walk.page("/m/tasks/")
    walk.page("/m/sync/", ready="#sync-summary[data-state]")
    walk.page("/m/positions")
    if c["visit"]:
        walk.page(f"/m/visit/{c['visit'].client_id}/", ready="#visit-body:not([hidden])",
                  name="phone visit page")


def walk_supervisor(walk: Walk, c: dict):
    rep = c["rep"]
    walk.log_in(c["supervisor"].username)
    walk.page("/visits/day/")
    walk.page(f"/visits/day/?date={c['plan_date']}")
    # The three words the trial found in the wrong sense (issue 7 §4).
    walk.page(f"/visits/plan/?rep={rep.pk}&date={c['plan_date']}", wrong_sense=("客户状态",))
    walk.page(f"/visits/routes/?rep={rep.pk}")
    if c["route"]:
        walk.page(f"/visits/routes/{c['route'].pk}/")
    walk.page("/visits/routes/new/")
    if c["visit"]:
        walk.page(f"/visits/visit/{c['visit'].pk}/", wrong_sense=("职务",))
    walk.page("/visits/kpis/?group=rep", ready="[data-kpi-chart][data-ready]")
    walk.page(f"/optimise/day/?rep={rep.pk}&date={c['plan_date']}", wrong_sense=("客户状态",))
    walk.page(f"/optimise/design/?rep={rep.pk}")
    walk.page(f"/optimise/design/{c['design'].pk}/")
    walk.page("/optimise/territory/")
    walk.page(f"/optimise/territory/{c['split'].pk}/", wrong_sense=("起始日期", "截止日期"))
    walk.page("/customers/")
    walk.page("/orders/")


def walk_manager(walk: Walk, c: dict):
    walk.log_in(c["manager"].username)
    walk.page("/customers/")
    walk.page("/visits/day/")
    walk.page("/visits/kpis/?group=team", ready="[data-kpi-chart][data-ready]")
    walk.page("/visits/routes/")
    walk.page("/orders/")
    walk.page("/optimise/territory/")


def walk_custodian(walk: Walk, c: dict):
    customer = c["customer"]
    walk.log_in(c["custodian"].username)
    walk.page("/customers/")
    walk.page(f"/customers/{customer.pk}/")
    walk.page(f"/customers/{customer.pk}/merge/")
    walk.page("/customers/import/")
    assert walk.tab.request.get("/customers/export/").ok  # an export, for the audit log to show
    walk.page("/customers/audit/")
    walk.page("/orders/")
    walk.page("/customers/99999999/", name="a page that does not exist", status=404)


@pytest.mark.parametrize("role, walk_pages", [
    ("rep", walk_rep), ("supervisor", walk_supervisor), ("manager", walk_manager),
    ("custodian", walk_custodian),
])
def test_every_main_page_reads_chinese(role, walk_pages, company, chinese_tab, screenshot):
    walk = Walk(chinese_tab, ALLOWED | company["logins"])
    walk_pages(walk, company)
    report = "\n".join(f"  {page}: {word!r} in “{line}”"
                       for page, words in walk.leftovers.items() for word, line in words.items())
    if report:
        screenshot(chinese_tab, f"chinese-walkthrough-{role}")
        pytest.fail(f"English left on the {role}'s pages:\n{report}", pytrace=False)
