"""Hypothesis: any input gives valid records or clean rejections; ingesting twice == once."""

from __future__ import annotations

import contextlib
import copy
import gzip
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperwire.catalog import text
from paperwire.catalog.ids import is_arxiv_id
from paperwire.catalog.links import safe_http_url
from paperwire.catalog.model import Paper, PaperRecord, Rejection
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.ingest.base import InputUnreadable, Source
from paperwire.ingest.export import ExportSource, export_catalog
from paperwire.ingest.formats import FORMAT_NAMES, detect_format
from paperwire.ingest.hf_daily import HfDailySource
from paperwire.ingest.hf_listing import HfListingSource
from paperwire.ingest.pipeline import run_source
from paperwire.ingest.snapshot import SnapshotSource

FIXTURES = Path(__file__).parent.parent / "fixtures"
# FUZZ_EXAMPLES=2000 for a longer hunt; the default keeps the suite fast.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e]")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")

# -- strategies ----------------------------------------------------------------------------

tricky_strings = st.sampled_from(
    [
        "",
        " ",
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "https://github.com/owner/repo",
        "https://x.io/\x00",
        "\x00",
        "\u202e\u200b\ufeff",
        "Mar 14",
        "Feb 29",
        "Feb 30",
        "new",
        "arXiv:2403.01234v3",
        "hep-th/9901001",
        "2403.01234",
        "10.1103/PhysRev\x00.1",
        "Mon, 2 Apr 2007 19:18:42 GMT",
        "2026-02-26T17:08:18.000Z",
    ]
)
# Strings around the size caps (title 1,000 characters, abstract 20,000).
oversized = st.integers(min_value=990, max_value=1010).map(lambda n: "x" * n) | st.integers(
    min_value=9_000, max_value=11_000
).map(lambda n: "y " * n)
strings = st.one_of(tricky_strings, oversized, st.text(st.characters(codec="utf-8"), max_size=40))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | strings,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(strings, children, max_size=4)
    ),
    max_leaves=12,
)
listing_lines = st.one_of(
    st.just(""),
    st.just("\r"),
    tricky_strings,
    st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=60),
    st.just("A reasonably long abstract sentence that ends with a period. " * 6),
)
listing_texts = st.lists(listing_lines, max_size=30).map("\n".join)


