"""The arXiv metadata snapshot: real records field by field, broken lines, gzip, resuming."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
from pathlib import Path

import orjson
import pytest

from paperwire.catalog.model import Authority, PaperRecord, Rejection
from paperwire.catalog.store import Catalog
from paperwire.ingest import snapshot
from paperwire.ingest.base import InputUnreadable, Item
from paperwire.ingest.pipeline import run_source
from paperwire.ingest.records import parse_json_line
from paperwire.ingest.snapshot import SnapshotSource, parse_object

SNAPSHOT = "arxiv-metadata-snapshot-sample.jsonl"


def records(items: list[Item]) -> list[PaperRecord]:
    return [item for item in items if isinstance(item, PaperRecord)]


@pytest.fixture
def sample(fixtures: Path) -> dict[str, PaperRecord]:
    items = list(SnapshotSource(fixtures / SNAPSHOT).items())
    assert len(items) == 200 and all(isinstance(item, PaperRecord) for item in items)
    return {record.paper_id: record for record in records(items)}


def test_first_record_field_by_field(sample: dict[str, PaperRecord]) -> None:
    record = sample["0704.0001"]
    assert (record.source, record.source_record_id, record.authority) == (
        "arxiv-snapshot",
        "0704.0001",
        Authority.ARXIV,
    )
    assert record.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert record.abstract.startswith("A fully differential calculation in perturbative quantum")
    assert record.abstract.endswith("can be obtained with judicious selection of events.")
    assert "\n" not in record.abstract  # arXiv's hard wraps are not paragraphs
    # authors_parsed is preferred to the TeX string "C. Bal\\'azs".
    assert record.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert record.categories == ["hep-ph"]
    assert record.version == 2
    assert record.submitted == dt.date(2007, 4, 2)
    assert record.updated == dt.date(2007, 7, 24)
    assert record.doi == "10.1103/PhysRevD.76.013009"
    assert record.journal_ref == "Phys.Rev.D76:013009,2007"
    assert record.comments == "37 pages, 15 figures; published version"
    assert record.license is None
    assert record.listed_on is None
    assert [(link.kind, link.url) for link in record.links] == [
        ("abs", "https://arxiv.org/abs/0704.0001"),
        ("pdf", "https://arxiv.org/pdf/0704.0001"),
        ("doi", "https://doi.org/10.1103/PhysRevD.76.013009"),
    ]
    assert record.extras == {"arxiv_submitter": "Pavel Nadolsky", "report_no": "ANL-HEP-PR-07-12"}


def test_more_records_field_by_field(sample: dict[str, PaperRecord]) -> None:
    second = sample["0704.0002"]
    assert second.title == "Sparsity-certifying Graph Decompositions"
    assert second.authors == ["Ileana Streinu", "Louis Theran"]
    assert second.categories == ["math.CO", "cs.CG"]  # primary first
    assert second.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert (second.version, second.submitted, second.updated) == (
        2,
        dt.date(2007, 3, 31),
        dt.date(2008, 12, 13),
    )
    assert second.doi is None and second.journal_ref is None
    third = sample["0704.0003"]
    assert (third.version, third.submitted, third.updated) == (
        3,
        dt.date(2007, 4, 1),
        dt.date(2008, 1, 13),
    )
    assert third.authors == ["Hongjun Pan"]


def test_broken_lines_are_rejected_and_neighbours_stored(
    fixtures: Path, tmp_path: Path, catalog: Catalog
) -> None:
    good = (fixtures / SNAPSHOT).read_bytes().splitlines()
    path = tmp_path / "broken.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                good[0],
                b'{"id": "0704.0099", "title": "cut off',
                b'["a", "list"]',
                good[1],
                b'{"id": "0704.0098", "abstract": "no title"}',
                b"",
                b'{"id": "not an id", "title": "T"}',
                good[2],
            ]
        )
        + b"\n"
    )
    report = run_source(catalog, SnapshotSource(path))
    assert [r.location for r in report.rejections] == [
        f"{path}:2",
        f"{path}:3",
        f"{path}:5 (id 0704.0098)",
        f"{path}:7 (id not an id)",
    ]
    assert report.rejections[0].reason.startswith("invalid JSON")
    assert report.rejections[1].reason == "a line must be a JSON object"
    assert report.rejections[2].reason == "title is empty"
    assert (report.counts.added, report.counts.rejected) == (3, 4)
    assert [p.id for p in catalog.get_many(["0704.0001", "0704.0002", "0704.0003"])] == [
        "0704.0001",
        "0704.0002",
        "0704.0003",
    ]


def test_gzip_input_gives_the_same_records(fixtures: Path, tmp_path: Path) -> None:
    packed = tmp_path / "snapshot.jsonl.gz"
    packed.write_bytes(gzip.compress((fixtures / SNAPSHOT).read_bytes()))
    plain = list(SnapshotSource(fixtures / SNAPSHOT).items())
    assert list(SnapshotSource(packed).items()) == plain


@pytest.mark.parametrize("compressed", [False, True])
def test_resume_from_a_checkpoint(fixtures: Path, tmp_path: Path, compressed: bool) -> None:
    path = fixtures / SNAPSHOT
    if compressed:
        path = tmp_path / "snapshot.jsonl.gz"
        path.write_bytes(gzip.compress((fixtures / SNAPSHOT).read_bytes()))
    everything = list(SnapshotSource(path).items())
    first = SnapshotSource(path)
    head = list(itertools.islice(first.items(), 50))
    checkpoint = first.checkpoint()
    assert checkpoint["line"] == 50
    assert (checkpoint["offset"] > 0) is not compressed
    rest = list(SnapshotSource(path, resume_from=checkpoint).items())
    assert head + rest == everything
    assert records(rest)[0].paper_id == "0704.0051"


def test_overlong_line_is_rejected(tmp_path: Path, fixtures: Path) -> None:
    good = (fixtures / SNAPSHOT).read_bytes().splitlines()[0]
    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"id": "0704.0001", "x": "' + b"y" * 1_100_000 + b'"}\n' + good + b"\n")
    items = list(SnapshotSource(path).items())
    assert isinstance(items[0], Rejection) and items[0].location == f"{path}:1"
    assert isinstance(items[1], PaperRecord) and items[1].paper_id == "0704.0001"


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(InputUnreadable):
        list(SnapshotSource(tmp_path / "missing.jsonl").items())


def _poisoned_first_line(fixtures: Path, tmp_path: Path, **changes: str) -> list[Item]:
    record = orjson.loads((fixtures / SNAPSHOT).read_bytes().splitlines()[0])
    record.update(changes)
    path = tmp_path / "poisoned.jsonl"
    path.write_bytes(orjson.dumps(record) + b"\n")
    return list(SnapshotSource(path).items())


def test_doi_is_cleaned_like_every_other_string(fixtures: Path, tmp_path: Path) -> None:
    [record] = records(_poisoned_first_line(fixtures, tmp_path, doi="10.1103/Phys\x00<b>\u202e"))
    assert record.doi is not None and record.doi.isprintable()
    assert all(link.url.isprintable() for link in record.links)


def test_rejection_location_escapes_the_id(fixtures: Path, tmp_path: Path) -> None:
    [rejection] = _poisoned_first_line(fixtures, tmp_path, id="\x1b[31m0704", title="")
    assert isinstance(rejection, Rejection)
    assert rejection.location.isprintable()


def _lines_with_trouble(fixtures: Path) -> list[bytes]:
    good = (fixtures / SNAPSHOT).read_bytes().splitlines()
    lines = list(good[:60])
    lines[7] = b'{"id": "0704.0099", "title": "cut off'
    lines[20] = b'{"id": "0704.0098", "abstract": "no title"}'
    lines[33] = b""
    lines[41] = b'{"id": "0704.0001", "x": "' + b"y" * 1_100_000 + b'"}'
    return lines


@pytest.mark.parametrize("workers", [1, 2])
def test_blocks_keep_line_numbers_checkpoints_and_rejections(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    path = tmp_path / "trouble.jsonl"
    lines = _lines_with_trouble(fixtures)
    path.write_bytes(b"\n".join(lines))  # and no newline after the last line
    monkeypatch.setattr(snapshot, "BLOCK_BYTES", 4096)  # many blocks, lines across their ends
    source = SnapshotSource(path, workers=workers)
    seen = []
    for item in source.items():
        seen.append((item, source.checkpoint()))
    rejections = [
        (item.location, item.reason[:12]) for item, _ in seen if isinstance(item, Rejection)
    ]
    assert rejections == [
        (f"{path}:8", "invalid JSON"),
        (f"{path}:21 (id 0704.0098)", "title is emp"),
        (f"{path}:42", "line longer "),
    ]
    assert len(records([item for item, _ in seen])) == 60 - 4
    # Every checkpoint is the line just yielded and the offset after it, so a run stopped
    # after any item resumes at the next one.
    ends = list(itertools.accumulate(len(line) + 1 for line in lines))
    ends[-1] -= 1
    numbers = [n for n, line in enumerate(lines, 1) if line]
    assert [checkpoint for _, checkpoint in seen] == [
        {"line": n, "offset": ends[n - 1]} for n in numbers
    ]
    everything = [item for item, _ in seen]
    for index in (0, 7, 33, 40, 41, 58):
        rest = list(SnapshotSource(path, resume_from=seen[index][1], workers=workers).items())
        assert rest == everything[index + 1 :]


def test_typed_decoding_gives_what_the_general_path_gives(fixtures: Path) -> None:
    base = orjson.loads((fixtures / SNAPSHOT).read_bytes().splitlines()[0])
    variants: list[dict[str, object]] = [
        {},
        {"authors_parsed": []},
        {"authors_parsed": "C. Balázs"},
        {"authors_parsed": [["Balázs", "C."], ["Yuan", 3]]},
        {"versions": [{"version": "v1"}]},
        {"versions": [{"created": "yesterday"}]},
        {"versions": "v1"},
        {"title": 7},
        {"id": 704.0001},
        {"id": ""},
        {"submitter": " " * 3, "report-no": "x" * 501},
        {"comments": "code: https://github.com/o/r\u202e", "abstract": None},
    ]
    for changes in variants:
        raw = orjson.dumps(base | changes)
        general = parse_json_line(raw, "in.jsonl:1", parse_object)
        assert snapshot.parse_line(raw, "in.jsonl:1") == general, changes
