"""Scheduled jobs: one run per slot whatever fires, missed slots folded, dead workers and
failures taken over: on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.process_identity import worker_id
from paperwire.worker.jobs import LEASE, MAX_ATTEMPTS, RETRY_AFTER, Job, JobTable, run_due

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def counting(name: str, **when: int) -> tuple[Job, list[dt.datetime]]:
    calls: list[dt.datetime] = []

    def run(due: dt.datetime) -> dict[str, object]:
        calls.append(due)
        return {"n": len(calls)}

    return Job(name, run, **when), calls  # type: ignore[arg-type]


def test_slots() -> None:
    daily = Job("d", lambda due: {}, daily_at=2)
    assert daily.slot(at("2026-03-16T01:59")) == ("2026-03-15", at("2026-03-15T02:00"))
    assert daily.slot(at("2026-03-16T02:00")) == ("2026-03-16", at("2026-03-16T02:00"))
    often = Job("o", lambda due: {}, every_minutes=5)
    assert often.slot(at("2026-03-16T08:07:30")) == ("2026-03-16T08:05", at("2026-03-16T08:05"))


def test_a_job_runs_once_per_slot_however_often_it_fires(
    catalog: Catalog, clock: FakeClock
) -> None:
    job, calls = counting("harvest", daily_at=2)
    first, second = JobTable(catalog.engine, "w1"), JobTable(catalog.engine, "w2")
    runs = run_due(first, [job], clock)
    assert [(run.name, run.state) for run in runs] == [("harvest", "done")]
    assert run_due(first, [job], clock) == [] and run_due(second, [job], clock) == []
    assert len(calls) == 1
    history = first.history("harvest")
    assert [(row["slot"], row["state"], row["result"]) for row in history] == [
        ("2026-03-16", "done", {"n": 1})
    ]


def test_two_workers_at_the_same_instant_run_it_once(catalog: Catalog, clock: FakeClock) -> None:
    job, calls = counting("compose", every_minutes=1)
    barrier = threading.Barrier(4)

    def fire(name: str) -> None:
        table = JobTable(catalog.engine, name)
        barrier.wait()
        run_due(table, [job], clock)

    threads = [threading.Thread(target=fire, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1


def test_after_downtime_the_latest_missed_slot_runs_once(
    catalog: Catalog, clock: FakeClock
) -> None:
    job, calls = counting("harvest", daily_at=2)
    table = JobTable(catalog.engine, "w1")
    clock.advance((at("2026-03-16T03:00") - clock.now()).total_seconds())
    run_due(table, [job], clock)
    clock.advance(3 * 86400 + 2 * 3600)  # down until Thursday 05:00
    run_due(table, [job], clock)
    clock.advance(3600)
    run_due(table, [job], clock)
    assert calls == [at("2026-03-16T02:00"), at("2026-03-19T02:00")]


def test_failures_are_retried_within_the_slot_a_few_times(
    catalog: Catalog, clock: FakeClock
) -> None:
    attempts: list[dt.datetime] = []

    def flaky(due: dt.datetime) -> dict[str, object]:
        attempts.append(clock.now())
        raise RuntimeError("arXiv is down")

    job = Job("harvest", flaky, daily_at=2)
    table = JobTable(catalog.engine, "w1")
    [run] = run_due(table, [job], clock)
    assert run.state == "failed" and "arXiv is down" in str(run.result["error"])
    assert run_due(table, [job], clock) == []  # not before RETRY_AFTER
    for _ in range(MAX_ATTEMPTS + 2):
        clock.advance(RETRY_AFTER.total_seconds())
        run_due(table, [job], clock)
    assert len(attempts) == MAX_ATTEMPTS
    assert table.history()[0]["error"].startswith("RuntimeError: arXiv is down")


def test_a_dead_workers_job_is_taken_over_when_its_lease_lapses(
    catalog: Catalog, clock: FakeClock
) -> None:
    job, calls = counting("embed", daily_at=2)
    slot, _ = job.slot(clock.now())
    assert JobTable(catalog.engine, "dead").claim("embed", slot, clock.now())  # then it died
    survivor = JobTable(catalog.engine, "alive")
    assert run_due(survivor, [job], clock) == []
    clock.advance(LEASE.total_seconds())
    assert [run.state for run in run_due(survivor, [job], clock)] == ["done"]
    assert len(calls) == 1


def test_a_job_of_a_worker_gone_from_this_machine_is_taken_over_at_once(
    catalog: Catalog, clock: FakeClock
) -> None:
    """A restart after a SIGKILL finishes the slot now, not after the hours-long lease."""
    job, calls = counting("embed", every_minutes=60)
    slot, _ = job.slot(clock.now())
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid is free: that worker certainly runs no more
    assert JobTable(catalog.engine, worker_id(gone.pid)).claim("embed", slot, clock.now())
    alive = JobTable(catalog.engine, worker_id())  # this process: alive
    assert alive.claim("other", slot, clock.now())
    survivor = JobTable(catalog.engine, "survivor")
    assert run_due(survivor, [counting("other", every_minutes=60)[0]], clock) == []
    assert [run.state for run in run_due(survivor, [job], clock)] == ["done"]
    assert len(calls) == 1
    [row] = survivor.history("embed")
    assert (row["state"], row["attempts"], row["claimed_by"]) == ("done", 2, "survivor")
    assert run_due(JobTable(catalog.engine, "third"), [job], clock) == []  # done is done
