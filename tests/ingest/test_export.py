"""The paperwire export: lossless round trip on both backends, atomic writes, hostile lines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from paperwire.catalog.model import Paper, Rejection
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.ingest.export import (
    ExportSource,
    ExportUnwritable,
    export_catalog,
    paper_from_export,
)
from paperwire.ingest.formats import open_source
from paperwire.ingest.pipeline import run_source
from paperwire.ingest.records import deleted_record
from tests.conftest import POSTGRES_ADMIN_URL

FIXTURE_FILES = (
    "arxiv-metadata-snapshot-sample.jsonl",
    "hf-papers-listing-encoder.txt",
    "hf-daily-papers-sample.json",
)
PAPERS_IN_FIXTURES = 200 + 67 + 1


@pytest.fixture
def empty_catalog(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[Catalog]:
    """A second, empty catalog on the same backend as the `catalog` fixture."""
    if database_url.startswith("sqlite"):
        opened = Catalog.open(f"sqlite:///{tmp_path / 'restored.db'}", clock=clock)
        yield opened
        opened.close()
        return
    name = f"paperwire_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    opened = Catalog.open(f"{database_url.rsplit('/', 1)[0]}/{name}", clock=clock)
    try:
        yield opened
    finally:
        opened.close()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fill(catalog: Catalog, fixtures: Path, clock: FakeClock) -> None:
    """Every kind of paper: arXiv, listing slugs, HF extras, merged sources, tombstones."""
    for name in FIXTURE_FILES:
        report = run_source(catalog, open_source(fixtures / name, clock=clock))
        assert report.counts.rejected == 0
        clock.advance(3600.5)  # first and last seen must differ and carry fractions
    run_source(catalog, open_source(fixtures / FIXTURE_FILES[0], clock=clock))
    catalog.upsert([deleted_record("arxiv-oai", "oai:arXiv.org:0704.0002", "0704.0002")])


def test_round_trip_reproduces_the_catalog_exactly(
    catalog: Catalog, empty_catalog: Catalog, fixtures: Path, clock: FakeClock, tmp_path: Path
) -> None:
    fill(catalog, fixtures, clock)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert export_catalog(catalog, first) == PAPERS_IN_FIXTURES

    restored = run_source(empty_catalog, ExportSource(first))
    assert (restored.counts.added, restored.counts.rejected) == (PAPERS_IN_FIXTURES, 0)
    export_catalog(empty_catalog, second)
    assert first.read_bytes() == second.read_bytes()
    for paper_id in ("0704.0001", "0704.0002", "2602.23229"):
        assert _without_seq(empty_catalog.get(paper_id)) == _without_seq(catalog.get(paper_id))

    again = run_source(empty_catalog, ExportSource(first))
    assert again.counts.unchanged == PAPERS_IN_FIXTURES


def _without_seq(paper: Paper | None) -> Paper | None:
    # Each store numbers its own changes; everything else must be the same.
    return dataclasses.replace(paper, change_seq=0) if paper is not None else None


def test_export_lines_carry_every_field(
    sqlite_catalog: Catalog, fixtures: Path, clock: FakeClock, tmp_path: Path
) -> None:
    fill(sqlite_catalog, fixtures, clock)
    out = tmp_path / "export.jsonl"
    export_catalog(sqlite_catalog, out)
    lines = {line["id"]: line for line in map(orjson.loads, out.read_bytes().splitlines())}
    arxiv = lines["0704.0001"]
    assert list(arxiv) == [
        "format", "id", "title", "abstract", "authors", "categories", "version", "submitted",
        "updated", "doi", "journal_ref", "comments", "license", "links", "listed_on",
        "listed_from_feed", "extras", "authority", "withdrawn", "sources",
    ]  # fmt: skip
    assert arxiv["format"] == "paperwire-export/1"
    assert (arxiv["version"], arxiv["submitted"], arxiv["updated"]) == (
        2,
        "2007-04-02",
        "2007-07-24",
    )
    assert arxiv["sources"] == [
        {
            "source": "arxiv-snapshot",
            "source_record_id": "0704.0001",
            "first_seen": "2026-03-16T12:00:00+00:00",
            "last_seen": "2026-03-16T15:00:01.500000+00:00",
        }
    ]
    assert lines["0704.0002"]["withdrawn"] is True
    hf = lines["2602.23229"]
    assert hf["listed_on"] == "2026-03-06" and hf["listed_from_feed"] is True
    assert hf["extras"]["upvotes"] == 10 and hf["authority"] == 2


def test_export_is_atomic(sqlite_catalog: Catalog, fixtures: Path, tmp_path: Path) -> None:
    run_source(sqlite_catalog, open_source(fixtures / FIXTURE_FILES[0]))
    out = tmp_path / "export.jsonl"
    out.write_bytes(b"the previous export\n")
    papers = sqlite_catalog.iter_papers()

    def failing(page_size: int = 1000) -> Iterator[Paper]:
        yield next(papers)
        raise RuntimeError("disk on fire")

    sqlite_catalog.iter_papers = failing  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="disk on fire"):
        export_catalog(sqlite_catalog, out)
    assert out.read_bytes() == b"the previous export\n"
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".tmp")]


def test_export_into_a_missing_folder_names_the_users_path(
    sqlite_catalog: Catalog, tmp_path: Path
) -> None:
    out = tmp_path / "missing" / "x.jsonl"
    with pytest.raises(ExportUnwritable) as refused:
        export_catalog(sqlite_catalog, out)
    assert str(refused.value) == f"cannot write {out}: the folder {out.parent} does not exist"
    assert ".tmp" not in str(refused.value)


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_exported_file_gets_the_umask_mode_not_0600(
    sqlite_catalog: Catalog, fixtures: Path, tmp_path: Path, umask: int
) -> None:
    run_source(sqlite_catalog, open_source(fixtures / FIXTURE_FILES[0]))
    out = tmp_path / "export.jsonl"
    previous = os.umask(umask)
    try:
        export_catalog(sqlite_catalog, out)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_progress_adds_up(sqlite_catalog: Catalog, fixtures: Path, tmp_path: Path) -> None:
    run_source(sqlite_catalog, open_source(fixtures / FIXTURE_FILES[0]))
    steps: list[int] = []
    assert export_catalog(sqlite_catalog, tmp_path / "out.jsonl", on_progress=steps.append) == 200
    assert sum(steps) == 200


def good_line(**changes: object) -> bytes:
    line: dict[str, object] = {
        "format": "paperwire-export/1",
        "id": "2403.01234",
        "title": "A Paper",
        "abstract": "An abstract.",
        "authors": ["Ada Lovelace"],
        "categories": ["cs.LG"],
        "version": 1,
        "submitted": "2024-03-02",
        "links": [["abs", "https://arxiv.org/abs/2403.01234"]],
        "extras": {"upvotes": 3},
        "authority": 3,
        "withdrawn": False,
        "sources": [
            {
                "source": "arxiv-oai",
                "source_record_id": "oai:arXiv.org:2403.01234",
                "first_seen": "2026-03-16T12:00:00+00:00",
                "last_seen": "2026-03-16T12:00:00+00:00",
            }
        ],
    }
    line.update(changes)
    return orjson.dumps(line)


def test_bad_lines_are_rejected_with_their_line_and_neighbours_restored(
    sqlite_catalog: Catalog, tmp_path: Path
) -> None:
    path = tmp_path / "export.jsonl"
    lines = [
        good_line(),
        b"{not json",
        good_line(format="paperwire-export/2", id="2403.00002"),
        good_line(id="2403.00003", links=[["code", "javascript:alert(1)"]]),
        good_line(),  # the same id again
        b"",
        good_line(id="2403.00004", title="<b>Bold</b>\x00 title\u202e"),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = run_source(sqlite_catalog, ExportSource(path))
    assert [r.location for r in report.rejections] == [
        f"{path}:2",
        f"{path}:3 (id 2403.00002)",
        f"{path}:4 (id 2403.00003)",
        f"{path}:5",
    ]
    assert report.rejections[1].reason == 'not a paperwire-export/1 line (its "format" differs)'
    assert report.rejections[2].reason.startswith("not a usable link: 'code'")
    assert report.rejections[3].reason == "paper 2403.01234 is already on line 1"
    assert report.counts.added == 2
    cleaned = sqlite_catalog.get("2403.00004")
    assert cleaned is not None and cleaned.title == "<b>Bold</b> title"


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"id": "../../etc/passwd"}, "not a paper id"),
        ({"title": ""}, "title is empty"),
        ({"title": "x" * 1001}, "title is 1001 characters"),
        ({"version": "2"}, "version must be"),
        ({"authority": 9}, "unknown authority 9"),
        ({"submitted": "2024-02-30"}, "submitted must be a YYYY-MM-DD date"),
        ({"authors": "Ada"}, "authors must be a list of strings"),
        ({"extras": {"deep": nested(40)}}, "extras nest deeper than 32 levels"),
        ({"sources": [{"source": "x" * 41}]}, "bad or repeated source name"),
        (
            {"sources": [{"source": "a", "source_record_id": "1", "first_seen": "2026-03-16"}]},
            "first_seen must carry its time zone",
        ),
    ],
)
def test_hostile_fields_are_refused(changes: dict[str, object], reason: str) -> None:
    from paperwire.catalog.text import RecordRejected

    with pytest.raises(RecordRejected, match=reason.replace("(", r"\(")):
        paper_from_export(orjson.loads(good_line(**changes)))


def test_gzip_export_restores(sqlite_catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl.gz"
    path.write_bytes(gzip.compress(good_line() + b"\n"))
    items = list(ExportSource(path).items())
    assert [type(item) for item in items] == [Paper]
    paper = items[0]
    assert isinstance(paper, Paper)
    assert paper.sources[0].first_seen == dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)
    assert not any(isinstance(item, Rejection) for item in items)
