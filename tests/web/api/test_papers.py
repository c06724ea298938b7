"""paperwire's own API (/api/v1) over real HTTP: uvicorn, a SQLite catalog, the keyword index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from paperwire.catalog.model import Authority, Link
from paperwire.catalog.store import Catalog
from paperwire.community.engagement import engagement_for
from paperwire.config import Settings
from paperwire.ingest.records import build_record
from paperwire.search.embed_job import embed_pending
from paperwire.search.embedder import MiniLmEmbedder
from paperwire.search.indexes import index_root, update_indexes
from paperwire.web.app import create_app
from tests.support.servers import running
from tests.web.conftest import Site, site_over

HOSTILE_TITLE = '</title><script>alert(1)</script> "quoted" & more'


def get_json(url: str, status: int = 200, **params: Any) -> Any:
    # params=None, not {}: an empty mapping would drop the query already in `url` (`next`).
    response = httpx.get(url, params=params or None)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def error_of(url: str, status: int, **params: Any) -> str:
    body = get_json(url, status, **params)
    assert set(body) == {"error"} and body["error"]
    message: str = body["error"]
    return message


@pytest.fixture(scope="module")
def own_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Papers the demo corpus lacks: an old-style (slash) id, a merged slug, a submitter."""
    records = [
        build_record(
            source="arxiv-snapshot",
            source_record_id="hep-th/9901001",
            authority=Authority.ARXIV,
            raw_id="hep-th/9901001v2",
            title="Strings on a slashed identifier",
            abstract="Old-style arXiv ids contain a slash.",
            authors=["Ada Old"],
            categories=["hep-th"],
            submitted=dt.date(1999, 1, 4),
            listed_on=dt.date(1999, 1, 5),
        ),
        build_record(
            source="hf-listing",
            source_record_id="slug",
            authority=Authority.LISTING,
            raw_id=None,
            title="Merged Paper About Graph Colouring",
            abstract="Listed before its arXiv id was known.",
            listed_on=dt.date(2026, 3, 1),
        ),
        build_record(
            source="hf-daily",
            source_record_id="2401.00002",
            authority=Authority.HF_DAILY,
            raw_id="2401.00002",
            title=HOSTILE_TITLE,
            abstract="Submitted by alice.",
            authors=["Al Ice"],
            submitted=dt.date(2024, 1, 2),
            listed_on=dt.date(2026, 3, 2),
            extras={
                "upvotes": 5,
                "numComments": 2,
                "githubStars": 3,
                "submitter": {"name": "alice", "fullname": "Al Ice"},
            },
            extra_links=[Link("code", "https://github.com/alice/repo")],
        ),
    ]
    with site_over(tmp_path_factory.mktemp("own") / "data", records, demo=False) as site:
        # A second source gives the listed paper its arXiv id: the slug becomes an alias.
        site.catalog.upsert(
            [
                build_record(
                    source="arxiv-snapshot",
                    source_record_id="2401.00001",
                    authority=Authority.ARXIV,
                    raw_id="2401.00001v3",
                    title="Merged Paper About Graph Colouring",
                    abstract="Listed before its arXiv id was known, now with one.",
                    authors=["Gra Ph"],
                    categories=["cs.DM"],
                    submitted=dt.date(2024, 1, 1),
                )
            ]
        )
        yield site


# -- listing -----------------------------------------------------------------------------


def test_list_a_day_pages_through_every_paper_once(demo_site: Site) -> None:
    url = demo_site.url + "/api/v1/papers?date=2007-04-02&limit=25"
    seen: list[str] = []
    pages = 0
    while url:
        page = get_json(url)
        assert page["total"] == 108 and page["limit"] == 25 and page["offset"] == 25 * pages
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
        pages += 1
    assert pages == 5
    assert len(seen) == len(set(seen)) == 108
    # The same pages again, by offset: the order is total, so they come back identical.
    again = [
        item["id"]
        for offset in range(0, 108, 25)
        for item in get_json(
            demo_site.url + "/api/v1/papers", date="2007-04-02", limit=25, offset=offset
        )["items"]
    ]
    assert again == seen
    submitted = [
        get_json(demo_site.url + f"/api/v1/papers/{paper_id}")["submitted"] for paper_id in seen[:3]
    ]
    assert submitted == sorted(submitted, reverse=True)


