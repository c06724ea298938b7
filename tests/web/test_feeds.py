"""Atom and RSS feeds over real HTTP, parsed by feedparser (what feed readers are built on)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import feedparser
import httpx
import pytest
from lxml import etree
from markupsafe import escape

from paperwire.catalog.model import Authority, PaperRecord
from paperwire.ingest.records import build_record
from tests.web.conftest import Site, site_over

FORMATS = {
    "atom": ("application/atom+xml; charset=utf-8", "atom10"),
    "rss": ("application/rss+xml; charset=utf-8", "rss20"),
}
FEEDS = ["daily", "trending", "search?q=segmentation", "category/hep-th"]
# What a hostile source, or a catalog written by something other than ingest, may hold.
HOSTILE_TITLE = "Break <script>alert(1)</script> ]]> & \x01 out\r\nof\x0b the \ufffe feed"
SHOWN_TITLE = "Break <script>alert(1)</script> ]]> & out of the feed"


def feed_url(site: Site, feed: str, fmt: str) -> str:
    path, _, query = feed.partition("?")
    return f"{site.url}/feeds/{path}.{fmt}" + (f"?{query}" if query else "")


def fetch(url: str, **headers: str) -> tuple[httpx.Response, Any]:
    response = httpx.get(url, headers=headers)
    assert response.status_code == 200, response.text
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return response, parsed


def entry_ids(parsed: Any, site: Site) -> list[str]:
    prefix = site.url + "/papers/"
    return [entry.link.removeprefix(prefix) for entry in parsed.entries]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("feed", FEEDS)
def test_every_feed_is_valid_in_both_formats(demo_site: Site, feed: str, fmt: str) -> None:
    response, parsed = fetch(feed_url(demo_site, feed, fmt))
    content_type, version = FORMATS[fmt]
    assert response.headers["content-type"] == content_type
    assert parsed.version == version
    assert parsed.feed.title.startswith("paperwire · ")
    assert 1 <= len(parsed.entries) <= 50
    for entry in parsed.entries:
        paper = demo_site.catalog.get(entry.link.removeprefix(demo_site.url + "/papers/"))
        assert paper is not None
        assert entry.id == entry.link == f"{demo_site.url}/papers/{paper.id}"
        assert entry.title == paper.title
        assert entry.summary  # every demo paper has an abstract
        assert entry.updated_parsed is not None
        assert [author.name for author in entry.get("authors", [])] == paper.authors[:50]
        assert [tag.term for tag in entry.get("tags", [])] == paper.categories


def test_atom_entry_fields(demo_site: Site) -> None:
    _, parsed = fetch(feed_url(demo_site, "category/hep-ph", "atom"))
    entry = next(e for e in parsed.entries if e.id.endswith("/papers/0704.0001"))
    assert entry.title.startswith("Calculation of prompt diphoton production")
    assert entry.summary.startswith("A fully differential calculation")
    assert entry.summary_detail.type == "text/plain"
    assert entry.authors[0].name == "C. Balázs"
    assert entry.published == "2007-04-02T00:00:00+00:00"
    updated = dt.datetime.fromisoformat(entry.updated)
    assert updated.tzinfo is not None and updated.date() >= dt.date(2007, 4, 2)
    assert parsed.feed.updated_parsed is not None
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["self"] == demo_site.url + "/feeds/category/hep-ph.atom"
    assert links["alternate"] == demo_site.url + "/papers/category/hep-ph"


def test_ids_and_bytes_are_stable_between_requests(demo_site: Site) -> None:
    for fmt in FORMATS:
        url = feed_url(demo_site, "daily", fmt)
        first, parsed_first = fetch(url)
        # A cookie keeps the shared response cache out of it: the feed is rendered again.
        second, parsed_second = fetch(url, cookie="fresh=1")
        assert [e.id for e in parsed_first.entries] == [e.id for e in parsed_second.entries]
        assert first.content == second.content
        assert first.headers["etag"] == second.headers["etag"]


def test_a_matching_etag_gets_304(demo_site: Site) -> None:
    url = feed_url(demo_site, "trending", "rss")
    etag = httpx.get(url).headers["etag"]
    # Without a cookie the shared response cache answers; with one, the feed route itself.
    for extra in ({}, {"cookie": "a=1"}):
        for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            again = httpx.get(url, headers={"if-none-match": if_none_match, **extra})
            assert again.status_code == 304 and again.content == b""
            assert again.headers["etag"] == etag
        stale = httpx.get(url, headers={"if-none-match": '"old"', **extra})
        assert stale.status_code == 200 and stale.headers["etag"] == etag


def test_daily_feed_holds_the_latest_day(demo_site: Site) -> None:
    _, parsed = fetch(feed_url(demo_site, "daily", "atom"))
    assert len(parsed.entries) == 50  # 67 papers were listed that day; feeds stop at 50
    papers = demo_site.catalog.get_many(entry_ids(parsed, demo_site))
    assert {paper.listed_on for paper in papers} == {dt.date(2026, 3, 14)}
    assert parsed.feed.subtitle == "Papers listed on Mar 14, 2026."


def test_trending_feed_covers_the_last_week_of_listings(demo_site: Site) -> None:
    _, parsed = fetch(feed_url(demo_site, "trending", "rss"))
    papers = demo_site.catalog.get_many(entry_ids(parsed, demo_site))
    assert len(papers) == 50
    assert all(dt.date(2026, 3, 8) <= p.listed_on <= dt.date(2026, 3, 14) for p in papers)  # type: ignore[operator]


def test_search_feed_matches_the_search_api(demo_site: Site) -> None:
    params = "q=segmentation&has_code=true"
    _, parsed = fetch(f"{demo_site.url}/feeds/search.atom?{params}")
    api = httpx.get(f"{demo_site.url}/api/v1/search?{params}&limit=50").json()
    assert entry_ids(parsed, demo_site) == [item["paper"]["id"] for item in api["items"]]
    assert len(parsed.entries) >= 2
    assert parsed.feed.title == "paperwire · Search: segmentation"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["self"] == f"{demo_site.url}/feeds/search.atom?{params}"


def test_category_feeds(demo_site: Site) -> None:
    _, exact = fetch(feed_url(demo_site, "category/cs.NE", "rss"))
    assert [tag.term for e in exact.entries for tag in e.tags[:1]] == ["cs.NE", "cs.NE"]
    _, archive = fetch(feed_url(demo_site, "category/hep-th", "atom"))
    assert len(archive.entries) == 12
    assert all(entry.tags[0].term == "hep-th" for entry in archive.entries)
    _, empty = fetch(feed_url(demo_site, "category/physics.nothing", "atom"))
    assert empty.entries == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/feeds/search.atom", 400),
        ("/feeds/search.rss?q=", 400),
        ("/feeds/search.rss?q=%20%20", 400),
        ("/feeds/search.atom?q=x&submitted=2024-13", 400),
        ("/feeds/search.atom?q=x&mode=psychic", 400),
        ("/feeds/category/c$.atom", 400),
        ("/feeds/daily.xml", 404),
        ("/feeds/category/cs.CL.json", 404),
    ],
)
def test_bad_feed_requests(demo_site: Site, path: str, status: int) -> None:
    assert httpx.get(demo_site.url + path).status_code == status


def _hostile(record: PaperRecord) -> PaperRecord:
    # build_record cleans strings; a catalog restored from elsewhere may not have been.
    return dataclasses.replace(
        record,
        title=HOSTILE_TITLE,
        abstract="Abstract with <b>tags</b>, ]]> and \x01\x1f\x7f controls.\r\nSecond line.",
        authors=["Eve <img src=x>\x01", "\x02"],
        categories=["cs.CL", "x\x01y"],
    )


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    record = build_record(
        source="arxiv-snapshot",
        source_record_id="2403.00001",
        authority=Authority.ARXIV,
        raw_id="2403.00001",
        title="placeholder alert",
        abstract="placeholder",
        categories=["cs.CL"],
        submitted=dt.date(2024, 3, 1),
        listed_on=dt.date(2024, 3, 2),
    )
    with site_over(
        tmp_path_factory.mktemp("hostile") / "data", [_hostile(record)], demo=False
    ) as site:
        yield site


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("feed", ["daily", "trending", "category/cs", "search?q=alert"])
def test_hostile_strings_stay_text_in_a_valid_feed(hostile_site: Site, feed: str, fmt: str) -> None:
    response, parsed = fetch(feed_url(hostile_site, feed, fmt))
    assert b"<script>" not in response.content and b"<b>" not in response.content
    [entry] = parsed.entries
    assert entry.title == SHOWN_TITLE
    assert entry.title_detail.type == "text/plain"
    assert [author.name for author in entry.authors] == ["Eve <img src=x>"]
    assert [tag.term for tag in entry.tags] == ["cs.CL", "xy"]
    if fmt == "atom":
        assert entry.summary == "Abstract with <b>tags</b>, ]]> and  controls.\r\nSecond line."
    else:
        # RSS descriptions are HTML to readers: the tags arrive escaped, shown as text.
        assert "&lt;b&gt;tags&lt;/b&gt;" in entry.summary and "<b>" not in entry.summary


def test_a_forged_host_header_never_reaches_other_readers(demo_site: Site) -> None:
    url = feed_url(demo_site, "category/cs", "atom")
    httpx.get(url, headers={"host": "evil.example"})
    assert b"evil.example" not in httpx.get(url).content


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_feed_opened_in_a_browser_reads_as_a_page(demo_site: Site, fmt: str) -> None:
    """The feed names the site's own XSL stylesheet (no script: the CSP allows none inline);
    applied, it gives an HTML page of the feed's papers with their links."""
    response, parsed = fetch(feed_url(demo_site, "daily", fmt))
    head = response.content.split(b"\n", 2)
    assert head[0].startswith(b"<?xml")
    assert head[1] == b'<?xml-stylesheet type="text/xsl" href="/static/feed.xsl"?>'
    sheet = httpx.get(demo_site.url + "/static/feed.xsl")
    assert sheet.status_code == 200 and b"<script" not in sheet.content
    transform = etree.XSLT(etree.fromstring(sheet.content))
    page = str(transform(etree.fromstring(response.content)))
    assert "<script" not in page and "This is a <strong>feed</strong>" in page
    first = parsed.entries[0]
    assert f'<a href="{first.link}">' in page.replace("\n        ", "")
    assert escape(first.title) in page
    assert page.count('class="card feed-entry"') == len(parsed.entries)


def test_browsers_get_the_feed_as_xml_so_they_apply_the_stylesheet(demo_site: Site) -> None:
    """Chromium shows application/atom+xml as plain text; as application/xml it applies
    feed.xsl. Feed readers (no text/html in Accept) keep the feed's own type."""
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for fmt, (content_type, _) in FORMATS.items():
        url = feed_url(demo_site, "daily", fmt)
        seen = httpx.get(url, headers={"Accept": browser_accept})
        assert seen.headers["content-type"] == "application/xml; charset=utf-8"
        assert seen.headers["vary"] == "Accept"
        assert feedparser.parse(seen.content).bozo == 0
        assert httpx.get(url, headers={"Accept": "*/*"}).headers["content-type"] == content_type
