"""/for-you, its preferences page, the card actions, the recommendations API and the private
feed, over a real site (uvicorn, the demo corpus in a SQLite file) with real HTTP.

The catalog's clock stands at the demo's listing days, so the recommender's window of recent
papers (recommend/engine.py) holds the demo corpus; its papers are embedded (64 tokens each,
a few seconds), which personal rankings need.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest

from paperwire.accounts import tokens
from paperwire.accounts.model import User
from paperwire.clock import FakeClock
from paperwire.recommend import readers, signals
from paperwire.recommend.interests import interests
from paperwire.search.embed_job import embed_pending
from paperwire.search.embedder import MiniLmEmbedder
from tests.web.accounts.kit import Browser, account_site, csrf_of, make_user, use_quick_hashing
from tests.web.conftest import Site

PAPER = "2602.23229"  # in the demo corpus
_NAMES = itertools.count(1)
_PICK_ID = re.compile(r'class="ratings" data-paper-id="([^"]+)"')
_SECRET = re.compile(r'<code class="secret">([^<]+)</code>')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with pytest.MonkeyPatch.context() as patch:
        use_quick_hashing(patch)
        data = tmp_path_factory.mktemp("for-you") / "data"
        with account_site(data, clock=FakeClock(), max_form_bytes=4 * 2**20) as served:
            embed_pending(served.catalog, MiniLmEmbedder(max_tokens=64))
            yield served


@pytest.fixture
def person(site: Site) -> User:
    with pytest.MonkeyPatch.context() as patch:
        use_quick_hashing(patch)
        return make_user(site.catalog, f"reader{next(_NAMES)}")


@pytest.fixture
def browser(site: Site, person: User) -> Iterator[Browser]:
    with Browser(site) as opened:
        opened.use_session(person)
        yield opened


def _picks(html: str) -> list[str]:
    return _PICK_ID.findall(html)


def _stored(site: Site, person: User) -> dict[str, int]:
    """The reader's stored signals (not the live upvotes), paper -> value, by source."""
    found = signals.reader_signals(site.catalog.engine, readers.user(person.id))
    return {f"{s.source}:{s.paper_id}": s.value for s in found}


# -- the page -----------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(site: Site) -> None:
    answer = httpx.get(f"{site.url}/for-you")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Ffor-you"


def test_an_empty_profile_gets_a_call_to_action(browser: Browser) -> None:
    page = browser.get("/for-you")
    assert page.status_code == 200
    assert "Tell us what you read" in page.text
    assert 'href="/for-you/preferences"' in page.text
    assert _picks(page.text) == []
    assert page.headers["cache-control"] == "no-store"


