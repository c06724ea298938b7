"""Which source reads a file: format names, detection by content, and building the Source.

Detection looks only at the start of the file (inside gzip when it is compressed):
- XML whose root is <OAI-PMH> is oai-xml, one whose root is Atom's <feed> is arxiv-atom;
- a JSON list of {"paper": ...} items is hf-daily;
- JSON lines whose first line says "format": "paperwire-export/1" are paperwire-export,
  other JSON lines with arXiv's fields are arxiv-snapshot;
- UTF-8 text with a title line, a blank line and an abstract paragraph is an hf-listing;
  any other text is refused (a stray note must not become a paper).
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from pathlib import Path
from typing import Any

import orjson

from paperwire.clock import Clock
from paperwire.ingest.arxiv_atom import AtomSource
from paperwire.ingest.base import InputUnreadable, Source
from paperwire.ingest.export import EXPORT_FORMAT_TAG, ExportSource
from paperwire.ingest.hf_daily import HfDailySource
from paperwire.ingest.hf_listing import (
    PLAUSIBLE_ABSTRACT_MIN_WORDS,
    HfListingSource,
    looks_like_listing,
)
from paperwire.ingest.inputs import READ_ERRORS, open_input
from paperwire.ingest.oai import OaiXmlSource
from paperwire.ingest.snapshot import SnapshotSource

FORMAT_NAMES = (
    "hf-listing",
    "oai-xml",
    "arxiv-atom",
    "arxiv-snapshot",
    "hf-daily",
    "paperwire-export",
)
# Enough for the first line of any real input (an export line can be large).
SNIFF_BYTES = 1024 * 1024
_XML_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?P<name>[A-Za-z_][\w.-]*)")
_EXPORT_TAG = re.compile(rb'"format"\s*:\s*"paperwire-export/(?P<version>[^"]*)"')
_SNAPSHOT_KEYS = ("abstract", "versions", "authors_parsed", "categories")


def detect_format(path: Path) -> str:
    """The format name of a file, from its content; InputUnreadable when it cannot tell."""
    head = _read_head(path)
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not body:
        raise InputUnreadable(f"{path}: the file is empty")
    if body.startswith(b"<"):
        return _xml_format(path, body)
    if body.startswith(b"["):
        return _json_list_format(path, body)
    if body.startswith(b"{"):
        return _json_lines_format(path, body)
    if _is_text(head):
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        text = text.removeprefix("\ufeff")
        if looks_like_listing(text):
            return "hf-listing"
        raise InputUnreadable(
            f"{path}: not a format paperwire reads: plain text, but no paper listing in it "
            f"(a title line, a blank line, then an abstract of {PLAUSIBLE_ABSTRACT_MIN_WORDS} "
            f"words or more); the formats are {', '.join(FORMAT_NAMES)}"
        )
    raise InputUnreadable(
        f"{path}: not a format paperwire reads (binary data); the formats are "
        f"{', '.join(FORMAT_NAMES)}"
    )


def open_source(
    path: Path,
    fmt: str | None = None,
    *,
    listed_on: dt.date | None = None,
    resume_from: dict[str, Any] | None = None,
    clock: Clock | None = None,
) -> Source:
    """The Source that reads `path` as `fmt` (detected from the content when None)."""
    if fmt is not None and fmt not in FORMAT_NAMES:
        raise ValueError(f"unknown format {fmt!r}; the formats are: {', '.join(FORMAT_NAMES)}")
    name = fmt or detect_format(path)
    if name == "hf-listing":
        return HfListingSource(path, listed_on=listed_on, clock=clock)
    if name == "oai-xml":
        return OaiXmlSource(path)
    if name == "arxiv-atom":
        return AtomSource(path)
    if name == "arxiv-snapshot":
        return SnapshotSource(path, resume_from)
    if name == "hf-daily":
        return HfDailySource(path, listed_on=listed_on)
    return ExportSource(path)


def _read_head(path: Path) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        with open_input(path) as stream:
            while size < SNIFF_BYTES:
                chunk = stream.read1(SNIFF_BYTES - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except READ_ERRORS as error:
        # A gzip file broken further on can still be recognised by what came out of it.
        if not chunks:
            raise InputUnreadable(f"{path}: cannot read it ({error})") from error
    return b"".join(chunks)


def _xml_format(path: Path, body: bytes) -> str:
    name = _xml_root_name(body)
    if name == "OAI-PMH":
        return "oai-xml"
    if name == "feed":
        return "arxiv-atom"
    found = f"<{name}>" if name else "no root element"
    raise InputUnreadable(
        f"{path}: an XML document with {found}, neither OAI-PMH (<OAI-PMH>) nor Atom (<feed>)"
    )


def _xml_root_name(body: bytes) -> str:
    """The local name of the first element, skipping the declaration, comments and DOCTYPE.

    A plain scan rather than a regular expression: hostile DOCTYPEs must not cost more than
    one pass over the bytes.
    """
    at = 0
    while True:
        while at < len(body) and body[at : at + 1].isspace():
            at += 1
        if body.startswith(b"<?", at):
            end = body.find(b"?>", at + 2)
            at = end + 2
        elif body.startswith(b"<!--", at):
            end = body.find(b"-->", at + 4)
            at = end + 3
        elif body[at : at + 9].upper() == b"<!DOCTYPE":
            end = _doctype_end(body, at + 9)
            at = end + 1
        else:
            root = _XML_ROOT.match(body, at)
            return root.group("name").decode("ascii") if root else ""
        if end < 0:
            return ""


def _doctype_end(body: bytes, at: int) -> int:
    """Where the DOCTYPE that starts before `at` ends: its '>' outside quotes and [...]."""
    depth = 0
    quote = 0
    for index in range(at, len(body)):
        char = body[index]
        if quote:
            if char == quote:
                quote = 0
        elif char in b"\"'":
            quote = char
        elif char == ord("["):  # the internal subset
            depth += 1
        elif char == ord("]"):
            depth -= 1
        elif char == ord(">") and depth <= 0:
            return index
    return -1


def _json_list_format(path: Path, body: bytes) -> str:
    after = body[1:].lstrip()
    # An empty list is what the API answers for a day without papers.
    if after.startswith(b"]") or (after.startswith(b"{") and b'"paper"' in body):
        return "hf-daily"
    raise InputUnreadable(f"{path}: a JSON list, but not of HF daily-paper items")


def _json_lines_format(path: Path, body: bytes) -> str:
    first = body.split(b"\n", 1)[0]
    try:
        value = orjson.loads(first)
    except orjson.JSONDecodeError:
        value = None  # a first line too long to sniff whole, or broken: look at its text
    if isinstance(value, dict):
        tag = value.get("format")
        if isinstance(tag, str) and tag.startswith("paperwire-export/"):
            return _export_version(path, tag)
        if isinstance(value.get("id"), str) and any(key in value for key in _SNAPSHOT_KEYS):
            return "arxiv-snapshot"
    elif value is None:
        export = _EXPORT_TAG.search(first)
        if export:
            return _export_version(path, "paperwire-export/" + export.group("version").decode())
        if b'"id"' in first and any(f'"{key}"'.encode() in first for key in _SNAPSHOT_KEYS):
            return "arxiv-snapshot"
    raise InputUnreadable(
        f"{path}: JSON, but neither a paperwire export nor the arXiv metadata snapshot"
    )


def _export_version(path: Path, tag: str) -> str:
    if tag != EXPORT_FORMAT_TAG:
        raise InputUnreadable(f"{path}: a paperwire export of version {tag!r}; this one reads 1")
    return "paperwire-export"


def _is_text(head: bytes) -> bool:
    """UTF-8 without NUL bytes and with few control characters (a cut character is fine)."""
    try:
        decoded = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    if "\x00" in decoded:
        return False
    controls = sum(1 for char in decoded if ord(char) < 32 and char not in "\t\n\r\f")
    return controls * 100 <= len(decoded)
