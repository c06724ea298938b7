"""Format detection from content (plain and gzip'd) and building the right Source."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

from paperwire.ingest.base import InputUnreadable
from paperwire.ingest.formats import FORMAT_NAMES, detect_format, open_source

FIXTURES = Path(__file__).parent.parent / "fixtures"


def expected_format(path: Path) -> str:
    relative = path.relative_to(FIXTURES).as_posix()
    if relative.startswith("arxiv-oai/"):
        return "oai-xml"
    if relative.startswith("arxiv-atom/"):
        return "arxiv-atom"
    return {
        "arxiv-metadata-snapshot-sample.jsonl": "arxiv-snapshot",
        "hf-daily-papers-sample.json": "hf-daily",
        "hf-papers-listing-encoder.txt": "hf-listing",
    }[relative]


# Inputs only: the PDFs under pdf/ are for thumbnails, not something ingest reads.
REAL_FIXTURES = sorted(
    path
    for path in FIXTURES.rglob("*")
    if path.is_file() and path.suffix != ".md" and path.relative_to(FIXTURES).parts[0] != "pdf"
)
PLAUSIBLE_ABSTRACT = (
    b"We study how a small model learns to read listings, and show that it does so well."
)
EXPORT_LINE = b'{"format":"paperwire-export/1","id":"2403.01234","title":"A Paper"}\n'


def fixture_id(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def test_every_format_has_a_real_fixture() -> None:
    found = {expected_format(path) for path in REAL_FIXTURES}
    assert found == set(FORMAT_NAMES) - {"paperwire-export"}


@pytest.mark.parametrize("path", REAL_FIXTURES, ids=fixture_id)
def test_real_fixture_is_detected(path: Path) -> None:
    assert detect_format(path) == expected_format(path)


@pytest.mark.parametrize("path", REAL_FIXTURES, ids=fixture_id)
def test_gzipped_fixture_is_detected(path: Path, tmp_path: Path) -> None:
    packed = tmp_path / (path.name + ".gz")
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert detect_format(packed) == expected_format(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (EXPORT_LINE, "paperwire-export"),
        (b"\xef\xbb\xbf  \n" + EXPORT_LINE, "paperwire-export"),
        # A first line too long to sniff whole is recognised by its text.
        (EXPORT_LINE[:-20] + b"x" * 2_000_000, "paperwire-export"),
        (b"[]", "hf-daily"),
        (b'[\n  {"paper": {"id": "2403.01234"}}]', "hf-daily"),
        (b'{"id": "0704.0001", "title": "T", "abstract": "A"}\n', "arxiv-snapshot"),
        (b"<?xml version='1.0'?>\n<!-- c -->\n<OAI-PMH xmlns='x'/>", "oai-xml"),
        (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "]">]><OAI-PMH/>', "oai-xml"),
        (b"<atom:feed xmlns:atom='http://www.w3.org/2005/Atom'/>", "arxiv-atom"),
        (b"Mar 14\n\nA title\n\n" + PLAUSIBLE_ABSTRACT + b"\n", "hf-listing"),
        (b"\xef\xbb\xbfA title\narXiv:2403.01234\n\n" + PLAUSIBLE_ABSTRACT, "hf-listing"),
    ],
)
def test_detects_by_content(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "input"
    path.write_bytes(content)
    assert detect_format(path) == expected


def test_plain_text_that_is_no_listing_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello world\n")
    with pytest.raises(InputUnreadable) as refused:
        open_source(path)
    assert str(refused.value).startswith(f"{path}: not a format paperwire reads")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"\x00\x01\x02\x03binary", "binary data"),
        (b"\xff\xfe\x00t\x00e\x00x\x00t", "binary data"),  # UTF-16 is not read
        (b"<html><body>hi</body></html>", "<html>"),
        (b"<?xml version='1.0'?>", "no root element"),
        (b"[1, 2, 3]", "not of HF daily-paper items"),
        (b'{"name": "something else"}\n', "neither a paperwire export nor"),
        (b'{"format": "paperwire-export/2"}\n', "version 'paperwire-export/2'"),
        (b"\x1f\x8b\x08\x00broken", "cannot read"),
        (b"hello world\n", "plain text, but no paper listing"),
        (b"A title\n\nAn abstract.\n", "plain text, but no paper listing"),
        (b"one\ntwo\n\n" + PLAUSIBLE_ABSTRACT, "plain text, but no paper listing"),
    ],
)
def test_unrecognised_inputs_say_why(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input"
    path.write_bytes(content)
    with pytest.raises(InputUnreadable, match=message.replace("(", r"\(")):
        detect_format(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputUnreadable, match="No such file"):
        detect_format(tmp_path / "missing")
    with pytest.raises(InputUnreadable, match="directory"):
        detect_format(tmp_path)


def test_hostile_doctype_is_scanned_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "input.xml"
    path.write_bytes(b"<!DOCTYPE x [" + b"[]" * 400_000)
    started = time.monotonic()
    with pytest.raises(InputUnreadable, match="no root element"):
        detect_format(path)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("path", REAL_FIXTURES, ids=fixture_id)
def test_open_source_builds_the_detected_source(path: Path) -> None:
    source = open_source(path)
    assert source.format_name == expected_format(path)


def test_format_override_and_unknown_names(fixtures: Path) -> None:
    listing = fixtures / "hf-papers-listing-encoder.txt"
    source = open_source(listing, "hf-listing")
    assert type(source).__name__ == "HfListingSource"
    with pytest.raises(ValueError, match="unknown format 'csv'; the formats are: hf-listing, "):
        open_source(listing, "csv")


def test_snapshot_resume_is_passed_on(fixtures: Path) -> None:
    source = open_source(
        fixtures / "arxiv-metadata-snapshot-sample.jsonl", resume_from={"line": 5, "offset": 0}
    )
    assert source.checkpoint() == {"line": 5, "offset": 0}
