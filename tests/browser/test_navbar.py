"""The menu fits a laptop screen: with English labels and an administrator's full menu it
wraps onto more lines rather than widening every page beyond the window (it made pages
1,670–2,020 px wide at 1,280 px)."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_csp_pages import log_in


@pytest.mark.parametrize("who", ["admin", "alice"])
def test_the_menu_never_widens_the_page_at_1280_px(cast, browser_page, who):
    tab = browser_page
    log_in(tab, who)
    for url in ("/customers/", "/visits/tasks/"):
        tab.goto(url)
        expect(tab.get_by_test_id("current-user")).to_be_visible()
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 1280, url
    # The account links show only their icon here, but keep their names for screen readers.
    expect(tab.get_by_role("link", name="Account security")).to_be_visible()
    expect(tab.get_by_role("button", name="Log out")).to_be_visible()
