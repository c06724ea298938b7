"""The arXiv Atom API (export.arxiv.org/api/query): feeds from files, fetch by id, search.

Feeds are parsed with the same defusedxml reader as OAI-PMH responses (oai.safe_iterparse):
DTDs and entities are refused, and each entry is dropped from the tree once read.
The API reports problems in-band, as an entry titled "Error" whose id points into
http://arxiv.org/api/errors#...; such an entry becomes a Rejection carrying its summary.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

import httpx

from paperwire.catalog.ids import parse_arxiv_id
from paperwire.catalog.model import Authority, PaperRecord, Rejection
from paperwire.catalog.text import RecordRejected, clean_line
from paperwire.clock import Clock
from paperwire.config import Settings
from paperwire.ingest.base import InputUnreadable, Item
from paperwire.ingest.http import PoliteClient
from paperwire.ingest.oai import ByteStream, XmlFileSource, local_name, safe_iterparse
from paperwire.ingest.records import build_record

SOURCE = "arxiv-atom"
FORMAT = "arxiv-atom"
ID_BATCH = 100  # ids per id_list request; keeps the URL well under common length limits
SEARCH_PAGE_SIZE = 100
MAX_FEED_BYTES = 64 * 1024 * 1024
MAX_ENTRY_ELEMENTS = 20_000
# Atom <category> also carries ACM ("I.2.6") and MSC ("68T05") classes; keep arXiv's own.
_ARXIV_CATEGORY = re.compile(r"[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?")


class ArxivApiError(Exception):
    """The API refused a query (its answer was an error entry)."""


@dataclass
class AtomFeed:
    """What one feed said besides its entries (OpenSearch paging figures)."""

    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None
    entries: int = 0
    errors: int = 0


class AtomResponse:
    """One Atom feed document, read as a stream of Items; `feed` fills in as it is read."""

    def __init__(self, stream: ByteStream, location: str) -> None:
        self.stream = stream
        self.location = location
        self.feed = AtomFeed()
        self.error_messages: list[str] = []

    def items(self) -> Iterator[Item]:
        stack: list[Element] = []
        entry_size = 0
        for event, element in safe_iterparse(self.stream, self.location):
            name = local_name(element.tag)
            if event == "start":
                if not stack and name != "feed":
                    raise InputUnreadable(
                        f"{self.location}: not an Atom feed (root element <{name}>)"
                    )
                if len(stack) >= 2:
                    entry_size += 1
                stack.append(element)
                continue
            stack.pop()
            if not stack:
                continue
            parent = stack[-1]
            if len(stack) > 1:
                if entry_size > MAX_ENTRY_ELEMENTS:
                    parent.remove(element)  # an oversized entry is dropped as it is read
                continue
            if name == "entry":
                yield self._entry(element, entry_size)
            elif name in ("totalResults", "startIndex", "itemsPerPage"):
                self._opensearch(name, element)
            entry_size = 0
            parent.remove(element)

    def _opensearch(self, name: str, element: Element) -> None:
        value = _int_or_none(element.text)
        if name == "totalResults":
            self.feed.total_results = value
        elif name == "startIndex":
            self.feed.start_index = value
        else:
            self.feed.items_per_page = value

    def _entry(self, entry: Element, size: int) -> Item:
        self.feed.entries += 1
        raw_id = (_field(entry, "id") or "").strip()
        where = f"{self.location} entry {self.feed.entries}"
        if raw_id:
            where = f"{where} ({raw_id[:120]})"
        if size > MAX_ENTRY_ELEMENTS:
            return Rejection(where, f"entry has more than {MAX_ENTRY_ELEMENTS} elements")
        titled_error = (_field(entry, "title") or "").strip() == "Error"
        if "/api/errors" in raw_id or (titled_error and parse_arxiv_id(raw_id) is None):
            self.feed.errors += 1
            message = clean_line(_field(entry, "summary"), "summary", 500) or "unknown error"
            self.error_messages.append(message)
            return Rejection(where, f"arXiv API error: {message}")
        try:
            return _paper(entry, raw_id)
        except RecordRejected as error:
            return Rejection(where, str(error))


def _paper(entry: Element, raw_id: str) -> PaperRecord:
    parsed = parse_arxiv_id(raw_id)
    if parsed is None:
        raise RecordRejected(f"not an arXiv abstract URL: {raw_id[:80]!r}")
    paper_id, version = parsed
    published = _timestamp(entry, "published")
    updated = _timestamp(entry, "updated")
    primary = _child(entry, "primary_category")
    terms = [primary.get("term", "")] if primary is not None else []
    terms += [child.get("term", "") for child in entry if local_name(child.tag) == "category"]
    return build_record(
        source=SOURCE,
        source_record_id=raw_id,
        authority=Authority.ARXIV,
        raw_id=paper_id,
        title=_field(entry, "title"),
        abstract=_field(entry, "summary"),
        authors=[
            _field(author, "name") or "" for author in entry if local_name(author.tag) == "author"
        ],
        categories=[term.strip() for term in terms if _ARXIV_CATEGORY.fullmatch(term.strip())],
        version=version,
        submitted=published,
        # <updated> equals <published> for a first version; only a later one is an update.
        updated=updated if updated != published else None,
        doi=_field(entry, "doi"),
        journal_ref=_field(entry, "journal_ref"),
        comments=_field(entry, "comment"),
    )


def _timestamp(entry: Element, name: str) -> dt.date | None:
    raw = (_field(entry, name) or "").strip()
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as error:
        raise RecordRejected(f"bad {name} timestamp {raw[:40]!r}") from error
    if moment.tzinfo is not None:  # dates are kept in UTC, like every stored time
        moment = moment.astimezone(dt.UTC)
    return moment.date()


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw.strip()) if raw is not None else None
    except ValueError:
        return None


def _child(parent: Element, name: str) -> Element | None:
    return next((child for child in parent if local_name(child.tag) == name), None)


def _field(parent: Element, name: str) -> str | None:
    child = _child(parent, name)
    return "".join(child.itertext()) if child is not None else None


class AtomSource(XmlFileSource[AtomResponse]):
    """An arXiv API Atom feed saved to a file (read twice, like every XmlFileSource)."""

    format_name = FORMAT

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.feed = AtomFeed()

    def read_response(self, stream: ByteStream, location: str) -> AtomResponse:
        return AtomResponse(stream, location)

    def finished(self, response: AtomResponse) -> None:
        self.feed = response.feed


def parse_atom_bytes(data: bytes, location: str) -> tuple[list[Item], AtomResponse]:
    """Every item of an in-memory feed, and the response read (for its paging figures)."""
    response = AtomResponse(io.BytesIO(data), location)
    return list(response.items()), response


def fetch_arxiv_papers(
    ids: Sequence[str],
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[PaperRecord]:
    """The papers with these arXiv ids (versioned ids fetch that version), in request order.

    Ids arXiv does not know are left out (the API answers them with an error entry). A
    string that is not an arXiv id at all raises ValueError before anything is requested,
    since one malformed id makes arXiv refuse the whole batch.
    """
    wanted: list[str] = []
    for raw in ids:
        parsed = parse_arxiv_id(raw)
        if parsed is None:
            raise ValueError(f"not an arXiv id: {raw[:80]!r}")
        paper_id, version = parsed
        request_id = f"{paper_id}v{version}" if version else paper_id
        if request_id not in wanted:
            wanted.append(request_id)
    found: dict[str, PaperRecord] = {}
    with _client(settings, clock, transport) as client:
        for start in range(0, len(wanted), ID_BATCH):
            batch = wanted[start : start + ID_BATCH]
            params = {"id_list": ",".join(batch), "start": "0", "max_results": str(len(batch))}
            items, _ = _get_feed(client, settings.arxiv_api_url, params)
            for item in items:
                if isinstance(item, PaperRecord):
                    found.setdefault(item.paper_id, item)
    # "2403.01234" and "2403.01234v1" are one paper: each comes back once, first-asked order.
    order = dict.fromkeys(parsed[0] for parsed in map(parse_arxiv_id, wanted) if parsed)
    return [found[paper_id] for paper_id in order if paper_id in found]


def search_arxiv(
    query: str,
    settings: Settings,
    max_results: int = SEARCH_PAGE_SIZE,
    *,
    page_size: int = SEARCH_PAGE_SIZE,
    sort_by: str | None = None,
    sort_order: str | None = None,
    clock: Clock | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[PaperRecord]:
    """Up to `max_results` papers matching an arXiv `search_query`, paged with start and
    max_results. Raises ArxivApiError when arXiv refuses the query."""
    records: list[PaperRecord] = []
    start = 0
    with _client(settings, clock, transport) as client:
        while start < max_results:
            params = {
                "search_query": query,
                "start": str(start),
                "max_results": str(min(page_size, max_results - start)),
            }
            if sort_by:
                params["sortBy"] = sort_by
            if sort_order:
                params["sortOrder"] = sort_order
            items, response = _get_feed(client, settings.arxiv_api_url, params)
            if response.error_messages:
                raise ArxivApiError(f"arXiv refused {query!r}: {response.error_messages[0]}")
            records.extend(item for item in items if isinstance(item, PaperRecord))
            total = response.feed.total_results
            # arXiv sometimes answers a page with no entries although more results exist;
            # stopping there is what its manual advises rather than hammering the API.
            if response.feed.entries == 0:
                break
            start += response.feed.entries
            if total is not None and start >= total:
                break
    return records


def _client(
    settings: Settings, clock: Clock | None, transport: httpx.BaseTransport | None
) -> PoliteClient:
    return PoliteClient(
        user_agent=settings.user_agent,
        min_interval=settings.harvest_delay_seconds,
        timeout=settings.http_timeout_seconds,
        clock=clock,
        transport=transport,
    )


def _get_feed(
    client: PoliteClient, url: str, params: dict[str, str]
) -> tuple[list[Item], AtomResponse]:
    body = client.get(url, params=params).content
    location = f"{url}?{'&'.join(f'{key}={value}' for key, value in params.items())}"
    if len(body) > MAX_FEED_BYTES:
        raise InputUnreadable(f"{location}: response of {len(body)} bytes is too large")
    return parse_atom_bytes(body, location)
