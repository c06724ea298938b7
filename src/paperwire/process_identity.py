"""Who is sending: an identity per sender process, and telling whether it is gone.

A row left in `sending` by a process that died must be resolved (docs/digests.md), and
soon: its identity names the host, the boot, the pid and the pid's start time, so a process
on the same machine can see at once that the sender is gone (or that its pid now belongs to
someone else). Senders elsewhere are judged by the age of their claim instead.
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from pathlib import Path

_HAS_PROC = Path("/proc/self/stat").exists()


@lru_cache(maxsize=1)
def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        return "noboot"


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), None if no such pid."""
    if not _HAS_PROC:
        return "?"  # not Linux: we cannot tell
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return "?"
    # The command name may hold spaces and parentheses: fields count from the last ")".
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None  # a zombie: it has exited, only its parent has not reaped it yet
    return fields[19]


def _host() -> str:
    return socket.gethostname().replace(":", "_")[:60] or "host"


def worker_id(pid: int | None = None) -> str:
    pid = pid or os.getpid()
    return f"{_host()}:{_boot_id()}:{pid}:{_start_ticks(pid) or '?'}"


def is_dead(worker: str) -> bool:
    """True only when `worker` certainly runs no more: it ran on this machine since its
    last boot, and its pid is gone or belongs to a later process. False means alive or
    unknown."""
    parts = worker.split(":")
    if len(parts) != 4 or parts[0] != _host() or parts[1] != _boot_id():
        return False
    try:
        pid = int(parts[2])
    except ValueError:
        return False
    ticks = _start_ticks(pid)
    if ticks is None:
        return True
    return ticks != "?" and parts[3] != "?" and ticks != parts[3]