def test_next_is_absolute_and_keeps_the_filters(demo_site: Site) -> None:
    page = get_json(demo_site.url + "/api/v1/papers", month="2026-03", limit=60, order="listed")
    assert page["total"] == 68 and len(page["items"]) == 60
    assert page["next"].startswith(demo_site.url + "/api/v1/papers?")
    last = get_json(page["next"])
    assert len(last["items"]) == 8 and last["offset"] == 60 and last["next"] is None
    assert {item["listed_on"] for item in last["items"]} <= {"2026-03-14", "2026-03-06"}


@pytest.mark.parametrize(
    ("params", "total"),
    [
        ({"date": "2026-03-14"}, 67),
        ({"week": "2007-W13"}, 92),  # 2007-03-26..2007-04-01: 43 + 49
        ({"month": "2026-03"}, 68),
        ({"category": "hep-th"}, 12),
        ({"category": "cs.NE"}, 2),
        ({}, 268),
    ],
)
def test_list_filters(demo_site: Site, params: dict[str, Any], total: int) -> None:
    page = get_json(demo_site.url + "/api/v1/papers", limit=100, **params)
    assert page["total"] == total
    assert len(page["items"]) == min(total, 100)
    category = params.get("category")
    for item in page["items"]:
        if category and "." in category:
            assert item["categories"][0] == category
        elif category:
            assert item["categories"][0] == category or item["categories"][0].startswith(
                category + "."
            )


def test_list_an_archive_prefix(demo_site: Site) -> None:
    page = get_json(demo_site.url + "/api/v1/papers", category="cs", limit=100)
    primaries = [item["categories"][0] for item in page["items"]]
    assert page["total"] == len(primaries) >= 6
    assert all(primary.startswith("cs.") for primary in primaries)


def test_orders(demo_site: Site) -> None:
    listed = get_json(demo_site.url + "/api/v1/papers", order="listed", limit=100)["items"]
    days = [item["listed_on"] for item in listed]
    assert days == sorted(days, reverse=True) and days[0] == "2026-03-14"
    # Trending ranks the trending window (the 7 listing days up to Mar 14) by score; no
    # paper there has a vote, so all tie at 0 and keep the "listed" order.
    trending = get_json(demo_site.url + "/api/v1/papers", order="trending", limit=100)
    assert trending["total"] == 67
    assert [item["id"] for item in trending["items"]] == [item["id"] for item in listed][:67]
    published = get_json(demo_site.url + "/api/v1/papers", order="published", limit=100)["items"]
    # Newest first by arXiv date; a paper known only from a listing counts its listing day.
    dates = [item["submitted"] or item["listed_on"] for item in published]
    assert dates == sorted(dates, reverse=True)
    assert "2602.23229" in [item["id"] for item in published]  # submitted 2026-02-26


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"date": "2026-13-01"}, "no such date"),
        ({"date": "yesterday"}, "YYYY-MM-DD"),
        ({"week": "2026-W60"}, "no such ISO week"),
        ({"month": "2026-13"}, "YYYY-MM"),
        ({"date": "2026-03-14", "week": "2026-W11"}, "at most one"),
        ({"category": "c$"}, "invalid category"),
        ({"limit": "101"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "10001"}, "offset"),
        ({"order": "random"}, "order"),
    ],
)
def test_list_rejects_bad_parameters(demo_site: Site, params: dict[str, Any], words: str) -> None:
    assert words in error_of(demo_site.url + "/api/v1/papers", 400, **params)


def test_submitter_filter(own_site: Site) -> None:
    page = get_json(own_site.url + "/api/v1/papers", submitter="alice")
    assert [item["id"] for item in page["items"]] == ["2401.00002"]
    assert get_json(own_site.url + "/api/v1/papers", submitter="bob")["total"] == 0


def test_submitter_of_an_hf_daily_paper(demo_site: Site) -> None:
    paper = get_json(demo_site.url + "/api/v1/papers/2602.23229")
    assert paper["submitted_by"] == "marco-garosi"
    page = get_json(demo_site.url + "/api/v1/papers", submitter="marco-garosi")
    assert [item["id"] for item in page["items"]] == ["2602.23229"]


