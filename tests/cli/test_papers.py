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


def test_export_into_a_missing_folder_names_the_path_without_a_traceback(
    db: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "missing" / "x.jsonl"
    code, _, stderr = invoke([*db, "export", "--out", str(out)])
    assert code == 1
    assert f"cannot write {out}" in stderr
    assert "Traceback" not in stderr and ".tmp" not in stderr


def test_show_says_version_unknown_and_the_upvotes_and_stars(db: list[str], fixtures: Path) -> None:
    invoke([*db, "ingest", str(fixtures / "hf-daily-papers-sample.json")])
    code, stdout, _ = invoke([*db, "papers", "show", "2602.23229"])
    assert code == 0
    assert "10 upvotes" in stdout
    shown = json.loads(invoke([*db, "papers", "show", "2602.23229", "--json"])[1])
    stars = shown["extras"].get("githubStars")
    if stars is not None:
        assert f"{stars} GitHub stars" in stdout
    listing = str(fixtures / "hf-papers-listing-encoder.txt")
    invoke([*db, "ingest", listing, "--date", "2024-03-14"])
    slug = json.loads(
        invoke([*db, "papers", "list", "--date", "2024-03-14", "--json", "--limit", "1"])[1]
    )[0]["id"]
    code, stdout, _ = invoke([*db, "papers", "show", slug])
    assert code == 0 and "version unknown" in stdout and "v?" not in stdout
    assert "0 upvotes, 0 comments" in stdout
