"""Presentation helpers: what the cards and pages show, decided without a server."""

from __future__ import annotations

import datetime as dt

import pytest
from markupsafe import Markup

from paperwire.catalog.model import Link, Paper
from paperwire.community.engagement import Engagement
from paperwire.web import math_guard, present
from tests.support import factories


def make_paper(**fields: object) -> Paper:
    """No abstract and no authors unless a test gives them."""
    return factories.make_paper(**{"abstract": "", "authors": [], **fields})


def test_has_tex_finds_every_delimiter() -> None:
    assert present.has_tex(["$\\alpha$-NeRF"])
    assert present.has_tex(["plain", "\\(x\\)"])
    assert present.has_tex(["\\[x\\]"])
    assert not present.has_tex(["No math here", "50% faster"])


def test_labels_and_numbers() -> None:
    assert present.day_label(dt.date(2026, 3, 4)) == "Mar 4, 2026"
    assert present.day_label(None) == ""
    assert present.compact_number(999) == "999"
    assert present.compact_number(1000) == "1k"
    assert present.compact_number(12_345) == "12.3k"
    assert present.compact_number(2_500_000) == "2.5M"
    assert present.repo_label("https://github.com/owner/repo") == "owner/repo"
    assert present.repo_label("https://example.org/") == "example.org"


def test_only_http_links_are_shown_in_reading_order() -> None:
    paper = make_paper(
        links=[
            Link("doi", "https://doi.org/10.1/x"),
            Link("code", "javascript:alert(1)"),
            Link("code", "https://github.com/o/r"),
            Link("pdf", "https://arxiv.org/pdf/2403.01234"),
            Link("abs", "https://arxiv.org/abs/2403.01234"),
            Link("project", "data:text/html,<script>alert(1)</script>"),
        ]
    )
    views = present.paper_links(paper)
    assert [(view.kind, view.label) for view in views] == [
        ("abs", "arXiv"),
        ("pdf", "PDF"),
        ("code", "Code"),
        ("doi", "DOI"),
    ]
    assert present.code_url(paper) == "https://github.com/o/r"
    assert present.code_url(make_paper(links=[Link("code", "javascript:x")])) is None


def test_highlight_escapes_every_run_and_marks_matches() -> None:
    html = present.highlight(
        [
            {"type": "text", "text": "<script>alert(1)</script> "},
            {"type": "highlight", "text": "<b>bert</b>"},
            {"type": "text", "text": " & more"},
        ]
    )
    assert isinstance(html, Markup)
    assert str(html) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>&lt;b&gt;bert&lt;/b&gt;</mark> &amp; more"
    )
    assert present.highlight([]) == ""


def test_with_query_drops_empty_values() -> None:
    assert present.with_query("/search", {"q": "a b", "mode": "", "page": None}) == "/search?q=a+b"
    assert present.with_query("/", {}) == "/"


def test_pager_links() -> None:
    first = present.Pager("/", {"date": "2026-03-14"}, 1, 50, total=120)
    assert first.pages == 3 and first.prev_url is None
    assert first.next_url == "/?date=2026-03-14&page=2"
    last = present.Pager("/", {}, 3, 50, total=120)
    assert last.next_url is None and last.prev_url == "/?page=2" and last.first_index == 101
    assert present.Pager("/", {}, 2, 50, total=60).prev_url == "/"
    assert present.Pager("/", {}, 1, 50, total=0).pages == 1
    search = present.Pager("/search", {"q": "x"}, 1, 20, has_more=True)
    assert search.pages is None and search.next_url == "/search?q=x&page=2"
    assert present.Pager("/search", {"q": "x"}, 2, 20).next_url is None


def test_cards_default_to_no_engagement() -> None:
    paper = make_paper(links=[Link("code", "https://github.com/o/r")])
    [card] = present.cards([paper], {})
    assert card.engagement == Engagement() and card.code_url == "https://github.com/o/r"