# -- one paper ---------------------------------------------------------------------------


def test_paper_json(demo_site: Site) -> None:
    paper = get_json(demo_site.url + "/api/v1/papers/0704.0001")
    assert paper["id"] == paper["arxiv_id"] == "0704.0001"
    assert paper["title"].startswith("Calculation of prompt diphoton production")
    assert paper["authors"][:2] == ["C. Balázs", "E. L. Berger"]
    assert paper["categories"] == ["hep-ph"]
    assert paper["submitted"] == "2007-04-02" and paper["listed_on"] == "2007-04-02"
    dt.date.fromisoformat(paper["updated"])
    assert paper["links"]["abs"] == "https://arxiv.org/abs/0704.0001"
    assert paper["links"]["pdf"] == "https://arxiv.org/pdf/0704.0001"
    assert paper["url"] == demo_site.url + "/papers/0704.0001"
    assert paper["withdrawn"] is False
    expected = {
        "id", "arxiv_id", "title", "abstract", "authors", "categories", "version",
        "submitted", "updated", "listed_on", "doi", "journal_ref", "comments", "license",
        "withdrawn", "links", "upvotes", "num_comments", "submitted_by", "github_stars", "url",
    }  # fmt: skip
    assert set(paper) == expected
    assert set(paper["links"]) == {"abs", "pdf", "doi", "code", "project"}


def test_counts_come_from_engagement(demo_site: Site) -> None:
    paper = get_json(demo_site.url + "/api/v1/papers/2602.23229")
    stored = demo_site.catalog.get("2602.23229")
    assert stored is not None
    engagement = engagement_for(demo_site.catalog, [stored])["2602.23229"]
    assert (paper["upvotes"], paper["num_comments"], paper["github_stars"]) == (10, 1, 9)
    assert paper["upvotes"] == engagement.upvotes
    assert paper["num_comments"] == engagement.num_comments
    assert paper["github_stars"] == engagement.github_stars
    assert paper["submitted_by"] == engagement.submitted_by
    assert paper["links"]["code"] == "https://github.com/marco-garosi/CIRCLE"
    assert paper["links"]["project"] == "https://circle-lmm.github.io/"
    listed = get_json(demo_site.url + "/api/v1/papers", date="2026-03-06")["items"]
    assert listed == [paper]
    unpopular = get_json(demo_site.url + "/api/v1/papers/0704.0001")
    assert (unpopular["upvotes"], unpopular["num_comments"], unpopular["github_stars"]) == (
        0,
        0,
        None,
    )


@pytest.mark.parametrize(
    "asked", ["0704.0001v2", "arXiv:0704.0001", "https://arxiv.org/abs/0704.0001v1"]
)
def test_paper_by_other_forms_of_its_id(demo_site: Site, asked: str) -> None:
    assert get_json(demo_site.url + f"/api/v1/papers/{asked}")["id"] == "0704.0001"


def test_slash_ids_and_aliases(own_site: Site) -> None:
    old = get_json(own_site.url + "/api/v1/papers/hep-th/9901001")
    assert old["id"] == old["arxiv_id"] == "hep-th/9901001" and old["version"] == 2
    assert old["url"] == own_site.url + "/papers/hep-th/9901001"
    assert get_json(own_site.url + "/api/v1/papers/hep-th/9901001v2")["id"] == "hep-th/9901001"
    merged = get_json(own_site.url + "/api/v1/papers/merged-paper-about-graph-colouring")
    assert merged["id"] == "2401.00001" and merged["listed_on"] == "2026-03-01"


def test_hostile_strings_round_trip(own_site: Site) -> None:
    paper = get_json(own_site.url + "/api/v1/papers/2401.00002")
    assert paper["title"] == HOSTILE_TITLE
    assert (paper["upvotes"], paper["num_comments"], paper["github_stars"]) == (5, 2, 3)
    assert paper["submitted_by"] == "alice"


def test_unknown_paper_is_a_json_404(demo_site: Site) -> None:
    assert error_of(demo_site.url + "/api/v1/papers/2401.99999", 404) == "No such paper"
    assert error_of(demo_site.url + "/api/v1/papers/no-such-slug", 404) == "No such paper"
    assert error_of(demo_site.url + "/api/v1/papers/2401.99999/similar", 404) == "No such paper"


