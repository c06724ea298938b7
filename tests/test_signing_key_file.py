"""The signing key: the setting, else one random key kept in the data directory."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

from paperwire.config import Settings
from paperwire.signing import KEY_FILE, secret_key


def test_the_setting_wins(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="s" * 40)
    assert secret_key(settings) == b"s" * 40
    assert not (tmp_path / KEY_FILE).exists()


def test_a_key_file_is_made_once_private_and_kept(tmp_path: Path) -> None:
    key = secret_key(Settings(data_dir=tmp_path / "a"))
    path = tmp_path / "a" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert path.read_text().strip().encode() == key
    assert secret_key(Settings(data_dir=tmp_path / "b")) != key  # another instance


def _key_of(data_dir: str, queue: multiprocessing.Queue[bytes]) -> None:
    queue.put(secret_key(Settings(data_dir=Path(data_dir))))


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[bytes] = context.Queue()
    processes = [context.Process(target=_key_of, args=(str(tmp_path), queue)) for _ in range(4)]
    for process in processes:
        process.start()
    keys = {queue.get(timeout=30) for _ in processes}
    for process in processes:
        process.join()
    assert len(keys) == 1