def test_a_card_works_out_its_links_and_labels_escaped() -> None:
    paper = make_paper(
        id="hep-th/9901001",
        title="$\\alpha$ <b>bold</b>",
        abstract="An abstract " * 40,
        authors=["Ada <script>", "B & C", "x/y?z", "D", "E"],
        categories=["hep-th", "cs.CL", "a&b", "math.AG"],
        listed_on=dt.date(2026, 12, 4),
    )
    [card] = present.cards([paper], {})
    assert card.url == "/papers/hep-th/9901001"
    assert card.title_class == math_guard.tex_class(paper.title) == "tex"
    assert card.abstract_class == math_guard.tex_class(paper.abstract)
    assert card.listed_iso == "2026-12-04" and card.listed_label == "Dec 4, 2026"
    assert card.excerpt == present.excerpt(paper.abstract)
    assert isinstance(card.author_links, Markup)
    assert str(card.author_links) == (
        '<a href="/authors/Ada%20%3Cscript%3E">Ada &lt;script&gt;</a>, '
        '<a href="/authors/B%20%26%20C">B &amp; C</a>, '
        '<a href="/authors/x%2Fy%3Fz">x/y?z</a>'
    )
    assert card.more_authors == 2
    # Three tags, each name escaped and its path quoted.
    assert str(card.category_tags) == (
        '<a class="tag" href="/papers/category/hep-th">hep-th</a>'
        '<a class="tag" href="/papers/category/cs.CL">cs.CL</a>'
        '<a class="tag" href="/papers/category/a%26b">a&amp;b</a>'
    )
    unlisted = present.cards([make_paper(listed_on=None)], {})[0]
    assert unlisted.listed_iso == "" and unlisted.listed_label == ""


def test_day_labels_do_not_follow_the_locale() -> None:
    labels = [present.day_label(dt.date(2026, month, 1)) for month in range(1, 13)]
    assert labels == [f"{dt.date(2026, m, 1):%b} 1, 2026" for m in range(1, 13)]


def test_feed_urls_carry_the_query() -> None:
    feed = present.feed("Search", "/feeds/search", {"q": "a&b", "mode": None})
    assert feed.atom == "/feeds/search.atom?q=a%26b"
    assert feed.rss == "/feeds/search.rss?q=a%26b"
    assert present.feed("Daily", "/feeds/daily").atom == "/feeds/daily.atom"


def test_highlighted_titles_keep_what_the_snippet_dropped() -> None:
    title = "From dyadic $\\Lambda_{\\alpha}$ to $\\Lambda_{\\alpha}$"
    runs = [
        {"type": "text", "text": "From "},
        {"type": "highlight", "text": "dyadic"},
        {"type": "text", "text": " $\\Lambda_{\\alpha}$ to $\\Lambda_{\\alpha"},
    ]
    assert str(present.highlight_title(runs, title)) == (
        "From <mark>dyadic</mark> $\\Lambda_{\\alpha}$ to $\\Lambda_{\\alpha}$"
    )
    assert present.highlight_title([], "<b>") == "&lt;b&gt;"
    assert present.highlight_title([{"type": "text", "text": "other"}], "a < b") == "a &lt; b"


def test_highlighted_snippets_say_where_the_abstract_goes_on() -> None:
    text = "One two three four five."
    middle = [{"type": "highlight", "text": "three"}]
    assert str(present.highlight_snippet(middle, text)) == "… <mark>three</mark> …"
    whole = [{"type": "text", "text": text}]
    assert str(present.highlight_snippet(whole, text)) == text
    assert str(present.highlight_snippet([], "<i>x</i>")) == "&lt;i&gt;x&lt;/i&gt;"


def test_relative_times_use_the_largest_whole_unit() -> None:
    now = dt.datetime(2026, 3, 14, 12, 0, tzinfo=dt.UTC)
    ago = lambda **delta: present.relative_time(now - dt.timedelta(**delta), now)  # noqa: E731
    assert ago(seconds=30) == "just now"
    assert ago(minutes=1) == "1 minute ago"
    assert ago(hours=3, minutes=59) == "3 hours ago"
    assert ago(days=1) == "1 day ago"
    assert ago(days=15) == "2 weeks ago"
    assert ago(days=61) == "2 months ago"
    assert ago(days=800) == "2 years ago"
    assert ago(seconds=-5) == "just now"  # a clock a little behind the comment's


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Code at https://github.com/a/b.",
            'Code at <a href="https://github.com/a/b" rel="nofollow ugc noopener">'
            "https://github.com/a/b</a>.",
        ),
        ("javascript:alert(1) and data:text/html,<b>x</b>", None),
        ('https://e.org/"onmouseover="alert(1)', "quote"),
        ("https://e.org/<script>alert(1)</script>", "script"),
        (r"formula $\url{https://evil.example}$ stays TeX", None),
        ("HTTP://EXAMPLE.ORG/x", "upper"),
    ],
)
def test_abstract_urls_become_safe_links_and_nothing_else_does(
    text: str, expected: str | None
) -> None:
    from paperwire.web.present import linkify

    html = str(linkify(text))
    if expected is None:
        assert "<a " not in html and "<b>" not in html
    elif expected == "quote":
        assert html.startswith('<a href="https://e.org/" rel="nofollow ugc noopener">')
        assert "&#34;onmouseover=&#34;alert(1)" in html
    elif expected == "script":
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert html.count("<a ") == 1
    elif expected == "upper":
        assert html.count("<a ") == 1
    else:
        assert html == expected