# -- similar -----------------------------------------------------------------------------


def test_similar_by_title_words_without_vectors(demo_site: Site) -> None:
    answer = get_json(demo_site.url + "/api/v1/papers/0704.0001/similar", limit=5)
    assert answer["paper_id"] == "0704.0001" and answer["method"] == "keyword"
    ids = [item["paper"]["id"] for item in answer["items"]]
    assert 1 <= len(ids) <= 5 and "0704.0001" not in ids
    scores = [item["score"] for item in answer["items"]]
    assert scores == sorted(scores, reverse=True)
    assert "limit" in error_of(demo_site.url + "/api/v1/papers/0704.0001/similar", 400, limit=51)


def test_similar_of_a_slash_id(own_site: Site) -> None:
    answer = get_json(own_site.url + "/api/v1/papers/hep-th/9901001/similar")
    assert answer["paper_id"] == "hep-th/9901001"
    assert "hep-th/9901001" not in [item["paper"]["id"] for item in answer["items"]]


@pytest.fixture(scope="module")
def semantic_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo corpus with vectors (about 5 s: 64 tokens per paper keep it short)."""
    with site_over(tmp_path_factory.mktemp("semantic") / "data", semantic=True) as site:
        embed_pending(site.catalog, MiniLmEmbedder(max_tokens=64))
        update_indexes(site.catalog, index_root(site.settings.data_dir))
        yield site


def test_semantic_similar_and_search_modes(semantic_site: Site) -> None:
    url = semantic_site.url
    similar = get_json(url + "/api/v1/papers/0704.0001/similar", limit=5)
    assert similar["method"] == "semantic"
    ids = [item["paper"]["id"] for item in similar["items"]]
    assert len(ids) == 5 and "0704.0001" not in ids
    for mode in ("hybrid", "semantic", "keyword"):
        answer = get_json(url + "/api/v1/search", q="delineating organs in CT scans", mode=mode)
        assert answer["mode"] == mode
        if mode != "keyword":  # no title shares a word with the query: meaning finds them
            titles = [item["paper"]["title"] for item in answer["items"][:5]]
            assert any("Medical Image Segmentation" in title for title in titles), titles
    stats = get_json(url + "/api/v1/stats")
    assert stats["semantic_enabled"] is True and stats["vector_index"]["built"] is True


# -- search ------------------------------------------------------------------------------


def test_search_with_highlights(demo_site: Site) -> None:
    answer = get_json(demo_site.url + "/api/v1/search", q="segmentation", limit=5)
    assert answer["mode"] == "keyword"  # hybrid asked, no vectors: words only
    assert answer["limit"] == 5 and answer["offset"] == 0 and len(answer["items"]) == 5
    for item in answer["items"]:
        text = " ".join(
            run["text"] for run in item["highlights"]["title"] + item["highlights"]["summary"]
        )
        marked = [
            run["text"].lower()
            for run in item["highlights"]["title"] + item["highlights"]["summary"]
            if run["type"] == "highlight"
        ]
        assert marked and all(word.startswith("segment") for word in marked), text
        assert item["score"] > 0 and item["paper"]["url"].startswith(demo_site.url + "/papers/")
    assert answer["next"] is not None
    following = get_json(answer["next"])
    assert following["offset"] == 5
    first = {item["paper"]["id"] for item in answer["items"]}
    assert first.isdisjoint(item["paper"]["id"] for item in following["items"])


def test_search_semantic_falls_back_to_keyword(demo_site: Site) -> None:
    answer = get_json(demo_site.url + "/api/v1/search", q="segmentation", mode="semantic")
    assert answer["mode"] == "keyword" and answer["items"]


@pytest.mark.parametrize(
    ("params", "check"),
    [
        # Search filters match any of a paper's categories (cross-lists too).
        ({"categories": "hep-th,hep-ph"}, lambda p: {"hep-th", "hep-ph"} & set(p["categories"])),
        ({"submitted": "2007-04-01..2007-04-02"}, lambda p: p["submitted"] >= "2007-04-01"),
        ({"listed_on": "2026-03"}, lambda p: p["listed_on"].startswith("2026-03")),
        ({"has_code": "true"}, lambda p: p["links"]["code"] is not None),
        ({"has_code": "false"}, lambda p: p["links"]["code"] is None),
        ({"min_upvotes": "5"}, lambda p: p["upvotes"] >= 5),
    ],
)
def test_search_filters(demo_site: Site, params: dict[str, Any], check: Any) -> None:
    # "model" and "the" between them match papers of every kind in the demo corpus.
    answer = get_json(demo_site.url + "/api/v1/search", q="model the", limit=100, **params)
    assert answer["items"]
    assert all(check(item["paper"]) for item in answer["items"])
    everything = get_json(demo_site.url + "/api/v1/search", q="model the", limit=100)
    assert not all(check(item["paper"]) for item in everything["items"])  # it did filter


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q must not be empty"),
        ({}, "q"),
        ({"q": "x", "mode": "psychic"}, "mode"),
        ({"q": "x", "sort": "random"}, "sort"),
        ({"q": "x", "submitted": "2024-13"}, "submitted"),
        ({"q": "x", "listed_on": "2025..2024"}, "empty listed_on range"),
        ({"q": "x", "categories": "C$"}, "invalid category"),
        ({"q": "x", "has_code": "maybe"}, "has_code"),
        ({"q": "x", "min_upvotes": "-1"}, "min_upvotes"),
        ({"q": "x", "limit": "101"}, "limit"),
        ({"q": "x", "offset": "1001"}, "offset"),
    ],
)
def test_search_rejects_bad_parameters(demo_site: Site, params: dict[str, Any], words: str) -> None:
    assert words in error_of(demo_site.url + "/api/v1/search", 400, **params)


def test_without_an_index_search_is_a_json_503(tmp_path: Path, sqlite_catalog: Catalog) -> None:
    sqlite_catalog.upsert(
        [
            build_record(
                source="arxiv-snapshot",
                source_record_id="2401.00003",
                authority=Authority.ARXIV,
                raw_id="2401.00003",
                title="Not indexed yet",
            )
        ]
    )
    settings = Settings(data_dir=tmp_path / "no-index")
    with running(create_app(settings, catalog=sqlite_catalog, semantic=False)) as url:
        assert "index rebuild" in error_of(url + "/api/v1/search", 503, q="anything")
        assert "index rebuild" in error_of(url + "/api/v1/papers/2401.00003/similar", 503)
        assert get_json(url + "/api/v1/papers/2401.00003")["title"] == "Not indexed yet"
        stats = get_json(url + "/api/v1/stats")
        assert stats["keyword_index"] == {"built": False, "generation": None, "applied_seq": 0}
        assert stats["keyword_index_behind"] == stats["change_seq"] >= 1


# -- feeds and stats ---------------------------------------------------------------------


def test_feeds_metadata_points_at_working_feeds(demo_site: Site) -> None:
    info = get_json(demo_site.url + "/api/v1/feeds")
    assert [feed["name"] for feed in info["feeds"]] == ["daily", "trending"]
    urls = [url for feed in info["feeds"] for url in feed["formats"].values()]
    templates = {template["name"]: template for template in info["templates"]}
    urls += [url.replace("{q}", "segmentation") for url in templates["search"]["formats"].values()]
    urls += [
        url.replace("{category}", "hep-th") for url in templates["category"]["formats"].values()
    ]
    assert len(urls) == 8
    for url in urls:
        assert url.startswith(demo_site.url + "/feeds/")
        response = httpx.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("application/")


def test_stats(demo_site: Site) -> None:
    stats = get_json(demo_site.url + "/api/v1/stats")
    assert stats["papers"] == 268 and stats["withdrawn"] == 0
    assert stats["by_source"] == {"arxiv-snapshot": 200, "hf-daily": 1, "hf-listing": 67}
    assert stats["first_listed_on"] == "2007-03-31" and stats["last_listed_on"] == "2026-03-14"
    assert stats["keyword_index"]["built"] is True
    assert stats["keyword_index"]["applied_seq"] == stats["change_seq"]
    assert stats["keyword_index_behind"] == 0
    assert stats["semantic_enabled"] is False


def test_unknown_api_path_is_a_json_404(demo_site: Site) -> None:
    assert error_of(demo_site.url + "/api/v1/nothing-here", 404)
