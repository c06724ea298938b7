"""Papers in huggingface.co's JSON shapes (web/hf_wire.py), decided without a server."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import orjson
from huggingface_hub.utils import parse_datetime

from paperwire.catalog.model import Link
from paperwire.catalog.store import Catalog
from paperwire.community.engagement import Engagement, engagement_for
from paperwire.ingest.hf_daily import parse_item
from paperwire.web.hf.wire import (
    author_id,
    daily_item,
    hf_datetime,
    paper_markdown,
    paper_object,
    search_item,
)
from tests.support.factories import make_paper

HF_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
NOBODY = Engagement()


def test_instants_are_utc_midnight_with_milliseconds_and_z() -> None:
    text = hf_datetime(dt.date(2026, 3, 6))
    assert text == "2026-03-06T00:00:00.000Z"
    # huggingface_hub's own parser accepts only this form.
    assert parse_datetime(text) == dt.datetime(2026, 3, 6, tzinfo=dt.UTC)


def test_published_from_submitted_else_listed_and_daily_from_listed() -> None:
    both = paper_object(
        make_paper(submitted=dt.date(2026, 2, 26), listed_on=dt.date(2026, 3, 6)), NOBODY
    )
    assert both["publishedAt"] == "2026-02-26T00:00:00.000Z"
    assert both["submittedOnDailyAt"] == "2026-03-06T00:00:00.000Z"
    listed_only = paper_object(make_paper(listed_on=dt.date(2026, 3, 14)), NOBODY)
    assert listed_only["publishedAt"] == "2026-03-14T00:00:00.000Z"
    undated = daily_item(make_paper(), NOBODY)
    assert "publishedAt" not in undated and "publishedAt" not in undated["paper"]
    assert "submittedOnDailyAt" not in undated["paper"]


def test_every_instant_in_an_item_has_hf_form() -> None:
    item = daily_item(
        make_paper(submitted=dt.date(1999, 1, 1), listed_on=dt.date(1999, 1, 4)), NOBODY
    )
    text = orjson.dumps(item).decode()
    assert "+00:00" not in text
    instants = [
        item["publishedAt"],
        item["paper"]["publishedAt"],
        item["paper"]["submittedOnDailyAt"],
    ]
    assert all(HF_INSTANT.fullmatch(value) for value in instants)


def test_authors_have_stable_distinct_object_ids() -> None:
    paper = make_paper(authors=["Ada Lovelace", "Alan Turing", "Ada Lovelace"])
    authors = paper_object(paper, NOBODY)["authors"]
    assert [author["name"] for author in authors] == paper.authors
    assert all(author["hidden"] is False for author in authors)
    ids = [author["_id"] for author in authors]
    assert all(re.fullmatch(r"[0-9a-f]{24}", value) for value in ids)
    assert len(set(ids)) == 3  # the same name twice is still two author entries
    assert ids == [author["_id"] for author in paper_object(paper, NOBODY)["authors"]]
    assert author_id("2403.01234", 0) != author_id("2403.01235", 0)


def test_counts_and_submitter_come_from_the_engagement_not_the_extras() -> None:
    paper = make_paper(
        links=[Link("code", "https://github.com/a/b")],
        extras={
            "upvotes": 99,
            "numComments": 50,
            "githubStars": 1000,
            "submitter": {"name": "bob", "fullname": "Bob"},
        },
    )
    item = daily_item(paper, Engagement(upvotes=3, num_comments=2))
    assert item["paper"]["upvotes"] == 3
    assert item["numComments"] == 2
    assert "githubStars" not in item["paper"]
    assert "submittedBy" not in item and "submittedOnDailyBy" not in item["paper"]

    counted = daily_item(paper, Engagement(upvotes=7, github_stars=12, submitted_by="bob"))
    assert counted["paper"]["upvotes"] == 7 and counted["paper"]["githubStars"] == 12
    assert counted["submittedBy"] == {"name": "bob", "fullname": "Bob"}
    assert counted["paper"]["submittedOnDailyBy"] == {"user": "bob", "fullname": "Bob"}


def test_a_full_name_is_shown_only_for_the_same_user() -> None:
    paper = make_paper(extras={"submitter": {"name": "bob", "fullname": "Bob"}})
    item = daily_item(paper, Engagement(submitted_by="alice"))
    assert item["submittedBy"] == {"name": "alice"}
    assert item["paper"]["submittedOnDailyBy"] == {"user": "alice"}


def test_fields_we_cannot_fill_are_left_out() -> None:
    item = daily_item(make_paper(listed_on=dt.date(2026, 3, 14)), NOBODY)
    assert set(item) == {
        "paper",
        "publishedAt",
        "title",
        "summary",
        "numComments",
        "isAuthorParticipating",
    }
    assert set(item["paper"]) == {
        "id",
        "authors",
        "publishedAt",
        "submittedOnDailyAt",
        "title",
        "summary",
        "upvotes",
    }
    assert item["isAuthorParticipating"] is False
    assert item["numComments"] == 0 and item["paper"]["upvotes"] == 0


def test_ids_with_a_slash_are_kept_whole() -> None:
    paper = make_paper(id="hep-th/9901001", title="Old style")
    info = paper_object(paper, NOBODY)
    assert info["id"] == "hep-th/9901001"
    assert info["authors"][0]["_id"] == author_id("hep-th/9901001", 0)
    assert daily_item(paper, NOBODY)["paper"]["id"] == "hep-th/9901001"


def test_search_items_add_the_highlight_runs() -> None:
    runs = {
        "title": [{"type": "highlight", "text": "A"}, {"type": "text", "text": " title"}],
        "summary": [{"type": "text", "text": "An abstract."}],
    }
    item = search_item(make_paper(), NOBODY, runs)
    assert item["highlightedTitle"] == runs["title"]
    assert item["highlightedSummary"] == runs["summary"]
    assert item["paper"]["id"] == "2403.01234" and item["title"] == "A title"


def test_markdown_has_the_paper_and_escapes_tags() -> None:
    paper = make_paper(
        title="Attention <script>alert(1)</script>",
        abstract="We show that x < y.\n\nSecond paragraph.",
        submitted=dt.date(2024, 3, 2),
        listed_on=dt.date(2024, 3, 4),
        links=[
            Link("abs", "https://arxiv.org/abs/2403.01234"),
            Link("code", "https://github.com/a/b"),
        ],
        comments="12 pages",
    )
    text = paper_markdown(paper, Engagement(upvotes=5, num_comments=1, submitted_by="ada"))
    assert text.startswith("# Attention \\<script>alert(1)\\</script>\n")
    assert "<script" not in text.replace("\\<", "")
    assert "Authors: Ada Lovelace, Alan Turing" in text
    assert "Published: 2024-03-02 · Listed: 2024-03-04 · Upvotes: 5 · Comments: 1" in text
    assert "Submitted by: ada" in text
    assert "## Abstract\n\nWe show that x \\< y.\n\nSecond paragraph.\n" in text
    assert "- arXiv: https://arxiv.org/abs/2403.01234" in text
    assert "- Code: https://github.com/a/b" in text
    assert "arXiv comments: 12 pages" in text


def test_a_real_hf_item_comes_back_in_hf_shape(fixtures: Path, sqlite_catalog: Catalog) -> None:
    """HF's own item, ingested and served again: the same fields and values, less the ones
    that only HF can fill (discussionId, thumbnail, who added the repository)."""
    sample: dict[str, Any] = orjson.loads((fixtures / "hf-daily-papers-sample.json").read_bytes())[
        0
    ]
    sqlite_catalog.upsert([parse_item(sample)])
    paper = sqlite_catalog.get("2602.23229")
    assert paper is not None
    ours = daily_item(paper, engagement_for(sqlite_catalog, [paper])[paper.id])

    assert set(ours) == set(sample) - {"thumbnail"}
    assert set(ours["paper"]) == set(sample["paper"]) - {"discussionId", "githubRepoAddedBy"}
    for key in ("id", "title", "summary", "upvotes", "githubStars", "projectPage", "githubRepo"):
        assert ours["paper"][key] == sample["paper"][key], key
    for key in ("ai_summary", "ai_keywords", "mediaUrls"):
        assert ours["paper"][key] == sample["paper"][key], key
    assert [a["name"] for a in ours["paper"]["authors"]] == [
        a["name"] for a in sample["paper"]["authors"]
    ]
    assert [set(a) for a in ours["paper"]["authors"]] == [
        set(a) for a in sample["paper"]["authors"]
    ]
    # HF keeps the hour; the catalog keeps the day.
    assert ours["paper"]["publishedAt"] == "2026-02-26T00:00:00.000Z"
    assert ours["paper"]["submittedOnDailyAt"] == "2026-03-06T00:00:00.000Z"
    assert ours["numComments"] == sample["numComments"] == 1
    assert ours["submittedBy"] == {"name": "marco-garosi", "fullname": "Marco Garosi"}
    assert ours["paper"]["submittedOnDailyBy"] == {
        "user": "marco-garosi",
        "fullname": "Marco Garosi",
    }
    organization = {"name": "MHUGLab", "fullname": "Multimedia and Human Understanding Group"}
    assert ours["organization"] == ours["paper"]["organization"] == organization
    assert ours["isAuthorParticipating"] is False
