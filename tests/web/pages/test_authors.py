"""Author pages and the cards that link to them, over real HTTP: exact names (a hostile
one too), newest first, paged, co-authors with counts, 404 for nobody."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paperwire.web.pages import authors as author_pages
from paperwire.web.present import author_path
from tests.support.factories import make_record
from tests.web.conftest import Site, site_over
from tests.web.pages.test_papers import Elements

HOSTILE = "\"><svg onload=alert(1)> O'Brien/李 100%"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    records = [
        make_record(
            raw_id=f"2603.{number:05d}",
            title=f"Authored paper {number}",
            authors=[HOSTILE, "Ada Lovelace"] if number % 2 else [HOSTILE, "Alan Turing"],
            listed_on=dt.date(2026, 3, 1) + dt.timedelta(days=number),
        )
        for number in range(1, 36)
    ]
    data_dir: Path = tmp_path_factory.mktemp("authors") / "data"
    with site_over(data_dir, records, demo=False) as served:
        yield served


def test_author_page_lists_papers_newest_first_and_co_authors(site: Site) -> None:
    response = httpx.get(site.url + author_path(HOSTILE))
    assert response.status_code == 200
    html = response.text
    assert "<svg" not in html  # the name is text, escaped
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html or "&quot;&gt;&lt;svg" in html
    titles = [line for line in html.splitlines() if "Authored paper" in line and "<h2" in line]
    assert len(titles) == author_pages.PAGE_SIZE
    assert "Authored paper 35<" in titles[0]
    assert "35 papers" in html
    parsed = Elements()
    parsed.feed(html)
    assert parsed.find("a", href=author_path("Ada Lovelace"))
    assert "18 papers" in html and "17 papers" in html  # Ada (odd), Alan (even)
    second = httpx.get(site.url + author_path(HOSTILE), params={"page": 2})
    assert second.status_code == 200
    assert "Authored paper 1<" in second.text


def test_cards_and_paper_page_link_each_author(site: Site) -> None:
    front = Elements()
    front.feed(httpx.get(site.url + "/papers/month/2026-03").text)
    assert front.find("a", href=author_path(HOSTILE))
    paper = Elements()
    paper.feed(httpx.get(site.url + "/papers/2603.00001").text)
    assert paper.find("a", href=author_path(HOSTILE))
    assert paper.find("a", href=author_path("Ada Lovelace"))


def test_unknown_author_and_page_past_the_end_are_404(site: Site) -> None:
    assert httpx.get(site.url + author_path("Nobody Here")).status_code == 404
    assert httpx.get(site.url + author_path("Ada Lovelace"), params={"page": 9}).status_code == 404
    # A near miss is not a match: names are compared whole.
    assert httpx.get(site.url + author_path("Ada")).status_code == 404
    assert httpx.get(site.url + author_path("Ada\x00Lovelace")).status_code == 404
