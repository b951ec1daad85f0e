"""A rep's day on the phone, in headless Chromium with a faked position (issue 3, quality bar).

Check in on site and off site, tick steps, take a photo, take an order, check out; then lose
the signal, record a visit, get the signal back: the visit reaches the server exactly once.
"""

import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from outletcrm.orders.models import Order, PriceList, PriceListItem
from outletcrm.visits.models import DailyPlan, PlannedStop, Visit, VisitPhoto
from tests.browser.conftest import bounded, note_csp_violation
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("FIELD_SCREENSHOTS", "/tmp/outletcrm-field-shots"))
PHONE = {"width": 390, "height": 844}

A = {"latitude": 30.277000, "longitude": 120.130000}  # 联华超市文三店
B = {"latitude": 30.281000, "longitude": 120.141000}  # 好邻居便利店
C = {"latitude": 30.268000, "longitude": 120.120000}  # 村口小卖部


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 150, 90)).save(buf, format="JPEG")
    return buf.getvalue()


@pytest.fixture
def field_day(transactional_db, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rep = cast.alice
    today = timezone.localdate()
    shops = [CustomerFactory(owner=rep, name=name, latitude=Decimal(str(p["latitude"])),
                             longitude=Decimal(str(p["longitude"])))
             for name, p in (("联华超市文三店", A), ("好邻居便利店", B), ("村口小卖部", C))]
    plan = DailyPlan.objects.create(rep=rep, date=today)
    for i, shop in enumerate(shops, start=1):
        PlannedStop.objects.create(plan=plan, rep=rep, date=today, customer=shop, position=i)
    product = ProductFactory(name="矿泉水550ml", spec="24瓶")
    prices = PriceList.objects.create(name="标准价", is_default=True)
    PriceListItem.objects.create(price_list=prices, product=product, unit_price="24.00")
    return {"rep": rep, "shops": shops, "product": product}


@pytest.fixture
def phone(chromium, live_server, field_day):
    client = Client()
    client.force_login(field_day["rep"])
    context = chromium.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
        locale="zh-CN", timezone_id="Asia/Shanghai", permissions=["geolocation"],
        geolocation=A, base_url=live_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    bounded(context)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: note_csp_violation(message, violations))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield context, page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert violations == [], f"Content Security Policy violations: {violations}"


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def stop(page, index):
    return page.locator(f"#stops li[data-index='{index}']")


def check_in_at(context, page, index, position):
    context.set_geolocation(position)
    stop(page, index).locator("[data-action=check-in]").click()
    page.wait_for_url("**/m/visit/*/")
    page.wait_for_selector("#visit-body:not([hidden])")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def back_online(context, page):
    """End the offline emulation, and send the page the "online" event a phone sends then.

    Chromium's emulation leaves navigator.onLine true on a page its service worker served
    while offline, so it fires no "online" event of its own; the app would then find the
    network again only on its retry timer (up to a minute), which is not what is tested here.
    """
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")


def wait_synced(page):
    """The phone's own signal that its queue is empty: every record reached the server.

    Call it only once the page shows that the record was queued (the badge turns "pending" as
    the record is stored, so it never reads "synced" while something waits)."""
    page.wait_for_selector("#sync-badge[data-state='synced']")


