"""arXiv OAI-PMH responses (metadataPrefix=arXiv): records, deletions, errors, paging tokens.

XML is parsed with defusedxml only, DTDs included in what is refused: arXiv never sends a
DOCTYPE, and refusing it outright stops billion laughs, quadratic blowup, external entities
and external DTDs at the first line, before any expansion or any file or network access.

Memory is bounded by one record, whatever the size of the file: the document is read with
iterparse and each record is dropped from the tree once turned into a PaperRecord. A record
with more than MAX_RECORD_ELEMENTS elements is discarded as it is read and rejected. (A single
text node is still buffered whole by expat; harvested pages are capped in size before parsing.)
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Generic, Protocol, TypeVar
from xml.etree.ElementTree import Element, ParseError

from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from defusedxml.ElementTree import iterparse

from paperwire.catalog.model import Authority, Rejection
from paperwire.catalog.text import RecordRejected, clean_line
from paperwire.ingest.base import InputUnreadable, Item
from paperwire.ingest.records import build_record, deleted_record

SOURCE = "arxiv-oai"
FORMAT = "oai-xml"
OAI_ID_PREFIX = "oai:arXiv.org:"
MAX_RECORD_ELEMENTS = 20_000  # 2,000 authors of 4 elements each fit well inside
_DATESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}Z)?")
_HAS_WORD = re.compile(r"\w")
_CONTAINERS = {"ListRecords", "GetRecord"}
ByteStream = IO[bytes] | gzip.GzipFile | io.BufferedReader


ResponseT = TypeVar("ResponseT", bound="XmlResponse")


class OaiError(InputUnreadable):
    """The repository answered with an OAI-PMH error (badArgument, badResumptionToken...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"OAI-PMH error {code}: {message}" if message else f"OAI-PMH error {code}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ResumptionToken:
    """Where a list continues; an empty `token` means this page completes the list."""

    token: str
    cursor: int | None = None
    complete_list_size: int | None = None


def local_name(tag: object) -> str:
    # Namespaces are ignored on purpose: real arXiv responses put <arXiv> in its own
    # namespace or, in older recordings, in none (inheriting the OAI default namespace).
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def safe_iterparse(stream: ByteStream, location: str) -> Iterator[tuple[str, Element]]:
    """(event, element) pairs for start and end tags; anything unsafe or broken raises
    InputUnreadable naming the location."""
    try:
        yield from iterparse(stream, events=("start", "end"), forbid_dtd=True)
    except DTDForbidden as error:
        raise InputUnreadable(
            f"{location}: a document type declaration (<!DOCTYPE {error.name}>) is refused"
        ) from error
    except EntitiesForbidden as error:
        raise InputUnreadable(f"{location}: entity declarations are refused") from error
    except ExternalReferenceForbidden as error:
        raise InputUnreadable(f"{location}: external references are refused") from error
    except DefusedXmlException as error:
        raise InputUnreadable(f"{location}: unsafe XML refused: {error}") from error
    except ParseError as error:
        raise InputUnreadable(f"{location}: not well-formed XML: {error}") from error
    except (ValueError, LookupError) as error:  # bad byte sequences, unknown encodings
        raise InputUnreadable(f"{location}: unreadable XML: {error}") from error
    except (OSError, EOFError, zlib.error) as error:  # a truncated or corrupt gzip file
        raise InputUnreadable(f"{location}: cannot read it ({error})") from error


def open_xml_file(path: Path) -> gzip.GzipFile | io.BufferedReader:
    """The file's bytes, decompressed when it is gzip'd (saved responses often are)."""
    try:
        with path.open("rb") as handle:
            compressed = handle.read(2) == b"\x1f\x8b"
        return gzip.open(path, "rb") if compressed else path.open("rb")
    except OSError as error:
        raise InputUnreadable(f"{path}: {error.strerror or error}") from error


class OaiResponse:
    """One OAI-PMH response document, read as a stream of Items.

    After `items()` is exhausted, `resumption_token` holds the page's token (None when the
    response has none) and `max_datestamp` the latest header datestamp seen.
    """

    def __init__(self, stream: ByteStream, location: str) -> None:
        self.stream = stream
        self.location = location
        self.resumption_token: ResumptionToken | None = None
        self.max_datestamp: str | None = None
        self.records = 0
        self.no_records_match = False

    def items(self) -> Iterator[Item]:
        stack: list[Element] = []
        saw_list = False
        record_size = 0
        for event, element in safe_iterparse(self.stream, self.location):
            name = local_name(element.tag)
            if event == "start":
                if not stack and name != "OAI-PMH":
                    raise InputUnreadable(
                        f"{self.location}: not an OAI-PMH response (root element <{name}>)"
                    )
                if len(stack) == 1 and name in _CONTAINERS:
                    saw_list = True
                if len(stack) >= 3:  # inside a record
                    record_size += 1
                stack.append(element)
                continue
            stack.pop()
            depth = len(stack)
            parent = stack[-1] if stack else None
            if parent is None:
                continue
            if depth > 2:
                if record_size > MAX_RECORD_ELEMENTS:
                    parent.remove(element)  # an oversized record is dropped as it is read
            elif depth == 1 and name == "error":
                self._error(element)
            elif depth == 2:
                if name == "record" and local_name(parent.tag) in _CONTAINERS:
                    yield self._next_record(element, record_size)
                elif name == "resumptionToken":
                    self.resumption_token = _resumption(element)
                record_size = 0
                parent.remove(element)
        if not saw_list and not self.no_records_match:
            raise InputUnreadable(
                f"{self.location}: OAI-PMH response without ListRecords or GetRecord"
            )

    def _next_record(self, record: Element, size: int) -> Item:
        self.records += 1
        if size > MAX_RECORD_ELEMENTS:
            return Rejection(
                f"{self.location} record {self.records}",
                f"record has more than {MAX_RECORD_ELEMENTS} elements",
            )
        return self._record(record)

    def _error(self, element: Element) -> None:
        code = element.get("code") or "unknown"
        if code == "noRecordsMatch":  # an empty list is an answer, not a failure
            self.no_records_match = True
            return
        raise OaiError(code, clean_line(_text(element), "error", 500))

    def _record(self, record: Element) -> Item:
        header = _child(record, "header")
        identifier = (
            (_text(_child(header, "identifier")) or "").strip() if header is not None else ""
        )
        where = f"{self.location} record {self.records}"
        if identifier:
            where = f"{where} ({identifier[:120]})"
        try:
            if header is None or not identifier:
                raise RecordRejected("record has no header identifier")
            datestamp = _datestamp(header)
            if datestamp and (self.max_datestamp is None or datestamp > self.max_datestamp):
                self.max_datestamp = datestamp
            if header.get("status") == "deleted":
                return deleted_record(SOURCE, identifier, identifier.removeprefix(OAI_ID_PREFIX))
            metadata = _child(record, "metadata")
            arxiv = _child(metadata, "arXiv") if metadata is not None else None
            if arxiv is None:
                raise RecordRejected("record has no <arXiv> metadata (metadataPrefix=arXiv)")
            return _paper(arxiv, identifier, datestamp, _set_specs(header))
        except RecordRejected as error:
            return Rejection(where, str(error))


def _paper(arxiv: Element, identifier: str, datestamp: str | None, sets: list[str]) -> Item:
    raw_id = (_field(arxiv, "id") or "").strip()
    if not raw_id:
        raise RecordRejected("no <id>")
    extras: dict[str, Any] = {}
    report_no = _field(arxiv, "report-no")
    if report_no and report_no.strip():
        extras["report_no"] = clean_line(report_no, "report-no", 500)
    if datestamp:
        extras["oai_datestamp"] = datestamp
    if sets:
        extras["oai_sets"] = sets
    return build_record(
        source=SOURCE,
        source_record_id=identifier,
        authority=Authority.ARXIV,
        raw_id=raw_id,
        title=_field(arxiv, "title"),
        abstract=_field(arxiv, "abstract"),
        authors=_authors(arxiv),
        categories=(_field(arxiv, "categories") or "").split(),
        submitted=_date(arxiv, "created"),
        updated=_date(arxiv, "updated"),
        doi=_field(arxiv, "doi"),
        journal_ref=_field(arxiv, "journal-ref"),
        comments=_field(arxiv, "comments"),
        license=_field(arxiv, "license"),
        extras=extras,
    )


def _authors(arxiv: Element) -> list[str]:
    authors = _child(arxiv, "authors")
    if authors is None:
        return []
    names: list[str] = []
    for author in authors:
        if local_name(author.tag) != "author":
            continue
        parts = (_field(author, part) for part in ("forenames", "keyname", "suffix"))
        name = " ".join(" ".join(part.split()) for part in parts if part and part.strip())
        # arXiv's author splitter leaves punctuation-only "authors" such as ":" behind
        # ("BICEP2 Collaborations: P. Ade"); they are not names.
        if _HAS_WORD.search(name):
            names.append(name)
    return names


def _date(arxiv: Element, name: str) -> dt.date | None:
    raw = (_field(arxiv, name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError as error:
        raise RecordRejected(f"bad {name} date {raw[:40]!r}") from error


def _datestamp(header: Element) -> str | None:
    raw = (_text(_child(header, "datestamp")) or "").strip()
    if not raw:
        return None
    if not _DATESTAMP.fullmatch(raw):
        raise RecordRejected(f"bad datestamp {raw[:40]!r}")
    try:
        dt.date.fromisoformat(raw[:10])
    except ValueError as error:
        raise RecordRejected(f"bad datestamp {raw[:40]!r}") from error
    return raw


def _set_specs(header: Element) -> list[str]:
    specs = (
        clean_line(_text(child), "setSpec", 200)
        for child in header
        if local_name(child.tag) == "setSpec"
    )
    return [spec for spec in specs if spec]


def _resumption(element: Element) -> ResumptionToken:
    return ResumptionToken(
        token=(_text(element) or "").strip(),
        cursor=_int_or_none(element.get("cursor")),
        complete_list_size=_int_or_none(element.get("completeListSize")),
    )


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _child(parent: Element | None, name: str) -> Element | None:
    if parent is None:
        return None
    return next((child for child in parent if local_name(child.tag) == name), None)


def _text(element: Element | None) -> str | None:
    return "".join(element.itertext()) if element is not None else None


def _field(parent: Element, name: str) -> str | None:
    return _text(_child(parent, name))


def checked_first(read: Callable[[], Iterator[Item]]) -> Iterator[Item]:
    """Run `read` once to the end (raising InputUnreadable on a bad document), then again
    to yield: so a file that turns out broken half-way writes nothing at all."""
    for _ in read():
        pass
    yield from read()


class XmlResponse(Protocol):
    def items(self) -> Iterator[Item]: ...


class XmlFileSource(Generic[ResponseT]):
    """A source that reads one saved XML response (OAI-PMH here, Atom in arxiv_atom.py).

    The file is read twice: a first pass refuses a broken, hostile or error document before
    any record is handed on, so an unreadable file writes nothing; the second yields.
    """

    checkpoint_key: str | None = None

    def __init__(self, path: Path) -> None:
        self.path = path

    def checkpoint(self) -> dict[str, Any] | None:
        return None

    def items(self) -> Iterator[Item]:
        return checked_first(self._read)

    def _read(self) -> Iterator[Item]:
        with open_xml_file(self.path) as stream:
            response = self.read_response(stream, str(self.path))
            yield from response.items()
            self.finished(response)

    def read_response(self, stream: ByteStream, location: str) -> ResponseT:
        raise NotImplementedError

    def finished(self, response: ResponseT) -> None:
        """Called once every item was read (keep what the response said about paging)."""


class OaiXmlSource(XmlFileSource[OaiResponse]):
    """An OAI-PMH response saved to a file (ListRecords or GetRecord, metadataPrefix=arXiv)."""

    format_name = FORMAT

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.resumption_token: ResumptionToken | None = None

    def read_response(self, stream: ByteStream, location: str) -> OaiResponse:
        return OaiResponse(stream, location)

    def finished(self, response: OaiResponse) -> None:
        self.resumption_token = response.resumption_token


def parse_oai_bytes(data: bytes, location: str) -> tuple[list[Item], OaiResponse]:
    """Every item of an in-memory response (a harvested page), and the response read."""
    response = OaiResponse(io.BytesIO(data), location)
    return list(response.items()), response
