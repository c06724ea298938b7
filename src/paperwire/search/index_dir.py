"""An index directory with one writer and atomically swapped generations.

Layout (`root/`):
    writer.lock      flock'ed by the one process allowed to write (worker or CLI command)
    CURRENT          the name of the live generation, replaced atomically with os.replace
    gen-000001/      one complete index plus paperwire.json ({"schema_version", "applied_seq"})

A rebuild fills a new generation and then swaps CURRENT, so readers never open a half-built
index; they notice the new name on their next reload.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import IO

_META = "paperwire.json"


class IndexLockedError(RuntimeError):
    """Another process holds the writer lock: only one writer per index directory."""


class IndexDirectory:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock: IO[str] | None = None

    def lock(self) -> None:
        """Take the writer lock without waiting; IndexLockedError names the holder's pid."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / "writer.lock", "a+")  # noqa: SIM115 - held until unlock()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise IndexLockedError(
                f"index {self.root} is being written by another process (pid {holder}); "
                "only one writer may run: stop it, or open the index read-only"
            ) from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock = handle

    def unlock(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def current(self) -> str | None:
        try:
            return (self.root / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def path(self, generation: str) -> Path:
        return self.root / generation

    def new_generation(self) -> str:
        """Create the next empty generation folder (not live until `swap_to`)."""
        numbers = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
        name = f"gen-{max(numbers, default=0) + 1:06d}"
        self.path(name).mkdir()
        return name

    def swap_to(self, generation: str) -> None:
        temporary = self.root / "CURRENT.tmp"
        temporary.write_text(generation)
        os.replace(temporary, self.root / "CURRENT")  # atomic on POSIX

    def remove_generations(self, keep: set[str]) -> None:
        for path in self.root.glob("gen-*"):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def read_meta(self, generation: str) -> tuple[int, int]:
        """(schema_version, applied_seq) of a generation; (0, 0) when missing or unreadable."""
        try:
            meta = json.loads((self.path(generation) / _META).read_text())
            return int(meta["schema_version"]), int(meta["applied_seq"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0, 0

    def write_meta(self, generation: str, schema_version: int, applied_seq: int) -> None:
        temporary = self.path(generation) / (_META + ".tmp")
        meta = {"schema_version": schema_version, "applied_seq": applied_seq}
        temporary.write_text(json.dumps(meta))
        os.replace(temporary, self.path(generation) / _META)
