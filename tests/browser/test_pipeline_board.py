"""The pipeline board in the browser (issue 8 item 3): a rep drags a prospect to the next
stage and is refused with the reason (its output is missing), records the output on the
prospect's page, drags again and the move goes through; then moves it on with the keyboard
alternative (the card's next-stage button, pressed with the keyboard)."""

import pytest
from playwright.sync_api import expect

from outletcrm.pipeline import services
from outletcrm.pipeline.models import Prospect
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.browser


def test_drag_refused_then_allowed_after_the_output_is_recorded(chromium, live_server, cast,
                                                                screenshot):
    prospect = services.prospect_open(actor=cast.alice, customer=cast.alice_customer)
    context, page, errors = signed_in(chromium, live_server, cast.alice, width=1600)

    page.goto("/pipeline/")
    card = page.get_by_test_id(f"card-{prospect.pk}")
    identified = page.get_by_test_id("stage-identified")
    phone = page.get_by_test_id("stage-phone_invitation")
    expect(identified.get_by_test_id(f"card-{prospect.pk}")).to_be_visible()

    card.drag_to(phone)
    message = page.get_by_test_id("board-message")
    expect(message).to_have_attribute("data-ok", "0")
    expect(message).to_contain_text("Target identification note")
    expect(identified.get_by_test_id(f"card-{prospect.pk}")).to_be_visible()
    assert Prospect.objects.get(pk=prospect.pk).stage.code == "identified"
    screenshot(page, "pipeline-refused")

    identified.get_by_role("link", name=cast.alice_customer.name).click()
    form = page.get_by_test_id("output-form")
    form.locator("textarea[name=text]").fill("门店约200平，老板愿意合作")
    form.get_by_role("button", name="Save record").click()
    expect(page.get_by_test_id("output-record")).to_contain_text("老板愿意合作")

    page.goto("/pipeline/")
    page.get_by_test_id(f"card-{prospect.pk}").drag_to(page.get_by_test_id("stage-phone_invitation"))
    expect(page.get_by_test_id("board-message")).to_have_attribute("data-ok", "1")
    expect(page.get_by_test_id("stage-phone_invitation")
           .get_by_test_id(f"card-{prospect.pk}")).to_be_visible()
    assert Prospect.objects.get(pk=prospect.pk).stage.code == "phone_invitation"

    # The keyboard path: the card's next-stage button (refused again: no record yet).
    card = page.get_by_test_id(f"card-{prospect.pk}")
    card.get_by_test_id("move-next").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("board-message")).to_have_attribute("data-ok", "0")
    expect(page.get_by_test_id("board-message")).to_contain_text("Feedback form")
    screenshot(page, "pipeline-board")
    context.close()
    assert errors == [], errors


def test_show_more_appends_cards_that_can_be_dragged(chromium, live_server, cast, screenshot):
    """A column with more than a page of cards shows "show more"; clicking it appends the next
    cards, and a card loaded that way is dragged to the next stage (boardmore)."""
    import datetime

    from django.utils import timezone

    from outletcrm.pipeline import selectors
    from tests.factories import CustomerFactory

    start = timezone.now() - datetime.timedelta(days=60)
    made = []
    for i in range(selectors.BOARD_PAGE + 2):
        prospect = services.prospect_open(actor=cast.alice,
                                          customer=CustomerFactory(owner=cast.alice))
        Prospect.objects.filter(pk=prospect.pk).update(
            entered_stage_at=start + datetime.timedelta(hours=i))
        made.append(prospect)
    late = made[-1]  # newest in the stage: on the second page
    services.output_add(actor=cast.alice, prospect=late, text="门店约200平")
    context, page, errors = signed_in(chromium, live_server, cast.alice, width=1600,
                                      height=2400)

    page.goto("/pipeline/")
    identified = page.get_by_test_id("stage-identified")
    expect(identified.locator(".pipeline-card")).to_have_count(selectors.BOARD_PAGE)
    expect(identified.get_by_test_id(f"card-{late.pk}")).to_have_count(0)
    identified.get_by_test_id("show-more").click()
    card = identified.get_by_test_id(f"card-{late.pk}")
    expect(card).to_be_visible()
    expect(identified.locator(".pipeline-card")).to_have_count(len(made))
    expect(identified.get_by_test_id("show-more")).to_have_count(0)
    expect(identified.get_by_test_id(f"card-{made[selectors.BOARD_PAGE].pk}")
           .get_by_role("link")).to_be_focused()

    expect(card.get_by_test_id("output-ok")).to_be_visible()
    page.evaluate("""() => document.addEventListener("dragstart", (e) => {
        document.body.dataset.dragged = e.target.closest(".pipeline-card")?.dataset.prospectId;
    }, true)""")
    card.drag_to(page.get_by_test_id("stage-phone_invitation"))
    expect(page.locator("body")).to_have_attribute("data-dragged", str(late.pk))
    expect(page.get_by_test_id("board-message")).to_contain_text(str(late.customer.name))
    expect(page.get_by_test_id("board-message")).to_have_attribute("data-ok", "1")
    expect(page.get_by_test_id("stage-phone_invitation")
           .get_by_test_id(f"card-{late.pk}")).to_be_visible()
    assert Prospect.objects.get(pk=late.pk).stage.code == "phone_invitation"
    screenshot(page, "pipeline-show-more")
    context.close()
    assert errors == [], errors


def test_a_card_dragged_into_a_full_column_stays_in_sight_after_a_reload(chromium, live_server,
                                                                         cast, screenshot):
    """The next column already holds more than a page of cards that have waited longer; the
    dragged card comes first in it, marked, and still does after the page is reloaded."""
    import datetime

    from django.utils import timezone

    from outletcrm.pipeline import selectors
    from outletcrm.pipeline.models import Stage
    from tests.factories import CustomerFactory

    phone = Stage.objects.get(code="phone_invitation")
    start = timezone.now() - datetime.timedelta(days=30)
    for i in range(selectors.BOARD_PAGE + 3):
        waiting = services.prospect_open(actor=cast.alice,
                                         customer=CustomerFactory(owner=cast.alice))
        Prospect.objects.filter(pk=waiting.pk).update(
            stage=phone, entered_stage_at=start + datetime.timedelta(hours=i))
    prospect = services.prospect_open(actor=cast.alice, customer=cast.alice_customer)
    services.output_add(actor=cast.alice, prospect=prospect, text="门店约200平")
    context, page, errors = signed_in(chromium, live_server, cast.alice, width=1600,
                                      height=2400)

    page.goto("/pipeline/")
    page.get_by_test_id(f"card-{prospect.pk}").drag_to(
        page.get_by_test_id("stage-phone_invitation"))
    expect(page.get_by_test_id("board-message")).to_have_attribute("data-ok", "1")
    column = page.get_by_test_id("stage-phone_invitation")
    expect(column.locator(".pipeline-card").first).to_have_attribute(
        "data-testid", f"card-{prospect.pk}")
    expect(column.get_by_test_id("just-moved")).to_be_visible()
    page.reload()
    column = page.get_by_test_id("stage-phone_invitation")
    expect(column.locator(".pipeline-card").first).to_have_attribute(
        "data-testid", f"card-{prospect.pk}")
    expect(column.locator(".pipeline-card")).to_have_count(selectors.BOARD_PAGE)
    screenshot(page, "pipeline-moved-first")
    context.close()
    assert errors == [], errors
