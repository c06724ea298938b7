"""The HTML pages over real HTTP against uvicorn, on a catalog loaded with the demo corpus."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

import paperwire
from paperwire.catalog.model import Authority, PaperRecord
from paperwire.ingest.records import build_record
from paperwire.search.indexes import index_root
from paperwire.web.present import author_path
from tests.web.conftest import Site, site_over

HOSTILE_TITLE = '</title><script>alert(1)</script><img src=x onerror="alert(2)"> in learning'
UNIXCODER = "UniXcoder: Unified Cross-Modal Pre-training for Code Representation"
UNIXCODER_SLUG = "unixcoder-unified-cross-modal-pre-training-for-code-representation"
HF_PAPER = "Large Multimodal Models as General In-Context Classifiers"


class Elements(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(key.rstrip("_")) == v for key, v in wanted.items())
        ]


def parse(html: str) -> Elements:
    elements = Elements()
    elements.feed(html)
    return elements


def get(site: Site, path: str, **params: str) -> httpx.Response:
    return httpx.get(site.url + path, params=params or None, timeout=10)


def listing(day: dt.date, title: str, abstract: str = "") -> PaperRecord:
    return build_record(
        source="hf-listing",
        source_record_id=title,
        authority=Authority.LISTING,
        raw_id=None,
        title=title,
        abstract=abstract,
        listed_on=day,
    )


@pytest.fixture(scope="module")
def own_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A small catalog of its own: an old-style id, a slug merged into an arXiv paper, a
    hostile title."""
    day = dt.date(2026, 3, 10)
    extra = [
        build_record(
            source="arxiv-snapshot",
            source_record_id="hep-th/9901001",
            authority=Authority.ARXIV,
            raw_id="hep-th/9901001",
            title="Old style identifiers for string dualities",
            abstract="An abstract about branes.",
            authors=["A. Physicist"],
            categories=["hep-th"],
            listed_on=day,
        ),
        listing(day, HOSTILE_TITLE, 'Code at https://github.com/evil/repo" onmouseover="x'),
        listing(day, UNIXCODER, "Pre-trained models for programming languages."),
    ]
    with site_over(tmp_path_factory.mktemp("own") / "data", extra, demo=False) as site:
        # The arXiv record arrives later and absorbs the listing's slug paper (an alias).
        site.catalog.upsert(
            [
                build_record(
                    source="arxiv-snapshot",
                    source_record_id="2203.03850",
                    authority=Authority.ARXIV,
                    raw_id="2203.03850",
                    title=UNIXCODER,
                    categories=["cs.CL"],
                    listed_on=day,
                )
            ]
        )
        yield site


@pytest.fixture(scope="module")
def no_index_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    extra = [listing(dt.date(2026, 3, 10), "A paper on a site whose search index is gone")]
    with site_over(tmp_path_factory.mktemp("bare") / "data", extra, demo=False) as site:
        shutil.rmtree(index_root(Path(site.settings.data_dir)))
        yield site


# -- lists ---------------------------------------------------------------------------


def test_home_lists_the_latest_day_page_by_page(demo_site: Site) -> None:
    response = get(demo_site, "/")
    assert response.status_code == 200
    page = response.text
    assert "<h1>Daily papers · Mar 14, 2026</h1>" in page
    assert UNIXCODER in page
    assert "67 papers · showing 1–50" in page and "Page 1 of 2" in page
    elements = parse(page)
    assert len(elements.find("article", class_="card")) == 50
    assert elements.find("a", rel="next", href="/?page=2")
    assert elements.find("a", rel="prev", href="/papers/date/2026-03-06")  # skips empty days
    assert elements.find("a", href="/papers/week/2026-W11")
    assert elements.find("a", href="/papers/month/2026-03")
    second = get(demo_site, "/", page="2")
    assert second.status_code == 200 and "Page 2 of 2" in second.text
    assert len(parse(second.text).find("article", class_="card")) == 17
    assert parse(second.text).find("a", rel="prev", href="/")
    past = get(demo_site, "/", page="3")
    assert past.status_code == 404 and "There is no page 3 of this list." in past.text