def test_picking_topics_gives_a_cold_start_page_that_says_so(
    site: Site, person: User, browser: Browser
) -> None:
    saved = browser.submit(
        "/for-you/preferences",
        "/for-you/preferences",
        {"categories": "cs.LG", "authors": "Marco Garosi\n\n", "queries": "diffusion"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/for-you/preferences?done=saved"
    follows = interests(site.catalog.engine, readers.user(person.id))
    assert follows.categories == ("cs.LG",)
    assert follows.authors == ("Marco Garosi",)
    assert follows.queries == ("diffusion",)

    shown = browser.get("/for-you/preferences?done=saved").text
    assert "Your topics are saved" in shown
    assert re.search(r'value="cs\.LG" checked', shown)
    page = browser.get("/for-you").text
    assert "Starting point: your topics and what&#39;s trending" in page
    assert len(_picks(page)) == 20
    assert page.count('class="reason reason-') >= 20  # every card says why


def test_ratings_and_not_interested_change_the_page_at_once(
    site: Site, person: User, browser: Browser
) -> None:
    browser.submit("/for-you/preferences", "/for-you/preferences", {"categories": "cs.LG"})
    first = _picks(browser.get("/for-you").text)
    liked, hidden = first[0], first[1]

    rated = browser.submit("/for-you", "/for-you/rate", {"paper_id": liked, "value": "up"})
    assert rated.status_code == 303
    after = browser.get(rated.headers["location"]).text
    assert "your picks are updated" in after
    assert liked not in _picks(after)

    gone = browser.submit("/for-you", f"/papers/{hidden}/not-interested", {"next": "/for-you"})
    assert gone.headers["location"].startswith("/for-you?done=hidden")
    assert hidden not in _picks(browser.get("/for-you").text)
    assert _stored(site, person) == {f"for_you:{liked}": 1, f"card:{hidden}": -1}

    undone = browser.submit("/for-you", "/for-you/rate", {"paper_id": hidden, "value": "clear"})
    assert undone.status_code == 303
    assert _stored(site, person) == {f"for_you:{liked}": 1}


def test_enough_likes_make_the_page_personal_and_it_says_why(
    site: Site, person: User, browser: Browser
) -> None:
    browser.submit("/for-you/preferences", "/for-you/preferences", {"categories": "cs.CL"})
    for paper_id in _picks(browser.get("/for-you").text)[:4]:
        browser.submit("/for-you", "/for-you/rate", {"paper_id": paper_id, "value": "up"})
    page = browser.get("/for-you").text
    assert "Based on your 4 papers liked" in page
    assert 'data-basis="personal"' in page
    assert "reason-similar" in page or "reason-topic" in page


def test_more_like_this_elsewhere_goes_back_where_it_came_from(
    site: Site, person: User, browser: Browser
) -> None:
    front = browser.get("/").text
    assert "More like this" in front and "Not interested" in front
    answer = browser.http.post(
        f"/papers/{PAPER}/more-like-this", data={"csrf_token": csrf_of(front), "next": "/"}
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert _stored(site, person) == {f"card:{PAPER}": 1}


def test_card_actions_on_an_unknown_paper_are_404(browser: Browser) -> None:
    front = browser.get("/").text
    answer = browser.http.post(
        "/papers/9999.99999/not-interested", data={"csrf_token": csrf_of(front)}
    )
    assert answer.status_code == 404


def test_anonymous_visitors_see_no_card_actions(site: Site) -> None:
    front = httpx.get(site.url + "/").text
    assert "More like this" not in front and "Not interested" not in front
    assert 'href="/for-you"' not in front


def test_the_header_links_to_for_you_when_signed_in(browser: Browser) -> None:
    assert 'href="/for-you"' in browser.get("/").text
    assert 'href="/for-you/preferences"' in browser.get("/settings").text


# -- imports ------------------------------------------------------------------------------


def test_pasted_ids_are_imported_with_a_report(site: Site, person: User, browser: Browser) -> None:
    pasted = f"https://arxiv.org/abs/{PAPER}v2\n9999.99999\n"
    answer = browser.submit("/for-you/preferences", "/for-you/import", {"papers": pasted})
    assert answer.status_code == 200
    assert "Added 1 paper; 1 not on this site." in answer.text
    assert f'href="/papers/{PAPER}"' in answer.text
    assert "<li>9999.99999</li>" in answer.text
    assert _stored(site, person) == {f"seed:{PAPER}": 1}


def test_ten_thousand_ids_are_refused_and_nothing_is_written(
    site: Site, person: User, browser: Browser
) -> None:
    pasted = "\n".join(f"2401.{n:05d}" for n in range(10_000))
    answer = browser.submit("/for-you/preferences", "/for-you/import", {"papers": pasted})
    assert answer.status_code == 400
    assert "Nothing was imported: 10000 papers in one import; at most 2000" in answer.text
    assert _stored(site, person) == {}


def _upload(browser: Browser, name: str, content: bytes) -> httpx.Response:
    opened = browser.get("/for-you/preferences")
    return browser.http.post(
        "/for-you/import",
        data={"csrf_token": csrf_of(opened.text)},
        files={"file": (name, content, "application/octet-stream")},
    )


def test_a_bibtex_file_is_imported(site: Site, person: User, browser: Browser) -> None:
    bib = (
        "@article{garosi2026,\n  title = {Large Multimodal Models},\n"
        f"  eprint = {{{PAPER}}},\n  archivePrefix = {{arXiv}}\n}}\n"
    )
    answer = _upload(browser, "library.bib", bib.encode())
    assert answer.status_code == 200
    assert "Added 1 paper" in answer.text
    assert _stored(site, person) == {f"seed:{PAPER}": 1}


def test_a_zotero_csl_json_file_is_imported(site: Site, person: User, browser: Browser) -> None:
    items = [{"id": "x", "type": "article", "URL": f"https://arxiv.org/abs/{PAPER}"}]
    answer = _upload(browser, "My Library.json", json.dumps(items).encode())
    assert answer.status_code == 200
    assert "Added 1 paper" in answer.text


def test_a_malformed_bibtex_file_is_a_clear_error(
    site: Site, person: User, browser: Browser
) -> None:
    answer = _upload(browser, "broken.bib", b"@article{broken,\n  title = {No end\n")
    assert answer.status_code == 400
    assert "Nothing was imported:" in answer.text
    assert "line" in answer.text.split("Nothing was imported:")[1][:300]
    assert _stored(site, person) == {}


def test_a_file_that_is_not_text_is_refused(browser: Browser) -> None:
    answer = _upload(browser, "picture.bib", b"\xff\xd8\xff\xe0 not text")
    assert answer.status_code == 400
    assert "the file is not UTF-8 text" in answer.text


def test_an_upload_over_the_body_limit_is_413(tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        use_quick_hashing(patch)
        with account_site(tmp_path / "data", demo=False) as small:
            user = make_user(small.catalog, "big")
            with Browser(small) as browser:
                browser.use_session(user)
                answer = _upload(browser, "huge.bib", b"%" * (small.settings.max_form_bytes + 1))
    assert answer.status_code == 413


# -- the private feed ---------------------------------------------------------------------


def _new_feed(browser: Browser) -> str:
    answer = browser.submit("/for-you/preferences", "/for-you/feed-tokens", {})
    assert answer.status_code == 200
    found = _SECRET.search(answer.text)
    assert found, "the new feed link is shown on the page"
    return found.group(1)


def test_a_feed_link_serves_the_readers_picks_until_revoked(
    site: Site, person: User, browser: Browser
) -> None:
    browser.submit("/for-you/preferences", "/for-you/preferences", {"categories": "cs.LG"})
    url = _new_feed(browser)
    assert url.startswith(f"{site.url}/feeds/for-you/pwf_") and url.endswith(".atom")
    assert url not in browser.get("/for-you/preferences").text  # shown once only

    feed = httpx.get(url)
    assert feed.status_code == 200
    assert feed.headers["cache-control"] == "private, no-cache"
    parsed = feedparser.parse(feed.content)
    assert parsed.feed.title == "paperwire · For you"
    picks = _picks(browser.get("/for-you").text)
    assert [entry.link.rsplit("/papers/", 1)[1] for entry in parsed.entries[:5]] == picks[:5]
    assert httpx.get(url.removesuffix(".atom") + ".rss").status_code == 200

    page = browser.get("/for-you/preferences").text
    token_id = re.search(r'name="feed_token" value="(\d+)"', page)
    assert token_id
    revoked = browser.http.post(
        "/for-you/feed-tokens/revoke",
        data={"csrf_token": csrf_of(page), "feed_token": token_id.group(1)},
    )
    assert revoked.status_code == 303
    assert httpx.get(url).status_code == 404


def test_unknown_feed_links_are_404(site: Site) -> None:
    for token in ("pwf_not-a-real-one", "anything", "x" * 300):
        assert httpx.get(f"{site.url}/feeds/for-you/{token}.atom").status_code == 404


def test_someone_elses_feed_link_cannot_be_revoked_or_seen(site: Site, browser: Browser) -> None:
    url = _new_feed(browser)
    page = browser.get("/for-you/preferences").text
    token_id = re.search(r'name="feed_token" value="(\d+)"', page)
    assert token_id
    with pytest.MonkeyPatch.context() as patch:
        use_quick_hashing(patch)
        other = make_user(site.catalog, f"other{next(_NAMES)}")
    with Browser(site) as intruder:
        intruder.use_session(other)
        theirs = intruder.get("/for-you/preferences").text
        assert f'value="{token_id.group(1)}"' not in theirs
        tried = intruder.http.post(
            "/for-you/feed-tokens/revoke",
            data={"csrf_token": csrf_of(theirs), "feed_token": token_id.group(1)},
        )
    assert tried.status_code == 404
    assert httpx.get(url).status_code == 200


# -- the API ------------------------------------------------------------------------------


@pytest.fixture
def api(site: Site, person: User) -> Iterator[httpx.Client]:
    secret, _ = tokens.create_token(site.catalog, person, "for-you tests")
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx.Client(base_url=site.url, headers=headers, timeout=30) as client:
        yield client


def test_the_api_needs_an_account(site: Site) -> None:
    answer = httpx.get(f"{site.url}/api/v1/me/recommendations")
    assert answer.status_code == 401
    assert answer.json() == {"error": "not signed in"} or "error" in answer.json()


def test_the_api_lists_rates_and_exports_with_a_bearer_token(
    site: Site, person: User, api: httpx.Client
) -> None:
    empty = api.get("/api/v1/me/recommendations").json()
    assert empty["basis"] == "empty" and empty["items"] == []

    rated = api.post("/api/v1/me/recommendations/signals", json={"paper_id": PAPER, "value": 1})
    assert rated.status_code == 200
    assert rated.json() == {"paper_id": PAPER, "source": "for_you", "value": 1}
    listed = api.get("/api/v1/me/recommendations", params={"limit": 5}).json()
    assert listed["basis"] == "cold_start" and listed["liked"] == 1
    assert len(listed["items"]) == 5
    first = listed["items"][0]
    assert {"paper", "score", "reasons"} <= set(first)
    assert first["paper"]["url"].startswith(site.url + "/papers/")
    assert all(reason["text"] for item in listed["items"] for reason in item["reasons"])
    assert PAPER not in [item["paper"]["id"] for item in listed["items"]]

    exported = api.get("/api/v1/me/recommendations/export").json()
    assert exported["reader"] == f"user:{person.id}"
    assert [(s["paper_id"], s["source"], s["value"]) for s in exported["signals"]] == [
        (PAPER, "for_you", 1)
    ]
    assert exported["recommendations"]["basis"] == "cold_start"

    assert api.delete(f"/api/v1/me/recommendations/signals/{PAPER}").status_code == 204
    assert api.get("/api/v1/me/recommendations/export").json()["signals"] == []


def test_the_api_refuses_unknown_papers_and_bad_values(api: httpx.Client) -> None:
    unknown = api.post(
        "/api/v1/me/recommendations/signals", json={"paper_id": "9999.99999", "value": -1}
    )
    assert unknown.status_code == 404
    bad = api.post("/api/v1/me/recommendations/signals", json={"paper_id": PAPER, "value": 5})
    assert bad.status_code == 400
    assert api.delete("/api/v1/me/recommendations/signals/9999.99999").status_code == 404


def test_the_api_documents_the_routes(site: Site) -> None:
    paths = httpx.get(f"{site.url}/openapi.json").json()["paths"]
    assert set(paths["/api/v1/me/recommendations"]) == {"get"}
    assert set(paths["/api/v1/me/recommendations/signals"]) == {"post"}
    assert "delete" in paths["/api/v1/me/recommendations/signals/{paper_id}"]
    assert "/api/v1/me/recommendations/export" in paths
    assert "/feeds/for-you/{token}.{fmt}" in paths
