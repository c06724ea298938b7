"""The arXiv Atom API: feeds from files, fetch by id and search, against recorded responses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperwire.catalog.model import Link, PaperRecord, Rejection
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.ingest.arxiv_atom import (
    ArxivApiError,
    AtomSource,
    fetch_arxiv_papers,
    parse_atom_bytes,
    search_arxiv,
)
from paperwire.ingest.base import InputUnreadable, Item
from paperwire.ingest.pipeline import run_source
from tests.support.replay import ReplayServer, Reply, replay_server

ATOM = Path(__file__).parent.parent / "fixtures" / "arxiv-atom"
TYPICAL = ATOM / "api-user-manual-typical-response.xml"  # search_query=all:electron, 1 entry
ERROR = ATOM / "api-user-manual-error-response.xml"  # id_list=1234.12345
ENTRY_ID = '<id xmlns="http://www.w3.org/2005/Atom">http://arxiv.org/abs/hep-ex/0307015</id>'


def typical_with(*replacements: tuple[str, str]) -> bytes:
    text = TYPICAL.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return text.encode()


def empty_page(start: int) -> bytes:
    """The real feed with its entry removed: what arXiv sends past the last result."""
    text = TYPICAL.read_text(encoding="utf-8")
    head, rest = text.split("  <entry ", 1)
    head = head.replace(">0</opensearch:startIndex>", f">{start}</opensearch:startIndex>")
    return (head + rest.split("</entry>\n", 1)[1]).encode()


def test_feed_entry_field_by_field() -> None:
    source = AtomSource(TYPICAL)
    [paper] = list(source.items())
    assert isinstance(paper, PaperRecord)
    assert paper.source == "arxiv-atom"
    assert paper.source_record_id == "http://arxiv.org/abs/hep-ex/0307015"
    assert (paper.paper_id, paper.version) == ("hep-ex/0307015", None)
    assert paper.title == (
        "Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA"
    )
    assert paper.abstract.startswith("Multi-electron production is studied at high electron")
    assert paper.abstract.endswith("0.30 \\pm 0.04 and 0.23 \\pm 0.04, respectively.")
    assert paper.authors == ["H1 Collaboration"]
    assert paper.categories == ["hep-ex"]
    # 13:46 at UTC-4 is 17:46 UTC, still the 7th; published == updated means version 1.
    assert (paper.submitted, paper.updated) == (dt.date(2003, 7, 7), None)
    assert paper.journal_ref == "Eur.Phys.J. C31 (2003) 17-29"
    assert paper.comments == "23 pages, 8 figures and 4 tables"
    assert paper.doi is None
    assert Link("abs", "https://arxiv.org/abs/hep-ex/0307015") in paper.links
    assert Link("pdf", "https://arxiv.org/pdf/hep-ex/0307015") in paper.links
    assert (source.feed.total_results, source.feed.start_index, source.feed.items_per_page) == (
        1000,
        0,
        1,
    )


def test_versioned_entry_with_doi_and_mixed_categories() -> None:
    data = typical_with(
        (ENTRY_ID, ENTRY_ID.replace("0307015<", "0307015v3<")),
        (
            '<updated xmlns="http://www.w3.org/2005/Atom">2003-07-07T13:46:39-04:00',
            '<updated xmlns="http://www.w3.org/2005/Atom">2004-01-31T22:30:00-05:00',
        ),
        (
            '<category term="hep-ex"',
            '<category term="hep-ph" scheme="http://arxiv.org/schemas/atom"/>'
            '<category term="I.2.6" scheme="http://arxiv.org/schemas/atom"/>'
            '<arxiv:doi xmlns:arxiv="http://arxiv.org/schemas/atom">10.1140/epjc/s2003-01326-x'
            "</arxiv:doi>"
            '<category term="hep-ex"',
        ),
    )
    [paper], _ = parse_atom_bytes(data, "feed")
    assert isinstance(paper, PaperRecord)
    assert (paper.paper_id, paper.version) == ("hep-ex/0307015", 3)
    assert paper.updated == dt.date(2004, 2, 1)  # 22:30 at UTC-5 is the next day in UTC
    assert paper.categories == ["hep-ex", "hep-ph"]  # primary first; ACM class I.2.6 left out
    assert paper.doi == "10.1140/epjc/s2003-01326-x"
    assert Link("doi", "https://doi.org/10.1140/epjc/s2003-01326-x") in paper.links


def test_error_entry_is_a_rejection_with_arxivs_message() -> None:
    source = AtomSource(ERROR)
    [item] = list(source.items())
    assert isinstance(item, Rejection)
    assert item.reason == "arXiv API error: incorrect id format for 1234.12345"
    assert "api/errors#incorrect_id_format_for_1234.12345" in item.location
    assert source.feed.errors == 1


def test_broken_entry_rejected_neighbour_kept() -> None:
    text = TYPICAL.read_text(encoding="utf-8")
    start, end = text.index("  <entry "), text.index("</entry>") + len("</entry>\n")
    entry = text[start:end]
    broken = entry.replace("2003-07-07T13:46:39-04:00</published>", "yesterday</published>")
    data = (text[:start] + broken + entry + text[end:]).encode()
    items, _ = parse_atom_bytes(data, "feed")
    assert isinstance(items[0], Rejection) and "bad published timestamp" in items[0].reason
    assert isinstance(items[1], PaperRecord) and items[1].paper_id == "hep-ex/0307015"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<OAI-PMH/>", "not an Atom feed"),
        (b"<feed><entry>", "not well-formed XML"),
        (b"Rate exceeded.", "not well-formed XML"),
    ],
)
def test_documents_that_are_not_feeds(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(content)
    with pytest.raises(InputUnreadable, match=message):
        list(AtomSource(path).items())


def test_feed_file_into_the_catalog_twice(catalog: Catalog) -> None:
    first = run_source(catalog, AtomSource(TYPICAL))
    again = run_source(catalog, AtomSource(TYPICAL))
    assert (first.counts.added, again.counts.unchanged) == (1, 1)
    paper = catalog.get("hep-ex/0307015")
    assert paper is not None and paper.journal_ref == "Eur.Phys.J. C31 (2003) 17-29"
    assert [ref.source for ref in paper.sources] == ["arxiv-atom"]


@pytest.fixture(scope="module")
def shared_server() -> Iterator[ReplayServer]:
    # One server per module: stopping one costs half a second (serve_forever's poll).
    with replay_server() as replay:
        yield replay


@pytest.fixture
def server(shared_server: ReplayServer) -> ReplayServer:
    shared_server.routes.clear()
    shared_server.requests.clear()
    return shared_server


def api_settings(server: ReplayServer) -> Settings:
    return Settings(arxiv_api_url=f"{server.base_url}/api/query", harvest_delay_seconds=3.0)


def test_fetch_by_id(server: ReplayServer, clock: FakeClock) -> None:
    query = {"id_list": "hep-ex/0307015", "start": "0", "max_results": "1"}
    server.add("/api/query", query, Reply(body=TYPICAL.read_bytes()))
    papers = fetch_arxiv_papers(["arXiv:hep-ex/0307015"], api_settings(server), clock=clock)
    assert [paper.paper_id for paper in papers] == ["hep-ex/0307015"]
    assert server.requests == [("/api/query", query)]


def test_fetch_returns_each_paper_once(server: ReplayServer, clock: FakeClock) -> None:
    query = {"id_list": "hep-ex/0307015,hep-ex/0307015v1", "start": "0", "max_results": "2"}
    server.add("/api/query", query, Reply(body=TYPICAL.read_bytes()))
    ids = ["hep-ex/0307015", "https://arxiv.org/abs/hep-ex/0307015", "hep-ex/0307015v1"]
    papers = fetch_arxiv_papers(ids, api_settings(server), clock=clock)
    assert [paper.paper_id for paper in papers] == ["hep-ex/0307015"]
    assert server.requests == [("/api/query", query)]


def test_fetch_of_an_id_arxiv_refuses_returns_nothing(
    server: ReplayServer, clock: FakeClock
) -> None:
    query = {"id_list": "2403.01234v2", "start": "0", "max_results": "1"}
    server.add("/api/query", query, Reply(body=ERROR.read_bytes()))
    assert fetch_arxiv_papers(["2403.01234v2"], api_settings(server), clock=clock) == []


def test_fetch_refuses_what_is_not_an_id_before_asking(server: ReplayServer) -> None:
    with pytest.raises(ValueError, match="not an arXiv id"):
        fetch_arxiv_papers(["2403.01234", "not an id"], api_settings(server))
    assert server.requests == []


def test_fetch_batches_ids_politely(server: ReplayServer, clock: FakeClock) -> None:
    ids = [f"2403.{n:05d}" for n in range(1, 151)]
    first = {"id_list": ",".join(ids[:100]), "start": "0", "max_results": "100"}
    second = {"id_list": ",".join(ids[100:]), "start": "0", "max_results": "50"}
    server.add("/api/query", first, Reply(body=empty_page(0)))
    server.add("/api/query", second, Reply(body=TYPICAL.read_bytes()))
    papers = fetch_arxiv_papers(ids, api_settings(server), clock=clock)
    assert server.requests == [("/api/query", first), ("/api/query", second)]
    assert clock.sleeps == [3.0]
    assert [paper.paper_id for paper in papers] == []  # the replayed paper was not asked for


def test_search_pages_with_start_and_max_results(server: ReplayServer, clock: FakeClock) -> None:
    page_1 = {"search_query": "all:electron", "start": "0", "max_results": "1"}
    page_2 = {"search_query": "all:electron", "start": "1", "max_results": "1"}
    server.add("/api/query", page_1, Reply(body=TYPICAL.read_bytes()))
    server.add("/api/query", page_2, Reply(body=empty_page(1)))
    papers = search_arxiv(
        "all:electron", api_settings(server), max_results=5, page_size=1, clock=clock
    )
    assert [paper.paper_id for paper in papers] == ["hep-ex/0307015"]
    # An empty page ends the search even though totalResults says 1000.
    assert server.requests == [("/api/query", page_1), ("/api/query", page_2)]
    assert clock.sleeps == [3.0]


def test_search_stops_at_max_results(server: ReplayServer, clock: FakeClock) -> None:
    query = {
        "search_query": "all:electron",
        "start": "0",
        "max_results": "1",
        "sortBy": "submittedDate",
        "sortOrder": "descending",
    }
    server.add("/api/query", query, Reply(body=TYPICAL.read_bytes()))
    papers = search_arxiv(
        "all:electron",
        api_settings(server),
        max_results=1,
        sort_by="submittedDate",
        sort_order="descending",
        clock=clock,
    )
    assert len(papers) == 1 and server.requests == [("/api/query", query)]


def test_search_refused_by_arxiv_raises(server: ReplayServer, clock: FakeClock) -> None:
    query = {"search_query": "au:", "start": "0", "max_results": "10"}
    server.add("/api/query", query, Reply(body=ERROR.read_bytes()))
    with pytest.raises(ArxivApiError, match="incorrect id format"):
        search_arxiv("au:", api_settings(server), max_results=10, clock=clock)


def _outcome(data: bytes) -> list[Item] | str:
    try:
        items, _ = parse_atom_bytes(data, "fuzz")
    except InputUnreadable as error:
        return str(error)
    return items


_TEMPLATE = TYPICAL.read_text(encoding="utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_give_items_or_a_clean_refusal(data: bytes) -> None:
    outcome = _outcome(data)
    assert isinstance(outcome, str) or all(
        isinstance(item, PaperRecord | Rejection) for item in outcome
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(_TEMPLATE)), st.integers(0, 60), st.text(max_size=40))
def test_mangled_real_feeds_give_items_or_a_clean_refusal(at: int, cut: int, inserted: str) -> None:
    mangled = _TEMPLATE[:at] + inserted + _TEMPLATE[at + cut :]
    outcome = _outcome(mangled.encode("utf-8", "surrogatepass"))
    assert isinstance(outcome, str) or all(
        isinstance(item, PaperRecord | Rejection) for item in outcome
    )