def test_a_day_shows_engagement_and_links_to_its_neighbours(demo_site: Site) -> None:
    response = get(demo_site, "/papers/date/2026-03-06")
    assert response.status_code == 200
    page = response.text
    assert HF_PAPER in page and "1 paper" in page
    assert "Code: marco-garosi/CIRCLE" in page and "★ 9" in page
    assert "1 comment" in page
    elements = parse(page)
    # Anonymous visitors (a shared, cached page) get a way to log in, not a form to post.
    [form] = elements.find("form", class_="upvote")
    assert form == {"class": "upvote", "method": "get", "action": "/login"}
    assert elements.find("input", type="hidden", name="next", value="/papers/date/2026-03-06")
    assert 'aria-label="10 upvotes: upvote"' in page and '<span class="count">10</span>' in page
    assert elements.find("a", rel="prev", href="/papers/date/2007-04-02")
    assert elements.find("a", rel="next", href="/papers/date/2026-03-14")
    assert elements.find("a", class_="code", href="https://github.com/marco-garosi/CIRCLE")
    # No TeX on this page: KaTeX is not loaded (only the cards' density toggle).
    assert [s["src"].split("?")[0] for s in elements.find("script")] == ["/static/density.js"]


def test_the_old_date_parameter_and_the_date_picker_go_to_the_day(demo_site: Site) -> None:
    moved = get(demo_site, "/", date="2007-04-02")
    assert moved.status_code == 302 and moved.headers["location"] == "/papers/date/2007-04-02"
    day = httpx.get(demo_site.url + "/?date=2007-04-02", follow_redirects=True, timeout=10)
    assert "Daily papers · Apr 2, 2007" in day.text and "108 papers" in day.text
    # The picker on every day page is bounded by the catalog's first and latest listing days.
    [picker] = parse(day.text).find("input", type="date", name="date")
    assert picker["min"] < "2007-04-02" and picker["max"] == "2026-03-14"
    assert picker["value"] == "2007-04-02"
    assert parse(day.text).find("form", class_="date-picker", action="/", method="get")


def test_the_front_page_offers_the_digest_and_marks_its_section(demo_site: Site) -> None:
    page = get(demo_site, "/").text
    elements = parse(page)
    assert "Get trending papers in your email inbox" in page
    assert elements.find("a", href="/digest/subscribe")
    assert elements.find("a", href="/submit") and elements.find("a", href="/collections")
    assert elements.find("a", href="/", **{"aria-current": "page"})
    trending = parse(get(demo_site, "/trending").text)
    assert trending.find("a", href="/trending", **{"aria-current": "page"})
    assert not trending.find("a", href="/", **{"aria-current": "page"})


def test_week_and_month_neighbours_skip_empty_and_future_periods(demo_site: Site) -> None:
    # The demo lists papers in 2007 and in March 2026, nothing between and nothing after.
    march = parse(get(demo_site, "/papers/month/2026-03").text)
    [earlier] = march.find("a", rel="prev")
    assert earlier["href"].startswith("/papers/month/2007-")
    assert "No papers were listed" not in get(demo_site, earlier["href"]).text
    assert parse(get(demo_site, earlier["href"]).text).find(
        "a", rel="next", href="/papers/month/2026-03"
    )
    # No later period: the pager's next page is the only way forward.
    assert all("?page=" in a["href"] for a in march.find("a", rel="next"))
    week = parse(get(demo_site, "/papers/week/2026-W11").text)
    assert all("?page=" in a["href"] for a in week.find("a", rel="next"))
    day = parse(get(demo_site, "/papers/date/2026-03-14").text)
    assert all("?page=" in a["href"] for a in day.find("a", rel="next"))


def test_week_and_month_views(demo_site: Site) -> None:
    week = get(demo_site, "/papers/week/2007-W13")
    assert week.status_code == 200
    assert "Week 13, 2007 (Mar 26 – Apr 1)" in week.text and "92 papers" in week.text
    elements = parse(week.text)
    assert not elements.find("a", rel="prev")  # the catalog's first week with papers
    assert elements.find("a", rel="next", href="/papers/week/2007-W14")
    assert elements.find("a", href="/papers/week/2007-W13", **{"aria-current": "page"})
    month = get(demo_site, "/papers/month/2007-04")
    assert "April 2007" in month.text and "157 papers" in month.text
    # May 2007 lists nothing (the snapshot's papers were listed in March and April).
    assert parse(month.text).find("a", rel="next", href="/papers/month/2026-03")
    assert "43 papers" in get(demo_site, "/papers/month/2007-03").text
    latest_week = get(demo_site, "/papers/week")
    assert latest_week.status_code == 302
    assert latest_week.headers["location"] == "/papers/week/2026-W11"
    assert get(demo_site, "/papers/month").headers["location"] == "/papers/month/2026-03"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/papers/date/2026-02-30", "no such date: &#39;2026-02-30&#39;"),
        ("/papers/date/yesterday", "date must be YYYY-MM-DD"),
        ("/papers/week/2026-W60", "no such ISO week"),
        ("/papers/week/2026-11", "week must be YYYY-Www"),
        ("/papers/month/2026-13", "month must be YYYY-MM"),
        ("/?date=yesterday", "date must be YYYY-MM-DD"),
        ("/?page=0", "page: Input should be greater than or equal to 1"),
        ("/trending?page=abc", "page: Input should be a valid integer"),
        ("/papers/category/not%20a%20category", "Not a category"),
    ],
)
def test_bad_periods_and_pages_are_400_pages(demo_site: Site, path: str, message: str) -> None:
    response = httpx.get(demo_site.url + path)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text
    assert "<h1>Error 400</h1>" in response.text and 'id="header-q"' in response.text


