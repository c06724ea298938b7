"""build_record and friends: every source's raw strings become one clean PaperRecord.

Hostile input is the point: markup, TeX, CR/LF, invisible and bidi characters, and sizes
beyond the caps (docs/catalog.md, "Hostile strings").
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import orjson
import pytest

from paperwire.catalog import text
from paperwire.catalog.model import Authority, Link, PaperRecord, Rejection
from paperwire.catalog.text import RecordRejected
from paperwire.ingest.records import (
    WireEntry,
    build_record,
    clean_categories,
    decode_entries,
    deleted_record,
    encode_entries,
    parse_json_line,
    resolve_id,
)
from tests.support.factories import make_record


def built(**arguments: Any) -> PaperRecord:
    """A minimal record from one source; `arguments` are build_record's."""
    values: dict[str, Any] = {
        "source": "hf-daily",
        "source_record_id": "item-1",
        "authority": Authority.HF_DAILY,
        "raw_id": "2403.01234",
        "title": "A title",
    }
    return build_record(**(values | arguments))


def urls(record: PaperRecord, kind: str) -> list[str]:
    return [link.url for link in record.links if link.kind == kind]


# -- ids ---------------------------------------------------------------------------------


def test_an_arxiv_id_in_any_spelling_gives_the_id_and_its_version() -> None:
    record = built(raw_id="https://arxiv.org/abs/2403.01234v3")
    assert (record.paper_id, record.version) == ("2403.01234", 3)
    assert built(raw_id="arXiv:2403.01234v3", version=5).version == 5  # a given version wins
    assert built(raw_id="math.AG/0601001").paper_id == "math/0601001"


def test_without_an_id_the_cleaned_title_gives_the_slug() -> None:
    record = built(raw_id=None, title="  Sparse\u200b Models:\r\n a Study ")
    assert record.paper_id == "sparse-models-a-study"
    assert record.version is None
    assert resolve_id(None, "Sparse Models") == ("sparse-models", None)
    assert resolve_id("", "Sparse Models") == ("sparse-models", None)


@pytest.mark.parametrize("raw_id", ["not an id", "2413.01234", "x" * 10_000, "2403.01234\r\nX: y"])
def test_something_that_is_not_an_id_rejects_the_record(raw_id: str) -> None:
    with pytest.raises(RecordRejected, match="not an arXiv id") as refused:
        built(raw_id=raw_id)
    assert len(str(refused.value)) < 200  # a huge id is not echoed back whole


# -- markup, TeX and line breaks stay text ------------------------------------------------


def test_markup_and_tex_are_kept_verbatim_as_text() -> None:
    title = "<b>Bold</b> &amp; <script>alert(1)</script> $\\alpha$-NeRF: \\textbf{x}_{i}^2"
    abstract = "We use <img src=x onerror=alert(1)> and $\\mathcal{O}(n \\log n)$ {braces}."
    record = built(title=title, abstract=abstract, authors=["<i>Ada</i> O'Brien"])
    # Plain text, never trusted as markup: pages escape it, so nothing is dropped here.
    assert record.title == title
    assert record.abstract == abstract
    assert record.authors == ["<i>Ada</i> O'Brien"]


def test_crlf_and_whitespace_are_normalised() -> None:
    record = built(
        title="A\r\ntitle  on\ttwo\nlines ",
        abstract="First line\r\nof paragraph one.\r\n\r\nParagraph two.\n\n\n\nThree.",
        authors=[" Ada\r\nLovelace ", "Alan  Turing"],
        comments="12 pages,\r\n 3 figures",
    )
    assert record.title == "A title on two lines"
    assert record.abstract == "First line of paragraph one.\n\nParagraph two.\n\nThree."
    assert record.authors == ["Ada Lovelace", "Alan Turing"]
    assert record.comments == "12 pages, 3 figures"


def test_arxiv_indentation_starts_a_paragraph() -> None:
    record = built(abstract="  One sentence\nwrapped.\n  A new paragraph.")
    assert record.abstract == "One sentence wrapped.\n\nA new paragraph."


@pytest.mark.parametrize("newline", ["\r", "\x0c", "\x85", "\u2028"])
def test_a_lone_line_break_still_separates_words(newline: str) -> None:
    record = built(title=f"Part one{newline}Part two", abstract=f"Line one{newline}line two.")
    assert record.title == "Part one Part two"
    assert record.abstract.split() == ["Line", "one", "line", "two."]


def test_invisible_and_bidi_characters_are_removed() -> None:
    record = built(
        title="Nice\u202e txet\u202c title\x00\x1b[31m",
        abstract="Zero\u200bwidth and BOM\ufeff here.\x07",
        authors=["Ada\u200d Lovelace", "\u2066Alan Turing\u2069"],
        categories=["cs.LG\u200b"],
    )
    assert record.title == "Nice txet title[31m"
    assert record.abstract == "Zerowidth and BOM here."
    assert record.authors == ["Ada Lovelace", "Alan Turing"]
    assert record.categories == ["cs.LG"]
    for value in (record.title, record.abstract, *record.authors, *record.categories):
        assert value.isprintable()


