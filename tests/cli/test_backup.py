"""`paperwire backup` and `paperwire restore` on SQLite files, as a self-hoster runs them."""

from __future__ import annotations

from pathlib import Path

from paperwire.catalog.store import Catalog
from paperwire.search.index_dir import IndexDirectory
from tests.cli.kit import invoke
from tests.support.factories import make_record


def _site(data_dir: Path) -> None:
    catalog = Catalog.open(f"sqlite:///{data_dir / 'catalog.db'}")
    catalog.upsert([make_record(raw_id=f"2403.0000{i}", title=f"Paper {i}") for i in range(3)])
    catalog.close()


def test_backup_then_restore_into_a_new_data_dir_rebuilds_the_index(tmp_path: Path) -> None:
    _site(tmp_path / "old")
    dest = tmp_path / "paperwire.backup"
    code, stdout, stderr = invoke(["--data-dir", str(tmp_path / "old"), "backup", str(dest)])
    assert code == 0, stderr
    assert "backed up the sqlite database" in stdout and dest.is_file()

    code, stdout, stderr = invoke(["--data-dir", str(tmp_path / "new"), "restore", str(dest)])
    assert code == 0, stderr
    assert "search indexes rebuilt: 3 papers by keyword" in stdout
    assert IndexDirectory(tmp_path / "new" / "index" / "keyword").current() is not None
    restored = Catalog.open(f"sqlite:///{tmp_path / 'new' / 'catalog.db'}")
    try:
        assert restored.count() == 3
    finally:
        restored.close()


def test_restore_refuses_a_non_empty_target_without_force(tmp_path: Path) -> None:
    _site(tmp_path / "old")
    dest = tmp_path / "b"
    assert invoke(["--data-dir", str(tmp_path / "old"), "backup", str(dest)])[0] == 0
    code, _, stderr = invoke(["--data-dir", str(tmp_path / "old"), "restore", str(dest)])
    assert code == 1
    assert "not empty" in stderr and "--force" in stderr
    code, stdout, stderr = invoke(
        ["--data-dir", str(tmp_path / "old"), "restore", "--force", "--no-reindex", str(dest)]
    )
    assert code == 0, stderr
    assert "paperwire index rebuild" in stdout


def test_backup_refuses_to_overwrite_and_says_so(tmp_path: Path) -> None:
    _site(tmp_path / "old")
    dest = tmp_path / "exists"
    dest.write_text("keep me")
    code, _, stderr = invoke(["--data-dir", str(tmp_path / "old"), "backup", str(dest)])
    assert code == 1 and "exists already" in stderr
    assert dest.read_text() == "keep me"


def test_backup_of_a_missing_database_fails_cleanly(tmp_path: Path) -> None:
    code, _, stderr = invoke(["--data-dir", str(tmp_path / "none"), "backup", str(tmp_path / "x")])
    assert code == 1 and "there is no database" in stderr
    assert not (tmp_path / "x").exists()