def test_a_rep_runs_a_day_and_an_offline_visit_syncs_once(phone, field_day):
    context, page = phone
    page.goto("/m/")
    page.wait_for_selector("#stops li[data-index='2']")
    shot(page, "01-today")
    assert "联华超市文三店" in stop(page, 0).inner_text()

    # 1. On site: check in, tick steps, save the record, a live photo, an order, check out.
    visit_a = check_in_at(context, page, 0, A)
    assert page.get_attribute("#v-distance", "data-off-site") == "0"
    boxes = page.locator("#v-steps input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("#v-hard input[data-key='display']").check()
    page.fill("#v-notes", "货架陈列良好")
    page.click("#save-record")
    page.set_input_files("#photo-camera", files=[
        {"name": "shelf.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    line = page.locator("#order-lines .m-line").first
    line.locator("select[data-field=product]").select_option(str(field_day["product"].pk))
    line.locator("input[data-field=quantity]").fill("5")
    line.locator("input[data-field=discount]").fill("10")
    expect(page.locator("#order-total")).to_have_text("¥108.00")
    page.click("#submit-order")
    page.wait_for_selector("#v-orders li[data-order]")  # queued on the phone
    shot(page, "02-visit-on-site")
    page.click("#check-out")
    page.wait_for_selector("#v-duration[data-done='1']")
    wait_synced(page)
    visit = Visit.objects.get(client_id=visit_a)
    assert visit.status == "done"
    assert not visit.off_site and visit.is_planned and visit.notes == "货架陈列良好"
    assert [s.done for s in visit.steps.all()][:3] == [True, True, False]
    assert visit.hard_terminal.get("display") is True
    assert VisitPhoto.objects.filter(visit=visit, captured_live=True).count() == 1
    assert Order.objects.get().total == Decimal("108.00")
    assert visit.visit_orders.count() == 1
    page.wait_for_selector("#v-photos li[data-state='synced'] img")
    # The server's copy of the order reads "× 5", not "× 5.00".
    expect(page.locator("#v-orders li[data-order]")).to_contain_text("× 5")
    expect(page.locator("#v-orders li[data-order]")).not_to_contain_text("5.00")

    # 2. Off site: the warning shows; an album photo is refused where live photos are required.
    page.goto("/m/")
    page.wait_for_selector("#stops li[data-index='1'] [data-action=check-in]")
    visit_b = check_in_at(context, page, 1, {"latitude": 30.300000, "longitude": 120.141000})
    page.wait_for_selector("#v-distance[data-off-site='1']")
    assert "2" in page.inner_text("#v-distance")
    page.set_input_files("#photo-album", files=[
        {"name": "album.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.wait_for_selector("#v-errors .m-error[data-op='photo']")
    shot(page, "03-visit-off-site")
    assert Visit.objects.get(client_id=visit_b).off_site
    assert VisitPhoto.objects.filter(visit__client_id=visit_b).count() == 0
    page.wait_for_selector("#sync-badge[data-state='error']")  # counted after the upload
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#v-errors [data-discard]")
    page.wait_for_selector("#v-errors", state="hidden")
    page.click("#check-out")
    page.wait_for_selector("#v-duration[data-done='1']")

    # 3. Offline: the service worker serves the pages, the visit waits on the phone.
    page.goto("/m/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_selector("#stops li[data-index='2'] [data-action=check-in]")
    context.set_offline(True)
    page.wait_for_selector("#net-banner:not([hidden])")
    visit_c = check_in_at(context, page, 2, C)
    assert page.inner_text("#v-customer") == "村口小卖部"
    page.locator("#v-steps input[type=checkbox]").nth(0).check()
    page.fill("#v-notes", "离线记录")
    page.click("#save-record")
    page.click("#check-out")
    page.wait_for_selector("#v-duration[data-done='1']")
    page.wait_for_selector("#sync-badge[data-state='offline'][data-pending='3']")
    shot(page, "04-offline-visit")
    assert not Visit.objects.filter(client_id=visit_c).exists()

    # 4. Back online: the queue uploads by itself, once.
    back_online(context, page)
    wait_synced(page)
    assert Visit.objects.filter(client_id=visit_c, status="done").exists()
    page.goto("/m/sync/")
    page.click("#sync-now")
    page.wait_for_selector("#sync-summary[data-state='synced']")
    shot(page, "05-synced")
    assert Visit.objects.filter(client_id=visit_c).count() == 1
    offline_visit = Visit.objects.get(client_id=visit_c)
    assert offline_visit.notes == "离线记录" and offline_visit.is_planned
    assert offline_visit.checkin_received_at > offline_visit.checked_in_at
    assert Visit.objects.count() == 3
    page.goto("/m/")
    page.wait_for_selector("#stops li[data-index='2'] [data-status='done']")
    shot(page, "06-today-done")


def test_a_cached_page_says_offline_when_the_phone_still_claims_a_signal(phone):
    """A dead signal that the phone still reports as a connection (navigator.onLine true):
    the page the service worker serves from its cache shows the offline banner, and the banner
    goes by itself once the server answers again (no 'online' event ever fires). Before the
    cached copy was marked, the page said nothing: the rep took the copy for live data."""
    context, page = phone
    page.goto("/m/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_selector("#stops li[data-index='1'] [data-action=check-in]")
    expect(page.locator("#net-banner")).to_be_hidden()

    context.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'onLine', {get: () => true})")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("#stops li[data-index='1'] [data-action=check-in]")
    assert page.evaluate("navigator.onLine") is True
    page.wait_for_selector("#net-banner:not([hidden])")
    page.wait_for_selector("#sync-badge[data-state='offline']")

    context.set_offline(False)  # the signal comes back; the phone never said it had gone
    page.wait_for_selector("#net-banner", state="hidden")
    page.wait_for_selector("#sync-badge[data-state='synced']")
