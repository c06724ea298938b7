"""`paperwire papers list | show`, `stats` and `export` on a real SQLite catalog."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.kit import invoke


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
