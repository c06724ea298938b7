"""The CLI end to end through Typer's runner, on a real SQLite catalog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperwire.cli import app
from tests.support.replay import Reply, replay_server

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    return ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]


def invoke(args: list[str]) -> tuple[int, str, str]:
    result = runner.invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


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


def test_listing_with_date_and_papers_list(db: list[str], fixtures: Path) -> None:
    listing = str(fixtures / "hf-papers-listing-encoder.txt")
    code, stdout, _ = invoke([*db, "ingest", listing, "--date", "2024-03-14"])
    assert code == 0
    assert "67 added" in stdout
    code, stdout, _ = invoke(
        [*db, "papers", "list", "--date", "2024-03-14", "--json", "--limit", "100"]
    )
    listed = json.loads(stdout)
    assert len(listed) == 67
    assert any(p["title"].startswith("UniXcoder") for p in listed)


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


def test_bad_format_and_date_are_clear_errors(db: list[str], fixtures: Path) -> None:
    listing = str(fixtures / "hf-papers-listing-encoder.txt")
    code, _, stderr = invoke([*db, "ingest", listing, "--format", "pdf"])
    assert code == 2 and "hf-listing" in stderr
    code, _, stderr = invoke([*db, "ingest", listing, "--date", "14 March"])
    assert code == 2 and "YYYY-MM-DD" in stderr


def test_show_accepts_urls_and_versions(db: list[str], fixtures: Path) -> None:
    invoke([*db, "ingest", str(fixtures / "arxiv-metadata-snapshot-sample.jsonl")])
    code, stdout, _ = invoke([*db, "papers", "show", "https://arxiv.org/abs/0704.0001v2"])
    assert code == 0
    assert "Calculation of prompt diphoton production" in stdout
    assert "10.1103/PhysRevD.76.013009" in stdout
    code, _, stderr = invoke([*db, "papers", "show", "9999.99999"])
    assert code == 1 and "no paper" in stderr


def test_export_then_ingest_into_empty_store_reproduces_it(
    db: list[str], fixtures: Path, tmp_path: Path
) -> None:
    invoke(
        [
            *db,
            "ingest",
            str(fixtures / "arxiv-metadata-snapshot-sample.jsonl"),
            str(fixtures / "hf-daily-papers-sample.json"),
        ]
    )
    first = tmp_path / "first.jsonl"
    code, stdout, _ = invoke([*db, "export", "--out", str(first)])
    assert code == 0 and "201 papers" in stdout
    other = ["--db", f"sqlite:///{tmp_path / 'other.db'}"]
    code, _, _ = invoke([*other, "ingest", str(first)])
    assert code == 0
    second = tmp_path / "second.jsonl"
    invoke([*other, "export", "--out", str(second)])
    assert first.read_bytes() == second.read_bytes()


def test_demo_is_idempotent(db: list[str]) -> None:
    code, stdout, _ = invoke([*db, "demo"])
    assert code == 0 and "268 added" in stdout
    code, stdout, _ = invoke([*db, "demo"])
    assert code == 0 and "0 added, 0 updated" in stdout
    code, stdout, _ = invoke([*db, "stats", "--json"])
    figures = json.loads(stdout)
    assert figures["papers"] == 268
    assert figures["last_listed_on"] == "2026-03-14"


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


def test_harvest_commands_against_recorded_responses(
    db: list[str], fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paging = fixtures / "arxiv-oai" / "paging"
    with replay_server() as server:
        server.add(
            "/oai2",
            {"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2017-12-14"},
            Reply(body=(paging / "listrecords-page-1.xml").read_bytes()),
        )
        for token, page in (("2148711|4", 2), ("2148711|7", 3)):
            server.add(
                "/oai2",
                {"verb": "ListRecords", "resumptionToken": token},
                Reply(body=(paging / f"listrecords-page-{page}.xml").read_bytes()),
            )
        server.add(
            "/api/daily_papers",
            {"date": "2026-03-06", "p": "0", "limit": "100"},
            Reply(
                body=(fixtures / "hf-daily-papers-sample.json").read_bytes(),
                content_type="application/json",
            ),
        )
        monkeypatch.setenv("PAPERWIRE_ARXIV_OAI_URL", f"{server.base_url}/oai2")
        monkeypatch.setenv("PAPERWIRE_HF_API_URL", f"{server.base_url}/api")
        monkeypatch.setenv("PAPERWIRE_HARVEST_DELAY_SECONDS", "0")
        code, stdout, _ = invoke([*db, "harvest", "arxiv", "--from", "2017-12-14", "--json"])
        assert code == 0 and json.loads(stdout)["added"] == 7
        code, stdout, _ = invoke([*db, "harvest", "hf-daily", "--date", "2026-03-06"])
        assert code == 0 and "1 added" in stdout
        code, _, stderr = invoke([*db, "harvest", "hf-daily", "--date", "2026-03-07"])
        assert code == 1 and "HTTP 404" in stderr
    code, stdout, _ = invoke([*db, "stats", "--json"])
    assert json.loads(stdout)["by_source"] == {"arxiv-oai": 7, "hf-daily": 1}