def test_text_is_stored_in_nfc() -> None:
    assert built(title="Cafe\u0301 models").title == "Caf\u00e9 models"


@pytest.mark.parametrize("title", [None, "", "   ", "\u200b\u202e\x00", "\r\n\t"])
def test_a_record_needs_a_title(title: str | None) -> None:
    with pytest.raises(RecordRejected, match="title is empty"):
        built(title=title)


# -- sizes: a record beyond a cap is rejected whole ---------------------------------------


def test_sizes_at_the_caps_are_kept() -> None:
    record = built(
        title="t" * text.TITLE_MAX_CHARS,
        abstract="a" * text.ABSTRACT_MAX_CHARS,
        authors=[f"Author {n}" for n in range(text.AUTHORS_MAX)],
        comments="c" * text.FIELD_MAX_CHARS,
    )
    assert len(record.title) == text.TITLE_MAX_CHARS
    assert len(record.abstract) == text.ABSTRACT_MAX_CHARS
    assert len(record.authors) == text.AUTHORS_MAX
    assert len(record.comments or "") == text.FIELD_MAX_CHARS


def test_the_caps_count_what_is_left_after_cleaning() -> None:
    padded = "\u200b" * 2_000 + "t" * 900 + " " * 500
    assert built(title=padded).title == "t" * 900


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ({"title": "t" * (text.TITLE_MAX_CHARS + 1)}, "title is 1001 characters"),
        ({"title": "t" * 10_000_000}, "title is 10000000 characters"),
        ({"abstract": "a" * (text.ABSTRACT_MAX_CHARS + 1)}, "abstract is 20001 characters"),
        ({"abstract": "word " * 5_000_000}, "abstract is 25000000 characters"),
        ({"authors": ["A. Author"] * (text.AUTHORS_MAX + 1)}, "2001 authors"),
        ({"authors": ["n" * 501]}, "author name is 501 characters"),
        ({"comments": "c" * 4_001}, "comments is 4001 characters"),
        ({"journal_ref": "j" * 4_001}, "journal-ref is 4001 characters"),
        ({"license": "l" * 501}, "license is 501 characters"),
        ({"doi": "d" * 4_001}, "doi is 4001 characters"),
        ({"categories": ["c" * 65]}, "category is 65 characters"),
        ({"source_record_id": "r" * 301}, "record id is 301 characters"),
    ],
)
def test_beyond_a_cap_the_record_is_rejected(arguments: dict[str, Any], reason: str) -> None:
    started = time.perf_counter()
    with pytest.raises(RecordRejected, match=reason):
        built(**arguments)
    assert time.perf_counter() - started < 1.0  # huge strings are refused before cleaning


# -- links -------------------------------------------------------------------------------


def test_arxiv_papers_get_abs_and_pdf_links_slugs_do_not() -> None:
    record = built(raw_id="hep-th/9901001v2")
    assert record.links == [
        Link("abs", "https://arxiv.org/abs/hep-th/9901001"),
        Link("pdf", "https://arxiv.org/pdf/hep-th/9901001"),
    ]
    assert built(raw_id=None).links == []


def test_every_doi_becomes_a_link_and_the_first_is_the_doi() -> None:
    record = built(doi="10.1103/PhysRevD.75.094019, 10.1000/xyz.;  10.1234/\u00e9vil")
    assert record.doi == "10.1103/PhysRevD.75.094019"
    assert urls(record, "doi") == [
        "https://doi.org/10.1103/PhysRevD.75.094019",
        "https://doi.org/10.1000/xyz",
    ]  # the non-ASCII one is dropped
    assert built(doi="not a doi").doi is None


def test_code_and_project_links_are_found_in_the_abstract_and_comments() -> None:
    record = built(
        abstract='Code: <a href="https://github.com/Org/Repo.git">here</a>.',
        comments="Project page: https://example.org/project. Also https://gitlab.com/a/b).",
        extra_links=[Link("code", "https://github.com/Org/Repo")],  # given twice
    )
    assert urls(record, "code") == ["https://github.com/Org/Repo", "https://gitlab.com/a/b"]
    assert urls(record, "project") == ["https://example.org/project"]


def test_only_plain_http_urls_become_links() -> None:
    record = built(
        abstract="See javascript:alert(1) and data:text/html,x and ftp://github.com/o/r.",
        comments="https://github.com/../etc and https://github.com/o/r\u202e",
    )
    assert urls(record, "code") == ["https://github.com/o/r"]  # the bidi mark is cut off
    assert all(link.url.startswith("https://") for link in record.links)


# -- the other fields ----------------------------------------------------------------------


