"""The board's "show more" (issue 8 item 3, boardmore): each column shows its first
BOARD_PAGE cards (longest in the stage first) with its count, and a button loads the next page
of that column, in the same scope and with the same filters, on the page and in the API."""

import datetime
import re

import pytest
from django.utils import timezone

from outletcrm.pipeline import selectors, services
from outletcrm.pipeline.models import Prospect, Stage
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PAGE = selectors.BOARD_PAGE


def _identified(cast, owner, n, *, days_ago=100):
    """`n` prospects of `owner` in the first stage, the first one longest there."""
    start = timezone.now() - datetime.timedelta(days=days_ago)
    made = []
    for i in range(n):
        prospect = services.prospect_open(actor=owner, customer=CustomerFactory(owner=owner))
        Prospect.objects.filter(pk=prospect.pk).update(
            entered_stage_at=start + datetime.timedelta(hours=i))
        made.append(prospect.pk)
    return made


def _cards(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="card-(\d+)"', html)]


def _more_url(html: str) -> str:
    found = re.search(r'data-testid="show-more"\s+hx-get="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else ""


@pytest.fixture
def crowded(cast):
    """bob: 2½ pages of prospects in the first stage; alice: one; charlie (another office):
    one."""
    cast.bobs = _identified(cast, cast.bob, 2 * PAGE + 3)
    cast.alices = _identified(cast, cast.alice, 1, days_ago=50)
    cast.charlies = _identified(cast, cast.charlie, 1, days_ago=50)
    return cast


def test_show_more_pages_through_a_column_in_the_board_order(crowded, login):
    client = login(crowded.sup)
    page = client.get("/pipeline/").content.decode()
    identified = Stage.objects.get(code="identified")
    everyone = sorted(crowded.bobs + crowded.alices)  # made in the order of entry
    assert _cards(page) == everyone[:PAGE]
    assert f">{len(everyone)}<" in page.replace(" ", "")  # the column's count, all of it
    url = _more_url(page)
    assert url == f"/pipeline/cards/?stage={identified.pk}&offset={PAGE}"
    assert "显示更多" in page and f"还有 {len(everyone) - PAGE} 个" in page

    second = client.get(url, HTTP_HX_REQUEST="true")
    assert second.status_code == 200
    html = second.content.decode()
    assert _cards(html) == everyone[PAGE:2 * PAGE]
    assert "data-page-start" in html  # the first new card takes the keyboard's focus
    assert 'hx-post="/pipeline/' in html  # each card brings its move form
    last = client.get(_more_url(html)).content.decode()
    assert _cards(last) == everyone[2 * PAGE:]
    assert _more_url(last) == ""  # nothing left: no button


def test_show_more_keeps_the_scope_and_the_filters(crowded, login):
    identified = Stage.objects.get(code="identified")
    rep = login(crowded.alice)
    html = rep.get(f"/pipeline/cards/?stage={identified.pk}&offset=0").content.decode()
    assert _cards(html) == crowded.alices  # not bob's, not charlie's
    aimed = rep.get(f"/pipeline/cards/?stage={identified.pk}&owner={crowded.charlie.pk}")
    assert _cards(aimed.content.decode()) == []

    sup = login(crowded.sup)
    page = sup.get(f"/pipeline/?owner={crowded.bob.pk}&q=").content.decode()
    url = _more_url(page)
    assert url == f"/pipeline/cards/?stage={identified.pk}&offset={PAGE}&owner={crowded.bob.pk}"
    html = sup.get(url).content.decode()
    assert _cards(html) == crowded.bobs[PAGE:2 * PAGE]
    # The moved card's form carries the board's filters, not the page's offset.
    assert f'action="/pipeline/{crowded.bobs[PAGE]}/move?owner={crowded.bob.pk}"' in html


@pytest.mark.parametrize("query", ["stage=x", "stage=99999999", "stage=", "offset=-1", "offset=x",
                                   "offset=10000001", "offset=99999999999999999999999"])
def test_show_more_refuses_bad_input_with_a_message(crowded, login, query):
    identified = Stage.objects.get(code="identified")
    if not query.startswith("stage"):
        query = f"stage={identified.pk}&{query}"
    answer = login(crowded.sup).get(f"/pipeline/cards/?{query}")
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "请选择一个已启用的阶段" in text or "请输入" in text, text[-600:]


def test_api_board_pages_one_column(crowded, api):
    identified = Stage.objects.get(code="identified")
    client = api(crowded.sup)
    everyone = sorted(crowded.bobs + crowded.alices)
    first = {c["stage"]["id"]: c for c in client.get("/api/v1/prospects/board?limit=5").json()}
    assert [p["id"] for p in first[identified.pk]["prospects"]] == everyone[:5]
    assert first[identified.pk]["offset"] == 0
    assert first[identified.pk]["more"] == len(everyone) - 5
    answer = client.get(f"/api/v1/prospects/board?stage={identified.pk}&offset=5&limit=5")
    columns = {c["stage"]["id"]: c for c in answer.json()}
    assert [p["id"] for p in columns[identified.pk]["prospects"]] == everyone[5:10]
    assert columns[identified.pk]["count"] == len(everyone)
    assert all(not c["prospects"] for pk, c in columns.items() if pk != identified.pk)
    for bad in ("offset=-1", "offset=x", "stage=99999999", "stage=x"):
        assert client.get(f"/api/v1/prospects/board?{bad}").status_code == 400, bad


def test_board_and_show_more_query_counts(crowded, login, django_assert_max_num_queries):
    """The page: a constant number of queries (one per column with cards at most); the
    "show more" answer: session and user, the stages, the count, the cards, their records."""
    identified = Stage.objects.get(code="identified")
    client = login(crowded.sup)
    client.get("/pipeline/")
    with django_assert_max_num_queries(14):
        assert client.get("/pipeline/").status_code == 200
    url = f"/pipeline/cards/?stage={identified.pk}&offset={PAGE}"
    client.get(url)
    with django_assert_max_num_queries(8):
        answer = client.get(url)
    assert len(_cards(answer.content.decode())) == PAGE
    # With the card just moved: one query more (that card), on the page and "show more".
    moved = crowded.bobs[-1]
    with django_assert_max_num_queries(15):
        page = client.get(f"/pipeline/?moved={moved}").content.decode()
    assert _cards(page)[0] == moved
    with django_assert_max_num_queries(9):
        answer = client.get(f"{url}&moved={moved}")
    assert len(_cards(answer.content.decode())) == PAGE


def _moved_into_the_crowd(crowded):
    """alice's prospect, taken on to the second stage, then moved back by the supervisor
    into the first stage's column of 2½ pages: it has been there the shortest time."""
    prospect = Prospect.objects.get(pk=crowded.alices[0])
    services.output_add(actor=crowded.alice, prospect=prospect, text="客户有合作意向")
    services.prospect_move(actor=crowded.alice, prospect=prospect,
                           to_stage=Stage.objects.get(code="phone_invitation"))
    return prospect


def test_a_card_moved_into_a_full_column_is_shown_first_then_the_rest_page_by_page(crowded,
                                                                                     login):
    identified = Stage.objects.get(code="identified")
    moved = _moved_into_the_crowd(crowded)
    client = login(crowded.sup)
    answer = client.post(f"/pipeline/{moved.pk}/move", {"stage": identified.pk},
                         HTTP_HX_REQUEST="true")
    html = answer.content.decode()
    assert 'data-ok="1"' in html
    assert _cards(html)[0] == moved.pk and 'data-just-moved' in html and "刚移入" in html
    # The address the board now has (htmx replaces it) shows it too, after a reload.
    reload_url = answer["HX-Replace-Url"]
    assert reload_url == f"/pipeline/?moved={moved.pk}"
    page = client.get(reload_url).content.decode()
    first = _cards(page)
    assert first[0] == moved.pk and len(first) == PAGE
    # "show more" goes on after it in the board's order: no card skipped or repeated.
    seen, url = first, _more_url(page)
    while url:
        html = client.get(url).content.decode()
        seen, url = seen + _cards(html), _more_url(html)
    assert seen == [moved.pk, *sorted(crowded.bobs)]
    # Without ?moved the column keeps its order: longest in the stage first, the moved last.
    plain = client.get("/pipeline/").content.decode()
    assert moved.pk not in _cards(plain) and "data-just-moved" not in plain


def test_api_board_shows_the_moved_card_first_and_pages_consistently(crowded, api):
    identified = Stage.objects.get(code="identified")
    moved = _moved_into_the_crowd(crowded)
    client = api(crowded.sup)
    assert client.post(f"/api/v1/prospects/{moved.pk}/move", {"stage": identified.pk},
                       format="json").status_code == 200
    seen, offset = [], 0
    while True:
        columns = {c["stage"]["id"]: c for c in client.get(
            f"/api/v1/prospects/board?stage={identified.pk}&offset={offset}&limit=7"
            f"&moved={moved.pk}").json()}
        cards = [p["id"] for p in columns[identified.pk]["prospects"]]
        if not cards:
            break
        seen, offset = seen + cards, offset + len(cards)
    assert seen == [moved.pk, *sorted(crowded.bobs)]
    plain = client.get("/api/v1/prospects/board?limit=100").json()
    column = next(c for c in plain if c["stage"]["id"] == identified.pk)
    assert [p["id"] for p in column["prospects"]][-1] == moved.pk
    # Another scope's prospect, or a bad id, changes nothing or is refused.
    charlie = client.get(f"/api/v1/prospects/board?limit=3&moved={crowded.charlies[0]}").json()
    assert crowded.charlies[0] not in [p["id"] for c in charlie for p in c["prospects"]]
    assert client.get("/api/v1/prospects/board?moved=x").status_code == 400


def test_the_board_refuses_a_bad_moved_id_and_ignores_another_scopes(crowded, login):
    client = login(crowded.alice)
    assert client.get("/pipeline/?moved=x").status_code == 400
    page = client.get(f"/pipeline/?moved={crowded.charlies[0]}").content.decode()
    assert crowded.charlies[0] not in _cards(page) and "data-just-moved" not in page
