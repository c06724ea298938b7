"""The HF-compatible API (web/hf_api.py) over real HTTP, against uvicorn and the demo corpus.

The demo lists 67 HF-listing papers on 2026-03-14 (its latest day), 200 arXiv papers on
2007-03-31 (43), 2007-04-01 (49) and 2007-04-02 (108), and one HF daily item, 2602.23229,
on 2026-03-06, submitted by marco-garosi with 10 upvotes, 9 stars and 1 comment.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from paperwire.catalog.listing import ListQuery
from paperwire.catalog.model import Authority
from paperwire.catalog.periods import parse_day
from paperwire.ingest.records import build_record
from paperwire.search.indexes import index_root
from tests.web.conftest import Site, site_over

HF_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
DEMO_ITEM = "2602.23229"
HOSTILE_TITLE = '</title><script>alert(1)</script><img src=x onerror="alert(2)">'


def daily(site: Site, **params: Any) -> list[dict[str, Any]]:
    response = httpx.get(site.url + "/api/daily_papers", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    items: list[dict[str, Any]] = response.json()
    return items


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["paper"]["id"] for item in items]


def test_without_a_period_the_latest_day_is_listed_in_pages(demo_site: Site) -> None:
    first = daily(demo_site)
    second = daily(demo_site, p=1)
    assert (len(first), len(second)) == (50, 17)  # HF's default limit is 50
    assert daily(demo_site, p=2) == []
    listed = {item["paper"]["submittedOnDailyAt"] for item in first + second}
    assert listed == {"2026-03-14T00:00:00.000Z"}
    titles = {item["title"] for item in first + second}
    assert "UniXcoder: Unified Cross-Modal Pre-training for Code Representation" in titles
    assert len(set(ids(first + second))) == 67


def test_pages_follow_the_catalog_order_without_overlap(demo_site: Site) -> None:
    pages = [daily(demo_site, date="2007-04-02", limit=50, p=p) for p in range(3)]
    assert [len(page) for page in pages] == [50, 50, 8]
    everything = [paper_id for page in pages for paper_id in ids(page)]
    assert len(set(everything)) == 108
    expected = demo_site.catalog.list_page(
        ListQuery(period=parse_day("2007-04-02")), limit=200, order="published"
    )
    assert everything == [paper.id for paper in expected.papers]
    assert ids(daily(demo_site, date="2007-04-02", limit=50)) == ids(pages[0])  # stable
    trending = ids(daily(demo_site, date="2007-04-02", limit=100, sort="trending"))
    trending += ids(daily(demo_site, date="2007-04-02", limit=100, sort="trending", p=1))
    assert sorted(trending) == sorted(everything)


def test_date_week_and_month_select_listing_days(demo_site: Site) -> None:
    assert ids(daily(demo_site, date="2026-03-06")) == [DEMO_ITEM]
    assert ids(daily(demo_site, week="2026-W10")) == [DEMO_ITEM]  # Mar 2 - Mar 8
    assert len(daily(demo_site, month="2026-03", limit=100)) == 68
    # 2007-W14 starts on Monday 2007-04-02: only that day of the demo falls in it.
    assert len(daily(demo_site, week="2007-W14", limit=100)) == 100
    assert len(daily(demo_site, week="2007-W14", limit=100, p=1)) == 8
    april = daily(demo_site, month="2007-04", limit=100) + daily(
        demo_site, month="2007-04", limit=100, p=1
    )
    assert len(april) == 49 + 108
    assert daily(demo_site, date="2026-03-07") == []


def test_submitter_selects_that_users_papers(demo_site: Site) -> None:
    items = daily(demo_site, submitter="marco-garosi")
    assert ids(items) == [DEMO_ITEM]
    assert items[0]["submittedBy"] == {"name": "marco-garosi", "fullname": "Marco Garosi"}
    assert ids(daily(demo_site, submitter="marco-garosi", month="2026-03")) == [DEMO_ITEM]
    assert daily(demo_site, submitter="marco-garosi", date="2026-03-14") == []
    assert daily(demo_site, submitter="somebody-else") == []


def test_a_daily_item_has_hfs_fields_and_values(demo_site: Site) -> None:
    [item] = daily(demo_site, date="2026-03-06")
    paper = item["paper"]
    assert (
        paper["title"]
        == item["title"]
        == "Large Multimodal Models as General In-Context Classifiers"
    )
    assert [author["name"] for author in paper["authors"]] == [
        "Marco Garosi",
        "Matteo Farina",
        "Alessandro Conti",
        "Massimiliano Mancini",
        "Elisa Ricci",
    ]
    assert paper["publishedAt"] == item["publishedAt"] == "2026-02-26T00:00:00.000Z"
    assert paper["submittedOnDailyAt"] == "2026-03-06T00:00:00.000Z"
    assert (paper["upvotes"], paper["githubStars"], item["numComments"]) == (10, 9, 1)
    assert paper["githubRepo"] == "https://github.com/marco-garosi/CIRCLE"
    assert paper["projectPage"] == "https://circle-lmm.github.io/"
    assert paper["submittedOnDailyBy"] == {"user": "marco-garosi", "fullname": "Marco Garosi"}
    assert "CIRCLE" in paper["ai_keywords"]
    assert item["isAuthorParticipating"] is False
    # Nothing we do not have: no HF thumbnail, no HF discussion.
    assert "thumbnail" not in item and "discussionId" not in paper


def test_every_instant_has_hfs_form(demo_site: Site) -> None:
    text = httpx.get(demo_site.url + "/api/daily_papers", params={"limit": 100}).text
    instants = re.findall(r'"(?:publishedAt|submittedOnDailyAt)":"([^"]*)"', text)
    assert len(instants) == 67 * 3  # two in each paper, one beside it
    assert all(HF_INSTANT.fullmatch(value) for value in instants)
    assert "+00:00" not in text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date": "2026-02-30"}, "no such date"),
        ({"date": "yesterday"}, "date must be YYYY-MM-DD"),
        ({"week": "2026-W54"}, "no such ISO week"),
        ({"week": "2026-11"}, "week must be YYYY-Www"),
        ({"month": "2026-13"}, "month must be YYYY-MM"),
        ({"date": "2026-03-06", "month": "2026-03"}, "at most one of date, week and month"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"p": -1}, "p"),
        ({"sort": "upvotes"}, "sort"),
        ({"submitter": "x" * 201}, "submitter"),
    ],
)
def test_bad_parameters_are_400_with_a_json_message(
    demo_site: Site, params: dict[str, Any], message: str
) -> None:
    response = httpx.get(demo_site.url + "/api/daily_papers", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert message in response.json()["error"]


def test_one_paper_flat_by_id_or_versioned_id(demo_site: Site) -> None:
    response = httpx.get(demo_site.url + f"/api/papers/{DEMO_ITEM}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    paper = response.json()
    assert paper["id"] == DEMO_ITEM and "paper" not in paper
    assert paper["title"] == "Large Multimodal Models as General In-Context Classifiers"
    assert (paper["upvotes"], paper["githubStars"]) == (10, 9)
    assert httpx.get(demo_site.url + f"/api/papers/{DEMO_ITEM}v1").json()["id"] == DEMO_ITEM
    arxiv = httpx.get(demo_site.url + "/api/papers/0704.0001").json()
    assert arxiv["title"] == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert arxiv["authors"][0]["name"] == "C. Balázs"
    assert arxiv["publishedAt"] == "2007-04-02T00:00:00.000Z"


def test_an_unknown_paper_is_404_json(demo_site: Site) -> None:
    for path in ("/api/papers/2401.99999", "/api/papers/no/such/paper", "/api/papers/"):
        response = httpx.get(demo_site.url + path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"error": "Paper not found"}


def test_search_answers_in_hfs_shape(demo_site: Site) -> None:
    response = httpx.get(demo_site.url + "/api/papers/search", params={"q": "diphoton"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    first = response.json()[0]
    assert first["paper"]["id"] == "0704.0001"
    assert first["title"] == first["paper"]["title"]
    assert {"type": "highlight", "text": "diphoton"} in first["highlightedTitle"]
    assert first["highlightedSummary"]
    assert first["numComments"] == 0 and first["paper"]["upvotes"] == 0
    found = httpx.get(
        demo_site.url + "/api/papers/search", params={"q": "in-context classifiers", "limit": 1}
    ).json()
    assert ids(found) == [DEMO_ITEM]
    assert found[0]["paper"]["upvotes"] == 10 and found[0]["numComments"] == 1


def test_search_limits_and_empty_queries(demo_site: Site) -> None:
    url = demo_site.url + "/api/papers/search"
    assert httpx.get(url).json() == []
    assert len(httpx.get(url, params={"q": "the", "limit": 3}).json()) == 3
    for params in ({"q": "x", "limit": 121}, {"q": "x", "limit": 0}, {"q": "x" * 251}):
        response = httpx.get(url, params=params)
        assert response.status_code == 400 and "error" in response.json()


def test_search_without_an_index_is_503(tmp_path: Path) -> None:
    with site_over(tmp_path / "data", demo=False) as site:
        shutil.rmtree(index_root(site.settings.data_dir))
        response = httpx.get(site.url + "/api/papers/search", params={"q": "anything"})
    assert response.status_code == 503
    assert "index rebuild" in response.json()["error"]


def test_markdown_of_a_paper(demo_site: Site) -> None:
    response = httpx.get(demo_site.url + f"/papers/{DEMO_ITEM}.md")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    text = response.text
    assert text.startswith("# Large Multimodal Models as General In-Context Classifiers\n")
    assert "Upvotes: 10 · Comments: 1 · Submitted by: marco-garosi" in text
    assert "- Code: https://github.com/marco-garosi/CIRCLE" in text
    missing = httpx.get(demo_site.url + "/papers/2401.99999.md")
    assert missing.status_code == 404 and missing.json() == {"error": "Paper not found"}
    # The HTML page beside it still answers.
    page = httpx.get(demo_site.url + f"/papers/{DEMO_ITEM}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


@pytest.fixture(scope="module")
def odd_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """An old-style id with a slash and a hostile title, on their own listing days."""
    records = [
        build_record(
            source="arxiv-oai",
            source_record_id="oai:arXiv.org:hep-th/9901001",
            authority=Authority.ARXIV,
            raw_id="hep-th/9901001",
            title="Strings on the old-style id",
            abstract="An abstract from 1999.",
            authors=["A. Physicist"],
            categories=["hep-th"],
            submitted=dt.date(1999, 1, 1),
            listed_on=dt.date(1999, 1, 4),
        ),
        build_record(
            source="hf-listing",
            source_record_id="hostile",
            authority=Authority.LISTING,
            raw_id=None,
            title=HOSTILE_TITLE,
            abstract="<b>bold</b> claims",
            listed_on=dt.date(1999, 1, 5),
        ),
    ]
    with site_over(tmp_path_factory.mktemp("odd") / "data", records, demo=False) as site:
        yield site


def test_ids_with_a_slash_work_everywhere(odd_site: Site) -> None:
    [item] = daily(odd_site, date="1999-01-04")
    assert item["paper"]["id"] == "hep-th/9901001"
    info = httpx.get(odd_site.url + "/api/papers/hep-th/9901001")
    assert info.status_code == 200 and info.json()["title"] == "Strings on the old-style id"
    assert httpx.get(odd_site.url + "/api/papers/hep-th/9901001v2").json()["id"] == "hep-th/9901001"
    markdown = httpx.get(odd_site.url + "/papers/hep-th/9901001.md")
    assert markdown.status_code == 200
    assert markdown.text.startswith("# Strings on the old-style id\n")
    assert "Categories: hep-th" in markdown.text


def test_hostile_text_stays_text(odd_site: Site) -> None:
    [item] = daily(odd_site, date="1999-01-05")
    assert item["title"] == HOSTILE_TITLE  # JSON carries it as data
    markdown = httpx.get(odd_site.url + f"/papers/{item['paper']['id']}.md").text
    assert re.search(r"(?<!\\)<", markdown) is None  # every < escaped: no tag can open
    assert "\\<script>alert(1)\\</script>" in markdown
    assert "\\<b>bold\\</b> claims" in markdown