def test_every_field_reaches_the_record() -> None:
    record = built(
        source_record_id="  item-7 ",
        authority=Authority.ARXIV,
        abstract="Abstract.",
        authors=["Ada Lovelace"],
        categories=["cs.LG", "stat.ML", "cs.LG", " ", "cs.AI"],
        submitted=dt.date(2024, 3, 2),
        updated=dt.date(2024, 4, 1),
        journal_ref="J. Tests 1",
        comments="12 pages",
        license="http://creativecommons.org/licenses/by/4.0/",
        listed_on=dt.date(2024, 3, 5),
        extras={"upvotes": 3},
    )
    assert record.source_record_id == "item-7"
    assert record.authority == Authority.ARXIV
    assert record.categories == ["cs.LG", "stat.ML", "cs.AI"]  # order kept, repeats dropped
    assert (record.submitted, record.updated, record.listed_on) == (
        dt.date(2024, 3, 2),
        dt.date(2024, 4, 1),
        dt.date(2024, 3, 5),
    )
    assert (record.journal_ref, record.comments) == ("J. Tests 1", "12 pages")
    assert record.license == "http://creativecommons.org/licenses/by/4.0/"
    assert record.extras == {"upvotes": 3}
    assert not record.deleted


def test_empty_optional_fields_are_none_and_an_empty_record_id_is_the_paper_id() -> None:
    record = built(source_record_id=" \u200b ", comments="  ", journal_ref="", license=None)
    assert record.source_record_id == "2403.01234"
    assert (record.comments, record.journal_ref, record.license, record.doi) == (None,) * 4
    assert (record.abstract, record.authors, record.categories, record.extras) == ("", [], [], {})


def test_clean_categories() -> None:
    assert clean_categories(["cs.CV", " cs.CV ", "", "hep-th\x00"]) == ["cs.CV", "hep-th"]
    with pytest.raises(RecordRejected, match="category"):
        clean_categories(["x" * 65])


def test_a_tombstone_names_the_paper_and_nothing_else() -> None:
    tombstone = deleted_record("arxiv-oai", "oai:arXiv.org:hep-th/9901001", "hep-th/9901001v2")
    assert tombstone.deleted
    assert (tombstone.paper_id, tombstone.version) == ("hep-th/9901001", 2)
    assert tombstone.authority == Authority.ARXIV
    assert (tombstone.title, tombstone.links, tombstone.extras) == ("", [], {})
    with pytest.raises(RecordRejected):
        deleted_record("arxiv-oai", "oai:x", "not an id")


# -- JSON lines ----------------------------------------------------------------------------


def _parse(data: dict[str, Any]) -> PaperRecord:
    return built(raw_id=data.get("id"), title=data.get("title"))


def test_a_json_line_becomes_a_record() -> None:
    item = parse_json_line(b'{"id": "2403.01234", "title": "T"}', "in.jsonl:1", _parse)
    assert isinstance(item, PaperRecord) and item.paper_id == "2403.01234"


@pytest.mark.parametrize(
    ("raw", "location", "reason"),
    [
        (b'{"id": "2403.01234", "title": ', "in.jsonl:3", "invalid JSON"),
        (b"\xff\xfe not utf-8", "in.jsonl:3", "invalid JSON"),
        (b'["a", "list"]', "in.jsonl:3", "a line must be a JSON object"),
        (b'{"id": "2403.01234", "title": ""}', "in.jsonl:3 (id 2403.01234)", "title is empty"),
        (b'{"title": ""}', "in.jsonl:3", "title is empty"),
        (b'{"id": "nope", "title": "T"}', "in.jsonl:3 (id nope)", "not an arXiv id"),
    ],
)
def test_a_broken_json_line_is_a_rejection_at_its_location(
    raw: bytes, location: str, reason: str
) -> None:
    item = parse_json_line(raw, "in.jsonl:3", _parse)
    assert isinstance(item, Rejection)
    assert item.location == location
    assert item.reason.startswith(reason)


def test_a_rejections_location_never_carries_terminal_escapes() -> None:
    line = orjson.dumps({"id": "\x1b[2J\x1b]0;pwned\x07" + "9" * 500, "title": ""})
    item = parse_json_line(line, "in.jsonl:9", _parse)
    assert isinstance(item, Rejection)
    assert item.location.isprintable() and item.reason.isprintable()
    assert item.location.startswith("in.jsonl:9 (id ") and len(item.location) < 150


# -- handing records between processes ------------------------------------------------------


def test_a_record_survives_the_trip_between_processes() -> None:
    record = make_record(
        doi="10.1000/xyz",
        comments="Code: https://github.com/o/r",
        updated=dt.date(2024, 4, 1),
        listed_on=dt.date(2024, 3, 5),
        extras={"upvotes": 3, "ai_keywords": ["sparse"]},
    )
    tombstone = deleted_record("arxiv-oai", "oai:x", "2403.01234v2")
    entries: list[WireEntry] = [
        (1, 10, record, None),
        (2, 25, None, Rejection("in.jsonl:2", "title is empty")),
        (3, 26, None, None),
        (4, 40, tombstone, None),
    ]
    back = decode_entries(encode_entries(entries))
    assert back == entries
    assert isinstance(back[0][2], PaperRecord) and back[0][2].authority is Authority.ARXIV