def _mutated(base: dict[str, Any], keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    def apply(changes: dict[str, Any]) -> dict[str, Any]:
        value = copy.deepcopy(base)
        value.update(changes)
        return value

    # Mostly strings: most fields are strings, and hostile text is what cleaning must catch.
    values = st.one_of(strings, json_values)
    return st.dictionaries(st.sampled_from(keys), values, max_size=4).map(apply)


HOSTILE_PIECES = ("\x00", "\x1b[31m", "\u202e", "\u200b", "<script>x</script>", "\r\n", "\ud7ff")


def _poisoned(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`base` with one hostile piece put into every string field but its id at once."""

    def apply(piece: str) -> dict[str, Any]:
        keep = {"id", "format"}
        return {
            k: v + piece if isinstance(v, str) and k not in keep else v for k, v in base.items()
        }

    return st.sampled_from(HOSTILE_PIECES).map(apply)


DAILY_ITEM: dict[str, Any] = orjson.loads((FIXTURES / "hf-daily-papers-sample.json").read_bytes())[
    0
]
daily_papers = _mutated(DAILY_ITEM["paper"], [*DAILY_ITEM["paper"]])
daily_items = st.one_of(
    _poisoned(DAILY_ITEM["paper"]).map(lambda paper: {**DAILY_ITEM, "paper": paper}),
    st.builds(
        lambda paper, rest: {**rest, "paper": paper},
        daily_papers,
        _mutated(DAILY_ITEM, [*DAILY_ITEM]),
    ),
    json_values,
)
daily_files = st.lists(daily_items, max_size=4).map(orjson.dumps)

SNAPSHOT_LINES = (FIXTURES / "arxiv-metadata-snapshot-sample.jsonl").read_bytes().splitlines()
SNAPSHOT_RECORD: dict[str, Any] = orjson.loads(SNAPSHOT_LINES[0])
snapshot_lines = st.one_of(
    _mutated(SNAPSHOT_RECORD, [*SNAPSHOT_RECORD]).map(orjson.dumps),
    _poisoned(SNAPSHOT_RECORD).map(orjson.dumps),
    st.sampled_from(SNAPSHOT_LINES[:5]),
    st.binary(max_size=40),
)
snapshot_files = st.lists(snapshot_lines, max_size=6).map(b"\n".join)

EXPORT_LINE: dict[str, Any] = {
    "format": "paperwire-export/1",
    "id": "2403.01234",
    "title": "A Paper",
    "abstract": "An abstract.",
    "authors": ["Ada Lovelace"],
    "categories": ["cs.LG"],
    "version": 1,
    "submitted": "2024-03-02",
    "updated": None,
    "links": [["abs", "https://arxiv.org/abs/2403.01234"]],
    "listed_on": "2024-03-05",
    "listed_from_feed": True,
    "extras": {"upvotes": 3},
    "authority": 3,
    "withdrawn": False,
    "sources": [
        {
            "source": "arxiv-oai",
            "source_record_id": "oai:arXiv.org:2403.01234",
            "first_seen": "2026-03-16T12:00:00+00:00",
            "last_seen": "2026-03-16T12:00:00.250000+00:00",
        }
    ],
}
export_lines = st.one_of(
    _mutated(EXPORT_LINE, [*EXPORT_LINE]).map(orjson.dumps),
    _poisoned(EXPORT_LINE).map(orjson.dumps),
    st.binary(max_size=40),
)
export_files = st.lists(export_lines, max_size=5).map(b"\n".join)

# -- checks --------------------------------------------------------------------------------


@contextlib.contextmanager
def written(content: bytes, name: str = "input") -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(content)
        yield path


def _clean_text(value: str) -> bool:
    return not _CONTROLS.search(value)


def assert_valid(item: object, printable_rejections: bool = True) -> None:
    """A record or restored paper that the store may hold: ids, sizes and text all clean."""
    if isinstance(item, Rejection):
        assert item.location and item.reason
        # Printed on terminals: no escape sequences or other controls from the input.
        if printable_rejections:
            assert item.location.isprintable() and item.reason.isprintable(), item
        return
    assert isinstance(item, PaperRecord | Paper), item
    paper_id = item.paper_id if isinstance(item, PaperRecord) else item.id
    assert is_arxiv_id(paper_id) or _SLUG.fullmatch(paper_id), paper_id
    withdrawn = item.deleted if isinstance(item, PaperRecord) else item.withdrawn
    assert item.title or withdrawn
    assert len(item.title) <= text.TITLE_MAX_CHARS
    assert len(item.abstract) <= text.ABSTRACT_MAX_CHARS
    assert len(item.authors) <= text.AUTHORS_MAX
    optional = [item.doi, item.journal_ref, item.comments, item.license]
    for value in [
        item.title,
        item.abstract,
        *item.authors,
        *item.categories,
        *filter(None, optional),
    ]:
        assert _clean_text(value.replace("\n", " ")), value
    for link in item.links:
        assert safe_http_url(link.url) == link.url and _clean_text(link.url), link


def assert_clean_run(
    make_source: Callable[[Path], Source], content: bytes, printable_rejections: bool = True
) -> None:
    with written(content) as path:
        try:
            items = list(make_source(path).items())
        except InputUnreadable as error:
            assert str(error)
            return
        for item in items:
            assert_valid(item, printable_rejections)


def gzipped(data: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """Compressed, or compressed then cut short: a broken gzip must be a clean failure too."""
    return st.tuples(data, st.integers(min_value=0, max_value=200), st.booleans()).map(
        lambda t: gzip.compress(t[0])[: t[1] + 10] if t[2] else gzip.compress(t[0])
    )


# -- parsers -------------------------------------------------------------------------------


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=300), listing_texts.map(str.encode), gzipped(st.binary(max_size=60))
    )
)
def test_hf_listing_any_input(content: bytes) -> None:
    assert_clean_run(lambda path: HfListingSource(path, clock=FakeClock()), content)


@FUZZ
@given(st.one_of(st.binary(max_size=200), daily_files, gzipped(daily_files)))
def test_hf_daily_any_input(content: bytes) -> None:
    assert_clean_run(HfDailySource, content)


@FUZZ
@given(st.one_of(st.binary(max_size=200), snapshot_files, gzipped(snapshot_files)))
def test_snapshot_any_input(content: bytes) -> None:
    assert_clean_run(SnapshotSource, content)


@FUZZ
@given(st.one_of(st.binary(max_size=200), export_files, gzipped(export_files)))
def test_export_any_input(content: bytes) -> None:
    assert_clean_run(ExportSource, content)


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=300),
        st.sampled_from([b"<", b"[", b"{", b"<!DOCTYPE", b"\x1f\x8b"]).flatmap(
            lambda start: st.binary(max_size=100).map(lambda rest: start + rest)
        ),
        gzipped(st.binary(max_size=100)),
        daily_files,
        export_files,
        snapshot_files,
    )
)
def test_detect_format_any_input(content: bytes) -> None:
    with written(content) as path:
        try:
            assert detect_format(path) in FORMAT_NAMES
        except InputUnreadable as error:
            assert str(error)


# -- ingest twice == ingest once -----------------------------------------------------------


def _ingest_export(make_source: Callable[[Path], Source], content: bytes, times: int) -> list[Any]:
    """The catalog (exported, seen-times dropped) after ingesting `content` `times` times."""
    clock = FakeClock()
    with written(content) as path:
        catalog = Catalog.open("sqlite://", clock=clock)
        try:
            for _ in range(times):
                with contextlib.suppress(InputUnreadable):  # then both runs store nothing
                    run_source(catalog, make_source(path))
                clock.advance(60)
            out = path.with_suffix(".export")
            export_catalog(catalog, out)
            lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
        finally:
            catalog.close()
    for line in lines:
        for ref in line["sources"]:
            del ref["first_seen"], ref["last_seen"]
    return lines


# Each example opens two catalogs: half as many examples.
@settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        listing_texts.map(lambda text: ("hf-listing", text.encode())),
        daily_files.map(lambda data: ("hf-daily", data)),
        snapshot_files.map(lambda data: ("arxiv-snapshot", data)),
        export_files.map(lambda data: ("paperwire-export", data)),
    )
)
def test_ingest_twice_equals_ingest_once(case: tuple[str, bytes]) -> None:
    makers: dict[str, Callable[[Path], Source]] = {
        "hf-listing": lambda path: HfListingSource(path, clock=FakeClock()),
        "hf-daily": HfDailySource,
        "arxiv-snapshot": SnapshotSource,
        "paperwire-export": ExportSource,
    }
    fmt, content = case
    assert _ingest_export(makers[fmt], content, 2) == _ingest_export(makers[fmt], content, 1)
