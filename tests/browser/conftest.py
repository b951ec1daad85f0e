"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Never downloads a browser: Chromium comes from the system package (apt-get install chromium).
The page assets must be built (npm run build); this conftest builds them when they are
missing or older than their sources, and skips only when npm itself is absent.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that it is safe (it is: the loop is Playwright's).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "outletcrm/static/dist/app.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-results" / "browser"

# Browser tests wait for the page's own signal that work is done (an element, an attribute, a
# URL), never for a fixed time. This is only the bound on such a wait before the test fails:
# generous, because a shared 2-core CI machine under load can take seconds for what an idle one
# does at once, and a wait on a signal returns as soon as the signal comes. It applies to
# Playwright's actions, navigations and `expect` assertions (whose own default is 5 s).
SIGNAL_TIMEOUT_MS = int(float(os.environ.get("BROWSER_TIMEOUT_S", "60")) * 1000)
expect.set_options(timeout=SIGNAL_TIMEOUT_MS)


def bounded(context):
    """Apply the signal timeout to a browser context's actions and navigations."""
    context.set_default_timeout(SIGNAL_TIMEOUT_MS)
    context.set_default_navigation_timeout(SIGNAL_TIMEOUT_MS)
    return context


def _bundle_is_stale() -> bool:
    if not BUNDLE.exists():
        return True
    built = BUNDLE.stat().st_mtime
    sources = [ROOT / "package.json", ROOT / "package-lock.json", *(ROOT / "frontend").rglob("*")]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


@pytest.fixture(autouse=True)
def reference_rows(seed_rows):
    """Every browser test starts with the migration-seeded rows (tests/conftest.py)."""


@pytest.fixture(scope="session")
def static_bundle():
    """Make sure outletcrm/static/dist holds a current build of the page assets."""
    if not _bundle_is_stale():
        return BUNDLE
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed, so the page assets cannot be built (npm run build)")
    steps = [] if (ROOT / "node_modules").is_dir() else [[npm, "ci", "--no-audit", "--no-fund"]]
    steps.append([npm, "run", "build"])
    for step in steps:
        result = subprocess.run(step, cwd=ROOT, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(step)} failed:\n{result.stdout}\n{result.stderr}")
    return BUNDLE


@pytest.fixture(scope="module")
def chromium(static_bundle):
    """One headless Chromium per test module.

    Per module, not per session: Playwright's sync API allows one running instance at a time.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's Chromium is required at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    """A fresh browser tab reading English pages; JavaScript errors and Content Security
    Policy violations (a blocked script, style or image) fail the test."""
    context = chromium.new_context(
        locale="en-US", base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    bounded(context)
    tab = context.new_page()
    errors: list[str] = []
    violations: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda message: note_csp_violation(message, violations))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert violations == [], f"Content Security Policy violations: {violations}"


def signed_in(chromium, live_server, user, *, locale="en-US", width=1280, height=900,
              **options):
    """(context, page, errors): a browser context signed in as `user` with a session the test
    client made (no login form), its JavaScript errors and Content Security Policy violations
    collected in `errors`. The test closes the context and asserts `errors == []`."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = bounded(chromium.new_context(base_url=live_server.url, locale=locale,
                                           viewport={"width": width, "height": height},
                                           **options))
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: note_csp_violation(message, errors))
    return context, page, errors


def note_csp_violation(message, violations: list[str]) -> None:
    """Chromium reports each blocked resource or inline code as a console error."""
    text = message.text
    if "Content Security Policy" in text or "Content-Security-Policy" in text:
        violations.append(f"{message.location.get('url', '')}: {text}")


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under test-results/browser/ for people to look at."""

    def _shot(tab, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return _shot
