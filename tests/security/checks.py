"""What "refused cleanly" means, for pages and for the API."""

from django.conf import settings
from django.urls import reverse


# Text of the attacked records that must never reach an attacker's screen.
def markers(w) -> list[str]:
    return [w.customer.name, w.customer2.name, w.customer.phone, w.contact.name, "核对宁波库存",
            "漏液", "西湖龙井", "周一路线"]


def _login_urls() -> tuple[str, ...]:
    return (str(settings.LOGIN_URL), reverse("login"), "/admin/login/")


def page_refused(response, w, context: str, *, soft: bool = False) -> None:
    """403/404/405 or the login page; with `soft`, also the caller's own page with a message
    (200, or a redirect to a page of ours) — in every case without the record's data."""
    status = response.status_code
    if soft and status in (200, 302):
        location = response.headers.get("Location", "")
        assert not location.startswith(("http:", "https:", "//")), f"{context}: {location}"
        _no_leak(response, w, context)
        return
    if status in (301, 302, 303):
        location = response.headers.get("Location", "")
        assert location.startswith(_login_urls()), (
            f"{context}: redirected to {location!r}, expected a refusal (403/404) or the "
            "login page")
        return
    assert status in (403, 404, 405), f"{context}: answered {status}, expected 403/404/405"
    _no_leak(response, w, context)


def _no_leak(response, w, context: str) -> None:
    body = response.content.decode(errors="replace") if not response.streaming else ""
    leaked = [text for text in markers(w) if text and text in body]
    assert not leaked, f"{context}: the refusal shows another scope's data: {leaked}"


def api_refused(response, w, context: str) -> None:
    status = response.status_code
    assert status in (401, 403, 404, 405), (
        f"{context}: answered {status}, expected 401/403/404/405: "
        f"{response.content[:300]!r}")
    body = response.content.decode(errors="replace")
    leaked = [text for text in markers(w) if text and text in body]
    assert not leaked, f"{context}: the refusal shows another scope's data: {leaked}"
