"""`paperwire vectors import` end to end: vectors in, the index updated, errors that say why."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from paperwire.search.embedder import MiniLmEmbedder
from tests.cli.kit import invoke
from tests.search.test_vectors_import import arxiv_ids, save_npz, unit_vectors


def test_import_updates_the_index_and_reports_unknown_ids(tmp_path: Path, fixtures: Path) -> None:
    base = ["--data-dir", str(tmp_path)]
    snapshot = str(fixtures / "arxiv-metadata-snapshot-sample.jsonl")
    assert invoke([*base, "ingest", snapshot])[0] == 0
    ids = [*arxiv_ids(40), "2501.00001"]
    path = save_npz(tmp_path / "vectors.npz", ids, unit_vectors(len(ids)))

    code, stdout, stderr = invoke([*base, "vectors", "import", str(path), "--json"])
    assert code == 0, stderr
    report = json.loads(stdout)
    assert (report["imported"], report["unknown"], report["unknown_ids"]) == (40, 1, ["2501.00001"])
    assert report["index"]["vector_papers"] == 40
    assert "1 ids not in the catalog" in stderr and "2501.00001" in stderr
    code, stdout, _ = invoke([*base, "similar", "0704.0001", "--json"])
    assert code == 0 and len(json.loads(stdout)) == 10  # the index serves imported vectors

    code, stdout, _ = invoke([*base, "vectors", "import", str(path)])
    assert code == 0 and stdout.startswith("0 imported, 40 unchanged, 1 unknown ids")


def test_a_mismatched_file_is_refused_with_the_reason(tmp_path: Path, fixtures: Path) -> None:
    base = ["--data-dir", str(tmp_path)]
    assert invoke([*base, "ingest", str(fixtures / "arxiv-metadata-snapshot-sample.jsonl")])[0] == 0
    wrong = save_npz(tmp_path / "e5.npz", arxiv_ids(5), unit_vectors(5), "intfloat/e5-small-v2")
    code, stdout, stderr = invoke([*base, "vectors", "import", str(wrong)])
    assert code == 1 and stdout == ""
    assert "not imported" in stderr and MiniLmEmbedder.model_id in stderr
    npy = tmp_path / "plain.npy"
    np.save(npy, unit_vectors(5, 512))
    (tmp_path / "plain.ids.txt").write_text("\n".join(arxiv_ids(5)))
    code, _, stderr = invoke([*base, "vectors", "import", str(npy), "--model", "all-MiniLM-L6-v2"])
    assert code == 1 and "512 dimensions" in stderr
