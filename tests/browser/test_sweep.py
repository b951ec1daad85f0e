"""A street sweep on the phone, in headless Chromium (issue 8, quality bar).

A rep sweeps three outlets (one a duplicate of a customer already in the archive), starts one
outlet's survey form on the first day and completes it on a second visit the next day, the
second part without signal; each day she submits her sweep daily report, and her supervisor
sees both reports the same day, flagged unread, reads them and comments.

The two days are real days for both clocks: the server's (time-machine; the live server runs in
this process) and the page's (Playwright's clock, which the phone uses as device time), so the
contacts, the answers and the reports are dated as they would be in the field.
"""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from outletcrm.customers.models import Customer
from outletcrm.development import services
from outletcrm.development.choices import OutletOutcome, ReportKind
from outletcrm.development.models import (
    Report,
    ReportComment,
    SurveyAnswer,
    SweepContact,
    SweepOutlet,
)
from tests.browser.conftest import bounded, note_csp_violation
from tests.development.conftest import AREA, FORM

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
HERE = {"latitude": 30.275, "longitude": 120.125}  # inside the campaign's area
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(buf, format="JPEG")
    return buf.getvalue()


def _cookie(live_server, user) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value,
            "url": live_server.url}


def _watch(page, errors: list[str]) -> None:
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: note_csp_violation(message, errors))


def _wait_synced(page) -> None:
    """The phone's own signal that its queue is empty (call it once something was queued)."""
    page.wait_for_selector("#sync-badge[data-state='synced']")


def _outlet_row(page, name):
    return page.get_by_test_id("sweep-outlet").filter(has_text=name)