def test_trending_lists_the_last_week_of_listings(demo_site: Site) -> None:
    page = get(demo_site, "/trending").text
    assert "<h1>Trending papers</h1>" in page
    assert "Listed in the 7 days up to Mar 14, 2026" in page
    assert "67 papers" in page  # Mar 8 to 14: not Mar 6, nor the 2007 papers
    assert "/papers/0704." not in page


def test_category_pages(demo_site: Site) -> None:
    page = get(demo_site, "/papers/category/hep-ph").text
    assert "<h1>Papers in hep-ph</h1>" in page and "/papers/0704.0001" in page
    elements = parse(page)
    tags = {attrs["href"] for attrs in elements.find("a", class_="tag")}
    assert "/papers/category/hep-ph" in tags
    assert elements.find("link", type="application/atom+xml", href="/feeds/category/hep-ph.atom")


# -- the paper page ------------------------------------------------------------------


def test_paper_page_shows_everything(demo_site: Site) -> None:
    response = get(demo_site, "/papers/0704.0001")
    assert response.status_code == 200
    page = response.text
    assert '<h1 class="tex">Calculation of prompt diphoton production' in page
    for name in ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"):
        assert f'<a href="{author_path(name)}">{name}</a>' in page
    assert "10.1103/PhysRevD.76.013009" in page
    assert "Phys.Rev.D76:013009,2007" in page
    assert "37 pages, 15 figures; published version" in page
    assert "0704.0001 (v2)" in page
    elements = parse(page)
    assert elements.find("a", class_="link-pdf", href="https://arxiv.org/pdf/0704.0001")
    assert elements.find("a", class_="link-abs", href="https://arxiv.org/abs/0704.0001")
    assert elements.find("form", class_="upvote", action="/login")
    assert elements.find("a", href="/papers/date/2007-04-02")
    assert '<h2 id="similar-heading">Similar papers</h2>' in page
    similar = page.split('id="similar-heading"')[1].split("</section>")[0]
    assert similar.count("<li>") >= 1 and '/papers/0704.0001"' not in similar
    assert "0 comments." in page
    assert elements.find("a", href="/login?next=%2Fpapers%2F0704.0001")  # to comment
    assert len([tag for tag, _ in elements.tags if tag == "h1"]) == 1


def test_an_hf_paper_shows_code_stars_and_comments(demo_site: Site) -> None:
    page = get(demo_site, "/papers/2602.23229").text
    assert "Code: marco-garosi/CIRCLE · ★ 9" in page
    assert parse(page).find("a", class_="link-project", href="https://circle-lmm.github.io/")
    assert "1 comment (1 on Hugging Face, not shown here)." in page
    assert "cdn-uploads.huggingface.co" not in page  # mediaUrls are never shown


def test_the_submitter_is_named(demo_site: Site) -> None:
    assert "submitted by marco-garosi" in get(demo_site, "/papers/date/2026-03-06").text
    assert "Submitted by</dt><dd>marco-garosi" in get(demo_site, "/papers/2602.23229").text


@pytest.mark.parametrize(
    "path",
    ["/papers/0704.0001v2", "/papers/arXiv:0704.0001", "/papers/https://arxiv.org/abs/0704.0001v1"],
)
def test_other_forms_of_an_id_redirect_to_the_paper(demo_site: Site, path: str) -> None:
    response = httpx.get(demo_site.url + path)
    assert response.status_code == 301
    assert response.headers["location"] == "/papers/0704.0001"


def test_unknown_papers_are_404_pages(demo_site: Site) -> None:
    response = get(demo_site, "/papers/2401.99999")
    assert response.status_code == 404
    assert "No paper &#39;2401.99999&#39; here." in response.text
    assert "<h1>Error 404</h1>" in response.text


