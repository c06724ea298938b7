"""`paperwire ingest` end to end through Typer's runner, on a real SQLite catalog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.kit import invoke


def test_ingest_every_fixture_format_then_again_is_unchanged(db: list[str], fixtures: Path) -> None:
    inputs = [
        str(fixtures / "arxiv-metadata-snapshot-sample.jsonl"),
        str(fixtures / "hf-daily-papers-sample.json"),
        str(
            fixtures
            / "arxiv-oai"
            / "functional-arxiv-fixtures-http-server-records-arxiv-physics-hep-ex.xml"
        ),
    ]
    code, stdout, _ = invoke([*db, "ingest", *inputs, "--json"])
    assert code == 0
    first = json.loads(stdout)
    assert first["added"] > 200 and first["rejected"] == 0
    code, stdout, _ = invoke([*db, "ingest", *inputs, "--json"])
    again = json.loads(stdout)
    assert code == 0
    assert (again["added"], again["updated"]) == (0, 0)
    assert again["unchanged"] == first["added"] + first["updated"] + first["unchanged"]


def test_rejected_records_exit_3_and_keep_good_ones(
    db: list[str], fixtures: Path, tmp_path: Path
) -> None:
    source = (fixtures / "arxiv-metadata-snapshot-sample.jsonl").read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([source[0], "{not json", source[1], '{"id": "0704.9999"}']) + "\n")
    code, stdout, stderr = invoke([*db, "ingest", str(broken), "--format", "arxiv-snapshot"])
    assert code == 3
    assert "2 added" in stdout and "2 rejected" in stdout
    assert f"{broken}:2" in stderr and "invalid JSON" in stderr
    code, stdout, _ = invoke([*db, "papers", "show", "0704.0002", "--json"])
    assert code == 0 and json.loads(stdout)["title"] == "Sparsity-certifying Graph Decompositions"


def test_unreadable_input_exits_2_and_writes_nothing(db: list[str], tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    code, _, stderr = invoke([*db, "ingest", str(missing)])
    assert code == 2
    assert "missing.jsonl" in stderr
    binary = tmp_path / "garbage.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    code, _, _ = invoke([*db, "ingest", str(binary)])
    assert code == 2
    code, stdout, _ = invoke([*db, "stats", "--json"])
    assert json.loads(stdout)["papers"] == 0


def test_plain_text_that_is_no_listing_is_refused(db: list[str], tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello world\n")
    code, stdout, stderr = invoke([*db, "ingest", str(junk)])
    assert code == 2
    assert "notes.txt" in stderr and "not a format paperwire reads" in stderr
    assert "1 added" not in stdout
    code, stdout, _ = invoke([*db, "stats", "--json"])
    assert json.loads(stdout)["papers"] == 0


def test_bad_format_and_date_are_clear_errors(db: list[str], fixtures: Path) -> None:
    listing = str(fixtures / "hf-papers-listing-encoder.txt")
    code, _, stderr = invoke([*db, "ingest", listing, "--format", "pdf"])
    assert code == 2 and "hf-listing" in stderr
    code, _, stderr = invoke([*db, "ingest", listing, "--date", "14 March"])
    assert code == 2 and "YYYY-MM-DD" in stderr


def test_snapshot_gzip_is_read(db: list[str], fixtures: Path, tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "snapshot.jsonl.gz"
    with (
        (fixtures / "arxiv-metadata-snapshot-sample.jsonl").open("rb") as raw,
        gzip.open(packed, "wb") as out,
    ):
        shutil.copyfileobj(raw, out)
    code, stdout, _ = invoke([*db, "ingest", str(packed), "--json"])
    assert code == 0 and json.loads(stdout)["added"] == 200
