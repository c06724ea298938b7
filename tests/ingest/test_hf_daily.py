"""HF daily papers: the real API item, live harvest from a replay server, merge, hostile data."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest

from paperwire.catalog.model import Authority, PaperRecord, Rejection
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.ingest import hf_daily
from paperwire.ingest.base import InputUnreadable, Item
from paperwire.ingest.hf_daily import HfDailySource, harvest_hf_daily
from paperwire.ingest.pipeline import run_source
from paperwire.ingest.records import build_record
from tests.support.replay import Reply, replay_server

SAMPLE = "hf-daily-papers-sample.json"
PAPER_ID = "2602.23229"


def sample(fixtures: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = orjson.loads((fixtures / SAMPLE).read_bytes())
    return data


def write_items(tmp_path: Path, items: Any) -> Path:
    path = tmp_path / "daily.json"
    path.write_bytes(orjson.dumps(items))
    return path


def read(path: Path) -> list[Item]:
    return list(HfDailySource(path).items())


def test_real_item_field_by_field(fixtures: Path) -> None:
    [record] = read(fixtures / SAMPLE)
    assert isinstance(record, PaperRecord)
    assert (record.source, record.source_record_id, record.authority) == (
        "hf-daily",
        PAPER_ID,
        Authority.HF_DAILY,
    )
    assert record.paper_id == PAPER_ID and record.version is None
    assert record.title == "Large Multimodal Models as General In-Context Classifiers"
    assert record.abstract.startswith("Which multimodal model should we use for classification?")
    assert 'their "in-context" equivalent.' in record.abstract
    assert record.authors == [
        "Marco Garosi",
        "Matteo Farina",
        "Alessandro Conti",
        "Massimiliano Mancini",
        "Elisa Ricci",
    ]
    assert record.submitted == dt.date(2026, 2, 26)
    assert record.listed_on == dt.date(2026, 3, 6)
    assert record.categories == []
    assert [(link.kind, link.url) for link in record.links] == [
        ("abs", f"https://arxiv.org/abs/{PAPER_ID}"),
        ("pdf", f"https://arxiv.org/pdf/{PAPER_ID}"),
        ("code", "https://github.com/marco-garosi/CIRCLE"),
        ("project", "https://circle-lmm.github.io/"),
    ]
    extras = record.extras
    assert (extras["upvotes"], extras["githubStars"], extras["numComments"]) == (10, 9, 1)
    assert extras["ai_keywords"][:3] == [
        "Vision-Language Models",
        "Large Multimodal Models",
        "zero-shot classification",
    ]
    assert len(extras["ai_keywords"]) == 9
    assert extras["ai_summary"].startswith("Large Multimodal Models demonstrate superior")
    assert extras["submitter"] == {"name": "marco-garosi", "fullname": "Marco Garosi"}
    assert extras["organization"] == {
        "name": "MHUGLab",
        "fullname": "Multimedia and Human Understanding Group",
    }
    assert extras["mediaUrls"] == [
        "https://cdn-uploads.huggingface.co/production/uploads/65a103d5230f8846b1b99cfa/"
        "UUPae7qIumdx3m-4RDOkm.webp"
    ]


def test_gzip_file(fixtures: Path, tmp_path: Path) -> None:
    path = tmp_path / "daily.json.gz"
    path.write_bytes(gzip.compress((fixtures / SAMPLE).read_bytes()))
    [record] = read(path)
    assert isinstance(record, PaperRecord) and record.paper_id == PAPER_ID


def test_merges_with_the_arxiv_record_of_the_same_paper(fixtures: Path, catalog: Catalog) -> None:
    arxiv = build_record(
        source="arxiv-oai",
        source_record_id=f"oai:arXiv.org:{PAPER_ID}",
        authority=Authority.ARXIV,
        raw_id=f"{PAPER_ID}v1",
        title="Large Multimodal Models as General In-Context Classifiers (arXiv)",
        abstract="The arXiv abstract.",
        authors=["Marco Garosi", "Elisa Ricci"],
        categories=["cs.CV", "cs.LG"],
        submitted=dt.date(2026, 2, 26),
    )
    catalog.upsert([arxiv])
    report = run_source(catalog, HfDailySource(fixtures / SAMPLE))
    assert report.counts.updated == 1 and catalog.count() == 1
    paper = catalog.get(PAPER_ID)
    assert paper is not None
    assert sorted(ref.source for ref in paper.sources) == ["arxiv-oai", "hf-daily"]
    assert paper.title.endswith("(arXiv)")  # arXiv outranks HF for metadata
    assert paper.categories == ["cs.CV", "cs.LG"] and paper.version == 1
    assert paper.authority == Authority.ARXIV
    assert paper.listed_on == dt.date(2026, 3, 6) and paper.listed_from_feed
    assert paper.links_of("code") == ["https://github.com/marco-garosi/CIRCLE"]
    assert paper.extras["upvotes"] == 10
    again = run_source(catalog, HfDailySource(fixtures / SAMPLE))
    assert again.counts.unchanged == 1


def test_markup_is_text_and_unsafe_urls_are_dropped(fixtures: Path, tmp_path: Path) -> None:
    [item] = sample(fixtures)
    paper = item["paper"]
    paper["title"] = "<script>alert('x')</script>\u202e Title"
    paper["summary"] = "<img src=x onerror=alert(1)>\x00 Summary."
    paper["githubRepo"] = "javascript:alert(1)"
    paper["projectPage"] = "JAVASCRIPT:alert(document.cookie)"
    paper["mediaUrls"] = ["javascript:alert(1)", "data:text/html,x", "https://ok.example/a.png"]
    paper["ai_keywords"] = ["<b>bold</b>", 7, "x" * 5000]
    paper["organization"] = {"name": "<i>org</i>", "fullname": None}
    [record] = read(write_items(tmp_path, [item]))
    assert isinstance(record, PaperRecord)
    assert record.title == "<script>alert('x')</script> Title"
    assert record.abstract == "<img src=x onerror=alert(1)> Summary."
    assert [link.kind for link in record.links] == ["abs", "pdf"]
    assert record.extras["mediaUrls"] == ["https://ok.example/a.png"]
    assert record.extras["ai_keywords"] == ["<b>bold</b>"]
    assert record.extras["organization"] == {"name": "<i>org</i>"}


def test_bad_items_are_rejected_and_the_good_kept(fixtures: Path, tmp_path: Path) -> None:
    [good] = sample(fixtures)
    no_id = copy.deepcopy(good)
    del no_id["paper"]["id"]
    number_title = copy.deepcopy(good)
    number_title["paper"]["title"] = 5
    number_title["title"] = 5
    bad_id = copy.deepcopy(good)
    bad_id["paper"]["id"] = "not-an-id"
    odd_figures = copy.deepcopy(good)
    odd_figures["paper"].update(upvotes="many", githubStars=True, publishedAt="yesterday")
    path = write_items(tmp_path, [good, "text", no_id, number_title, bad_id, odd_figures])
    items = read(path)
    assert items[1:5] == [
        Rejection(f"{path} item 1", "an item must be a JSON object"),
        Rejection(f"{path} item 2", "no paper id"),
        Rejection(f"{path} item 3 (id {PAPER_ID})", "title must be a string"),
        Rejection(f"{path} item 4 (id not-an-id)", "not an arXiv id: 'not-an-id'"),
    ]
    assert isinstance(items[0], PaperRecord)
    last = items[5]
    assert isinstance(last, PaperRecord)
    assert "upvotes" not in last.extras and "githubStars" not in last.extras
    assert last.submitted == dt.date(2026, 2, 26)  # the item's own publishedAt stands in


def test_unreadable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputUnreadable, match="No such file"):
        read(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('[{"paper": ')
    with pytest.raises(InputUnreadable, match="not valid JSON"):
        read(broken)
    with pytest.raises(InputUnreadable, match="found dict"):
        read(write_items(tmp_path, {"error": "Invalid date"}))
    monkeypatch.setattr(hf_daily, "MAX_JSON_BYTES", 100)
    with pytest.raises(InputUnreadable, match="more than"):
        read(write_items(tmp_path, [{"paper": {"id": "x" * 200}}]))


def settings_for(base_url: str) -> Settings:
    return Settings(hf_api_url=f"{base_url}/api")


def test_live_harvest_of_one_day(fixtures: Path, catalog: Catalog, clock: FakeClock) -> None:
    body = (fixtures / SAMPLE).read_bytes()
    with replay_server() as server:
        query = {"date": "2026-03-06", "p": "0", "limit": "100"}
        server.add("/api/daily_papers", query, Reply(body=body, content_type="application/json"))
        report = harvest_hf_daily(
            catalog, settings_for(server.base_url), date=dt.date(2026, 3, 6), clock=clock
        )
    assert server.requests == [("/api/daily_papers", query)]
    assert (report.counts.added, report.counts.rejected) == (1, 0)
    paper = catalog.get(PAPER_ID)
    assert paper is not None
    assert paper.title == "Large Multimodal Models as General In-Context Classifiers"
    assert paper.listed_on == dt.date(2026, 3, 6)
    assert paper.extras["upvotes"] == 10
    assert [ref.source for ref in paper.sources] == ["hf-daily"]
    assert clock.sleeps == []


def test_live_harvest_pages_politely_and_honours_retry_after(
    fixtures: Path, sqlite_catalog: Catalog, clock: FakeClock
) -> None:
    body = (fixtures / SAMPLE).read_bytes()
    day = {"date": "2026-03-06", "limit": "1"}
    with replay_server() as server:
        server.add(
            "/api/daily_papers",
            {**day, "p": "0"},
            Reply(503, b"busy", headers={"Retry-After": "7"}, content_type="text/plain"),
            Reply(body=body, content_type="application/json"),
        )
        # Past the last page the API answers an empty list.
        server.add("/api/daily_papers", {**day, "p": "1"}, Reply(body=b"[]"))
        report = harvest_hf_daily(
            sqlite_catalog,
            settings_for(server.base_url),
            date=dt.date(2026, 3, 6),
            clock=clock,
            page_size=1,
        )
    assert [query["p"] for _, query in server.requests] == ["0", "0", "1"]
    assert clock.sleeps == [7.0, 1.0]  # Retry-After, then the pause between pages
    assert report.counts.added == 1


def test_live_harvest_without_a_day_takes_the_latest_list(
    fixtures: Path, sqlite_catalog: Catalog, clock: FakeClock
) -> None:
    body = (fixtures / SAMPLE).read_bytes()
    with replay_server() as server:
        server.add("/api/daily_papers", {"p": "0", "limit": "100"}, Reply(body=body))
        report = harvest_hf_daily(sqlite_catalog, settings_for(server.base_url), clock=clock)
    assert len(server.requests) == 1
    assert report.counts.added == 1
    paper = sqlite_catalog.get(PAPER_ID)
    assert paper is not None and paper.listed_on == dt.date(2026, 3, 6)