def _record_new(page, name, phone, *, photo=False):
    page.get_by_test_id("sweep-new").click()
    page.fill("#sw-name", name)
    page.fill("#sw-phone", phone)
    page.fill("#sw-address", f"{name}门口")
    if photo:
        page.set_input_files("#sw-photo", files=[
            {"name": "front.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.get_by_test_id("sweep-save-outlet").click()


def _submit_daily_report(page, remarks, next_steps):
    page.get_by_test_id("sweep-daily-report").click()
    page.wait_for_url("**/development/reports/*/")
    page.fill("#id_remarks", remarks)
    page.fill("#id_next_steps", next_steps)
    page.get_by_test_id("submit-report").click()
    expect(page.get_by_test_id("report-state")).to_contain_text("Submitted")


@pytest.fixture
def sweep_days(transactional_db, cast, settings, tmp_path):
    """A campaign of team_hz running over yesterday and today, with a three-question form."""
    settings.MEDIA_ROOT = tmp_path
    today = datetime.datetime.now(TZ).date()
    day_one = datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(10),
                                        tzinfo=TZ)
    with time_machine.travel(day_one, tick=True):
        template = services.template_save(actor=cast.sup, name="短表", definition=FORM)
        campaign = services.campaign_save(
            actor=cast.sup, name="文三路扫街", team=cast.team_hz, members=[cast.alice],
            starts_on=day_one.date() - datetime.timedelta(days=2),
            ends_on=day_one.date() + datetime.timedelta(days=7), area=AREA, template=template,
            grid_m=500)
    return {"campaign": campaign, "day_one": day_one,
            "day_two": day_one + datetime.timedelta(days=1, minutes=-30)}


def test_a_rep_sweeps_three_outlets_completes_a_form_over_two_visits_and_the_supervisor_reads(
        chromium, live_server, cast, sweep_days, screenshot):
    campaign = sweep_days["campaign"]
    archive_before = Customer.objects.count()
    errors: list[str] = []
    phone_ctx = bounded(chromium.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-US",
        timezone_id="Asia/Shanghai", permissions=["geolocation"], geolocation=HERE,
        base_url=live_server.url))

    # --- Day one: three outlets met, one of them already in the archive ---------------------
    with time_machine.travel(sweep_days["day_one"], tick=True):
        phone_ctx.clock.install(time=sweep_days["day_one"])
        phone_ctx.add_cookies([_cookie(live_server, cast.alice)])
        page = phone_ctx.new_page()
        _watch(page, errors)
        page.goto("/m/sweeps/")
        page.get_by_test_id("sweep-campaign").filter(has_text="文三路扫街").click()
        page.wait_for_selector("#sweep[data-ready='1']")

        # 1. A new shop, with its storefront photo; its form opens and gets a first answer.
        _record_new(page, "文三路便利店", "13911112222", photo=True)
        expect(page.locator("#sw-form")).to_be_visible()
        expect(page.locator("#sw-form-title")).to_have_text("文三路便利店")
        page.locator("#sw-questions select[data-q]").select_option("临街")
        page.get_by_test_id("sweep-save-answers").click()
        expect(page.get_by_test_id("sweep-progress")).to_contain_text("1 of 3 answered")
        _wait_synced(page)

        # 2. The archive already holds this shop (same phone): "it's this one", nothing filed.
        _record_new(page, "联华超市", cast.alice_customer.phone)
        dupes = page.get_by_test_id("sweep-dupes")
        expect(dupes).to_be_visible()
        expect(dupes).to_contain_text(cast.alice_customer.code)
        expect(dupes).to_contain_text("Same phone number")
        page.get_by_test_id("sweep-its-this").click()
        expect(page.locator("#sw-form-title")).to_have_text("联华超市")
        page.click("#sw-form-close")
        _wait_synced(page)

        # 3. Another new shop, met where there is no signal: it waits on the phone (no
        # duplicate check there; the server checks on upload). When the signal is back, the
        # server files it but its answer is lost on the way; the phone sends it again and the
        # server recognises the record by its client id: one outlet, one customer.
        phone_ctx.set_offline(True)
        page.wait_for_selector("#net-banner:not([hidden])")
        _record_new(page, "新街口水果店", "13933334444")
        expect(page.locator("#sw-form-title")).to_have_text("新街口水果店")
        page.click("#sw-form-close")
        page.wait_for_selector("#sync-badge[data-state='offline'][data-pending='1']")
        expect(_outlet_row(page, "新街口水果店")).to_contain_text("Waiting to upload")
        assert not SweepOutlet.objects.filter(name="新街口水果店").exists()
        lost: list[int] = []

        def lose_the_first_answer(route):
            if lost:
                route.continue_()
                return
            lost.append(route.fetch().status)  # the server applies the batch…
            route.abort("connectionreset")  # …and the phone never hears back

        page.route("**/api/v1/sync", lose_the_first_answer)
        phone_ctx.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        _wait_synced(page)  # after the retry, which the server answers "duplicate"
        assert lost == [200]
        page.unroute("**/api/v1/sync")
        expect(page.get_by_test_id("sweep-outlet")).to_have_count(3)
        expect(_outlet_row(page, "联华超市")).to_contain_text(cast.alice_customer.code)
        expect(_outlet_row(page, "文三路便利店").get_by_test_id("sweep-percent")).to_have_text("33%")
        screenshot(page, "sweep-day-one")

        outlets = {o.name: o for o in SweepOutlet.objects.select_related("customer")}
        assert set(outlets) == {"文三路便利店", "联华超市", "新街口水果店"}
        assert outlets["联华超市"].outcome == OutletOutcome.EXISTING
        assert outlets["联华超市"].customer == cast.alice_customer
        assert outlets["文三路便利店"].outcome == OutletOutcome.FILED
        assert outlets["文三路便利店"].storefront  # the photo reached the server
        assert Customer.objects.count() == archive_before + 2  # the duplicate was not filed
        assert SweepContact.objects.count() == 3

        # The day's report, drafted from these records, completed and submitted.
        _submit_daily_report(page, "文三路北段扫完", "明天回访文三路便利店")
        expect(page.get_by_test_id("report-counts")).to_contain_text("3")
        page.close()

    # --- Day two: the second visit completes the form, the last part without signal ---------
    with time_machine.travel(sweep_days["day_two"], tick=True):
        phone_ctx.clock.set_system_time(sweep_days["day_two"])
        phone_ctx.add_cookies([_cookie(live_server, cast.alice)])  # signed in again this morning
        page = phone_ctx.new_page()
        _watch(page, errors)
        page.goto(f"/m/sweeps/{campaign.pk}/")
        page.wait_for_selector("#sweep[data-ready='1']")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.wait_for_selector("#sweep[data-ready='1']")

        first = SweepOutlet.objects.get(name="文三路便利店")
        _outlet_row(page, "文三路便利店").locator("[data-survey]").click()
        expect(page.get_by_test_id("sweep-progress")).to_contain_text("1 of 3 answered")
        page.locator("#sw-questions input[type=number]").fill("35")
        page.get_by_test_id("sweep-save-answers").click()
        expect(page.get_by_test_id("sweep-progress")).to_contain_text("2 of 3 answered")
        _wait_synced(page)
        expect(page.locator("#sweep[data-refreshed]")).to_have_count(1)

        # The signal goes; the page comes from the service worker's cache (its copy of this
        # morning's load, older than the answer just saved: the phone shows its newer copy).
        phone_ctx.set_offline(True)
        page.reload()
        page.wait_for_selector("#sweep[data-ready='1']")
        page.wait_for_selector("#net-banner:not([hidden])")
        expect(_outlet_row(page, "文三路便利店").get_by_test_id("sweep-percent")).to_have_text("66%")
        _outlet_row(page, "文三路便利店").locator("[data-survey]").click()
        expect(page.get_by_test_id("sweep-progress")).to_contain_text("2 of 3 answered")
        page.locator("#sw-questions textarea").fill("价格和距离")
        page.get_by_test_id("sweep-save-answers").click()
        expect(page.get_by_test_id("sweep-progress")).to_contain_text("100% complete")
        page.wait_for_selector("#sync-badge[data-state='offline'][data-pending='1']")
        screenshot(page, "sweep-day-two-offline")
        assert SurveyAnswer.objects.filter(outlet=first).count() == 2  # the last on the phone

        phone_ctx.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        _wait_synced(page)
        expect(_outlet_row(page, "文三路便利店").get_by_test_id("sweep-percent")).to_have_text("100%")
        first.refresh_from_db()
        assert first.completeness == 100 and first.completed_at is not None
        assert SurveyAnswer.objects.filter(outlet=first).count() == 3
        assert SweepContact.objects.filter(outlet=first).count() == 2  # two visits, two days

        _submit_daily_report(page, "文三路便利店调查表已完成", "联系店主谈合作")
        page.close()

        # --- The supervisor, the same day: both reports flagged unread --------------------
        desk_ctx = bounded(chromium.new_context(
            viewport={"width": 1280, "height": 900}, locale="en-US",
            timezone_id="Asia/Shanghai", base_url=live_server.url))
        desk_ctx.add_cookies([_cookie(live_server, cast.sup)])
        desk = desk_ctx.new_page()
        _watch(desk, errors)
        desk.goto("/development/reports/?unread=1")
        rows = desk.locator("tr[data-report]").filter(has=desk.get_by_test_id("unread"))
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("王丽")

        day_one_report = Report.objects.get(kind=ReportKind.SWEEP_DAILY,
                                            period_start=sweep_days["day_one"].date())
        desk.goto(f"/development/reports/{day_one_report.pk}/")
        table = desk.get_by_test_id("report-table")
        for name in ("文三路便利店", "联华超市", "新街口水果店"):
            expect(table).to_contain_text(name)
        counts = desk.get_by_test_id("report-counts")
        expect(counts.locator("[data-count='1']")).to_have_text("3")  # outlets met
        expect(counts.locator("[data-count='2']")).to_have_text("2")  # new outlets filed
        expect(desk.locator(".sweep-text").first).to_have_text("文三路北段扫完")

        day_two_report = Report.objects.get(kind=ReportKind.SWEEP_DAILY,
                                            period_start=sweep_days["day_two"].date())
        desk.goto(f"/development/reports/{day_two_report.pk}/")
        counts = desk.get_by_test_id("report-counts")
        expect(counts.locator("[data-count='1']")).to_have_text("1")  # outlets met
        expect(counts.locator("[data-count='5']")).to_have_text("1")  # forms completed
        expect(desk.get_by_test_id("report-table")).to_contain_text("100")
        desk.fill("#id_text", "很好，尽快约店主面谈")
        desk.get_by_test_id("add-comment").click()
        expect(desk.get_by_test_id("comments")).to_contain_text("很好，尽快约店主面谈")
        screenshot(desk, "sweep-report-supervisor")
        desk.goto("/development/reports/?unread=1")
        expect(desk.locator("tr[data-report]")).to_have_count(0)
        assert all(r.read_by == cast.sup for r in Report.objects.all())
        assert ReportComment.objects.get().report == day_two_report
        desk_ctx.close()

    phone_ctx.close()
    assert errors == [], f"JavaScript errors or CSP violations: {errors}"