def test_old_style_ids_and_slug_aliases(own_site: Site) -> None:
    page = get(own_site, "/papers/hep-th/9901001")
    assert page.status_code == 200 and "Old style identifiers for string dualities" in page.text
    assert parse(page.text).find("input", name="next", value="/papers/hep-th/9901001")
    versioned = get(own_site, "/papers/hep-th/9901001v3")
    assert (
        versioned.status_code == 301 and versioned.headers["location"] == "/papers/hep-th/9901001"
    )
    alias = get(own_site, f"/papers/{UNIXCODER_SLUG}")
    assert alias.status_code == 301 and alias.headers["location"] == "/papers/2203.03850"
    daily = parse(get(own_site, "/").text)
    assert daily.find("a", href="/papers/hep-th/9901001")
    assert daily.find("a", href="/papers/2203.03850")


def test_hostile_strings_are_escaped(own_site: Site) -> None:
    for path in ("/", "/search?q=learning", "/trending"):
        page = get(own_site, path).text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert 'onerror="alert(2)"' not in page and "onmouseover" not in page.replace(
            "onmouseover=&#34;x", ""
        )
        assert not parse(page).find("img")


# -- search --------------------------------------------------------------------------


def test_search_marks_the_matches(demo_site: Site) -> None:
    response = get(demo_site, "/search", q="diphoton")
    assert response.status_code == 200
    page = response.text
    assert "Results for “diphoton”" in page
    assert "Calculation of prompt <mark>diphoton</mark> production" in page
    assert "distributions of <mark>diphoton</mark> pairs" in page
    assert 'value="diphoton"' in page  # both the header box and the form keep the query
    elements = parse(page)
    assert elements.find(
        "link",
        type="application/atom+xml",
        href="/feeds/search.atom?q=diphoton&mode=hybrid&sort=relevance",
    )
    assert elements.find(
        "link",
        type="application/rss+xml",
        href="/feeds/search.rss?q=diphoton&mode=hybrid&sort=relevance",
    )


def test_search_counts_labels_and_folds_the_filters(demo_site: Site) -> None:
    page = get(demo_site, "/search", q="diphoton").text
    found = len(parse(page).find("article", class_="card"))
    assert f"{found} papers found" in page or (found == 1 and "1 paper found" in page)
    assert page.count('class="match-kind match-keyword">matches your words</p>') >= 1
    elements = parse(page)
    # The filters fold behind a summary (collapsed at phone widths; search-filters.js opens
    # them on wide screens); a set filter keeps them open.
    assert elements.find("details", class_="search-filters") == [{"class": "search-filters"}]
    assert elements.find("script", src=f"/static/search-filters.js?v={paperwire.__version__}")
    kept = parse(get(demo_site, "/search", q="diphoton", categories="hep-ph").text)
    assert kept.find("details", class_="search-filters", open="")
    nothing = get(demo_site, "/search", q="qzxvbw").text
    assert "No papers match “qzxvbw”: none has these words and none is close in meaning" in nothing


def test_search_filters_sort_and_pages(demo_site: Site) -> None:
    first = get(demo_site, "/search", q="the", mode="keyword", categories="hep-ph")
    assert first.status_code == 200
    elements = parse(first.text)
    cards = elements.find("article", class_="card")
    assert len(cards) == 20
    assert elements.find(
        "a", rel="next", href="/search?q=the&mode=keyword&sort=relevance&categories=hep-ph&page=2"
    )
    tags_per_card = first.text.split('<article class="card">')[1:]
    assert all('href="/papers/category/hep-ph"' in card for card in tags_per_card)
    second = get(demo_site, "/search", q="the", mode="keyword", categories="hep-ph", page="2")
    assert second.status_code == 200 and "Page 2" in second.text
    by_date = get(demo_site, "/search", q="the", sort="date", submitted="2007")
    assert by_date.status_code == 200 and by_date.text.count('<article class="card">') == 20
    too_deep = get(demo_site, "/search", q="the", page="11")
    assert too_deep.status_code == 400


