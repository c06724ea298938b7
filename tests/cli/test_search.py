"""`paperwire embed | index | search | similar` end to end on a real data directory."""

from __future__ import annotations

import json
from pathlib import Path

import onnxruntime
import pytest

from tests.cli.kit import invoke
from tests.search.test_keyword import MEDICAL_SEGMENTATION


def test_search_flow(tmp_path: Path, fixtures: Path) -> None:
    base = ["--data-dir", str(tmp_path)]
    code, _, stderr = invoke([*base, "search", "segmentation"])
    assert code == 1 and "paperwire index rebuild" in stderr  # nothing indexed yet
    listing = str(fixtures / "hf-papers-listing-encoder.txt")
    assert invoke([*base, "ingest", listing, "--date", "2024-03-14"])[0] == 0

    # The keyword index follows every ingest; hybrid falls back to words before `embed`.
    code, stdout, _ = invoke([*base, "search", "medical image segmentation", "--json"])
    assert code == 0
    found = json.loads(stdout)
    assert {hit["id"] for hit in found[:5]} == MEDICAL_SEGMENTATION
    assert {"id", "title", "score", "highlights"} <= set(found[0])
    assert invoke([*base, "similar", sorted(MEDICAL_SEGMENTATION)[0]])[0] == 1

    code, stdout, _ = invoke([*base, "embed", "--json"])
    assert code == 0 and json.loads(stdout)["embedded"] == 67
    code, stdout, _ = invoke([*base, "embed", "--json"])
    assert json.loads(stdout)["embedded"] == 0  # stored vectors are never recomputed

    code, stdout, _ = invoke(
        [*base, "search", "delineating organs in CT scans", "--mode", "semantic", "--json"]
    )
    assert code == 0 and {hit["id"] for hit in json.loads(stdout)[:5]} & MEDICAL_SEGMENTATION
    code, stdout, _ = invoke([*base, "similar", sorted(MEDICAL_SEGMENTATION)[0], "--json"])
    assert code == 0 and len(json.loads(stdout)) == 10

    code, stdout, _ = invoke([*base, "index", "rebuild"])
    assert code == 0 and "keyword index: 67 papers; vector index: 67" in stdout
    code, _, stderr = invoke([*base, "search", "x", "--submitted", "2024-13"])
    assert code == 2 and "submitted" in stderr
    code, _, stderr = invoke([*base, "search", "x", "--mode", "fuzzy"])
    assert code == 2 and "mode" in stderr


def test_an_index_built_from_another_catalog_is_rebuilt(tmp_path: Path, fixtures: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    snapshot = str(fixtures / "arxiv-metadata-snapshot-sample.jsonl")
    listing = str(fixtures / "hf-papers-listing-encoder.txt")
    first = [*data, "--db", f"sqlite:///{tmp_path / 'first.db'}"]
    second = [*data, "--db", f"sqlite:///{tmp_path / 'second.db'}"]
    assert invoke([*first, "ingest", snapshot, listing])[0] == 0
    assert invoke([*second, "ingest", listing])[0] == 0  # same index dir, other catalog
    code, stdout, _ = invoke([*second, "search", "quantum chromodynamics", "--json"])
    assert code == 0 and json.loads(stdout) == []  # nothing from the first catalog
    code, stdout, _ = invoke([*second, "search", "medical image segmentation", "--json"])
    assert {hit["id"] for hit in json.loads(stdout)[:5]} == MEDICAL_SEGMENTATION


def test_search_table_never_cuts_ids_and_says_when_nothing_matches(
    tmp_path: Path, fixtures: Path
) -> None:
    base = ["--data-dir", str(tmp_path)]
    listing = str(fixtures / "hf-papers-listing-encoder.txt")
    assert invoke([*base, "ingest", listing, "--date", "2024-03-14"])[0] == 0
    query = ["search", "medical image segmentation", "--mode", "keyword"]
    code, stdout, _ = invoke([*base, *query, "--json"])
    ids = [hit["id"] for hit in json.loads(stdout)]
    assert max(len(found) for found in ids) > 40  # slugs from titles: long ones
    code, table, _ = invoke([*base, *query])
    assert code == 0
    for found in ids:
        assert found in table, found  # whole, on one line: not "unixcoder-unified-…"
    code, stdout, _ = invoke([*base, "search", "zzyzxqv", "--mode", "keyword"])
    assert code == 0 and stdout.strip() == "no papers match"


def test_embed_says_where_it_runs_and_refuses_cuda_without_a_gpu(
    tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ["--data-dir", str(tmp_path)]
    listing = str(fixtures / "hf-papers-listing-encoder.txt")
    assert invoke([*base, "ingest", listing, "--date", "2024-03-14"])[0] == 0
    code, stdout, _ = invoke([*base, "embed", "--limit", "5", "--batch-size", "2", "--json"])
    report = json.loads(stdout)
    assert code == 0 and (report["embedded"], report["batches"]) == (5, 3)
    offered = onnxruntime.get_available_providers()
    expected = (
        "CUDAExecutionProvider" if "CUDAExecutionProvider" in offered else "CPUExecutionProvider"
    )
    assert report["provider"] == expected  # PAPERWIRE_EMBED_PROVIDER=auto
    if "CUDAExecutionProvider" not in offered:
        monkeypatch.setenv("PAPERWIRE_EMBED_PROVIDER", "cuda")
        code, _, stderr = invoke([*base, "embed", "--no-wait"])
        assert code == 1 and "install onnxruntime-gpu" in stderr
