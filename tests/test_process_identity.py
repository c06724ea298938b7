"""Sender identities: a sender on this machine is seen to be gone at once."""

from __future__ import annotations

import subprocess
import sys
import time

from paperwire.process_identity import is_dead, worker_id


def test_a_live_process_is_alive_and_a_finished_one_dead() -> None:
    assert not is_dead(worker_id())
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    identity = worker_id(child.pid)
    assert not is_dead(identity)
    child.kill()
    deadline = time.monotonic() + 5
    while not is_dead(identity) and time.monotonic() < deadline:
        time.sleep(0.01)  # the signal lands asynchronously
    assert is_dead(identity)  # killed but not reaped yet: a zombie counts as gone
    child.wait()
    assert is_dead(identity)


def test_a_reused_pid_or_another_machine_is_not_taken_for_the_sender() -> None:
    host, boot, pid, ticks = worker_id().split(":")
    assert is_dead(f"{host}:{boot}:{pid}:{int(ticks) + 1}")  # same pid, a later process
    assert not is_dead(f"elsewhere:{boot}:{pid}:{ticks}")  # unknown: judged by claim age
    assert not is_dead(f"{host}:otherboot:999999999:1")
    assert not is_dead("garbage")