def test_an_empty_query_shows_the_syntax(demo_site: Site) -> None:
    response = get(demo_site, "/search")
    assert response.status_code == 200
    assert "<h1>Search papers</h1>" in response.text and "Query syntax" in response.text
    assert '<code>author:"Yann LeCun"</code>' in response.text
    assert not parse(response.text).find("link", rel="alternate")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x", "submitted": "2024-13"}, "invalid submitted date &#39;2024-13&#39;"),
        ({"q": "x", "categories": "<b>"}, "invalid category"),
        ({"q": "x", "min_upvotes": "many"}, "invalid min_upvotes value"),
        ({"q": "x", "has_code": "maybe"}, "invalid has_code value"),
        ({"q": "x", "mode": "magic"}, "mode must be one of hybrid, keyword, semantic"),
        ({"q": "x", "sort": "random"}, "sort must be one of relevance, date, trending"),
    ],
)
def test_bad_filters_are_400_with_the_form_kept(
    demo_site: Site, params: dict[str, str], message: str
) -> None:
    response = get(demo_site, "/search", **params)
    assert response.status_code == 400
    assert message in response.text
    assert 'id="search-q" type="search" name="q" value="x"' in response.text


def test_search_without_an_index_is_503(no_index_site: Site) -> None:
    response = get(no_index_site, "/search", q="paper")
    assert response.status_code == 503
    assert "paperwire index rebuild" in response.text
    home = get(no_index_site, "/")
    [link] = parse(home.text).find("a", href="/papers/a-paper-on-a-site-whose-search-index-is-gone")
    paper = httpx.get(no_index_site.url + link["href"])
    assert paper.status_code == 200 and "Similar papers" not in paper.text


# -- every page ----------------------------------------------------------------------

PAGES = [
    "/",
    "/papers/date/2007-04-02",
    "/papers/week/2007-W14",
    "/papers/month/2007-04",
    "/trending",
    "/papers/category/cs",
    "/papers/0704.0005",
    "/papers/2602.23229",
    "/search?q=model",
    "/search",
    "/papers/2401.99999",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_self_contained(demo_site: Site, path: str) -> None:
    response = httpx.get(demo_site.url + path)
    assert response.status_code in (200, 404)
    elements = parse(response.text)
    for tag, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
        for attrs in elements.find(tag):
            url = urlsplit(attrs.get(attribute, ""))
            assert not url.scheme and not url.netloc, f"{tag} {attrs} on {path}"
    assert not any(tag == "script" and "src" not in attrs for tag, attrs in elements.tags)
    assert not any(name.startswith("on") for _, attrs in elements.tags for name in attrs)
    assert elements.find("html", lang="en")
    assert elements.find("a", class_="skip-link", href="#main")
    assert elements.find("input", id="header-q", name="q")
    assert elements.find("main", id="main")
    assert len([tag for tag, _ in elements.tags if tag == "h1"]) == 1
    nav = {attrs["href"] for attrs in elements.find("a")}
    assert {"/", "/papers/week", "/papers/month", "/trending", "/search", "/docs"} <= nav


@pytest.mark.parametrize(
    ("path", "feed"),
    [
        ("/", "/feeds/daily"),
        ("/papers/date/2007-04-02", "/feeds/daily"),
        ("/papers/week/2007-W14", "/feeds/daily"),
        ("/trending", "/feeds/trending"),
        ("/papers/category/hep-th", "/feeds/category/hep-th"),
        ("/search?q=model", "/feeds/search"),
    ],
)
def test_feeds_are_linked_in_head_and_footer(demo_site: Site, path: str, feed: str) -> None:
    page = httpx.get(demo_site.url + path).text
    elements = parse(page)
    [atom] = elements.find("link", rel="alternate", type="application/atom+xml")
    [rss] = elements.find("link", rel="alternate", type="application/rss+xml")
    assert atom["href"].startswith(feed + ".atom") and rss["href"].startswith(feed + ".rss")
    footer = page.split('<footer class="site-footer">')[1]
    assert f'href="{atom["href"].replace("&", "&amp;")}"' in footer


def test_math_pages_load_katex_deferred_from_this_site(demo_site: Site) -> None:
    page = get(demo_site, "/papers/0704.0005").text
    assert "$\\Lambda_{\\alpha}$" in page  # raw TeX stays readable without JavaScript
    scripts = parse(page).find("script")
    assert [s["src"].split("?")[0] for s in scripts] == [
        "/static/vendor/katex/katex.min.js",
        "/static/vendor/katex/contrib/auto-render.min.js",
        "/static/math.js",
        "/static/cite.js",
    ]
    assert all("defer" in s for s in scripts)
    for script in scripts:
        assert httpx.get(demo_site.url + script["src"]).status_code == 200
    assert httpx.get(demo_site.url + "/static/site.css").status_code == 200
