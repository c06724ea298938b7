"""The `paperwire` app itself: the installed entry point, and the global options that
every command reads (--db, --data-dir)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from paperwire.cli import app
from tests.cli.kit import invoke


def test_the_console_script_is_the_app(tmp_path: Path) -> None:
    (script,) = entry_points(group="console_scripts", name="paperwire")
    assert script.value == "paperwire.cli:app" and script.load() is app
    data = tmp_path / "data"
    done = subprocess.run(
        [Path(sys.executable).parent / "paperwire", "--data-dir", str(data), "stats", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["papers"] == 0
    assert (data / "catalog.db").is_file()  # the catalog lives in the data directory


def test_db_overrides_the_data_directory(tmp_path: Path, fixtures: Path) -> None:
    data, elsewhere = tmp_path / "data", tmp_path / "elsewhere.db"
    base = ["--data-dir", str(data), "--db", f"sqlite:///{elsewhere}"]
    snapshot = str(fixtures / "arxiv-metadata-snapshot-sample.jsonl")
    assert invoke([*base, "ingest", snapshot])[0] == 0
    assert elsewhere.is_file() and not (data / "catalog.db").exists()
    assert (data / "index" / "keyword").is_dir()  # indexes stay in the data directory
    code, stdout, _ = invoke(["--data-dir", str(data), "stats", "--json"])
    assert code == 0 and json.loads(stdout)["papers"] == 0


def test_no_arguments_shows_the_commands() -> None:
    code, stdout, _ = invoke([])
    assert code == 2  # click's "usage" exit: no command given
    for name in ("ingest", "harvest", "papers", "search", "users", "digest", "worker"):
        assert name in stdout
