"""Embed claims on SQLite and PostgreSQL: batches never shared, lapsed ones taken over, and
real `embed` processes splitting a corpus (one of them SIGKILLed mid-batch)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

import paperwire
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.ingest.files import ingest_paths
from paperwire.search.claims import START, ClaimTable, embed_claims
from paperwire.search.embed_job import claim_table, count_pending, embed_pending
from paperwire.search.embedder import MiniLmEmbedder
from paperwire.search.vector_store import Vectors, load_vectors

MODEL = MiniLmEmbedder.model_id
LEASE = dt.timedelta(minutes=5)
LISTING_PAPERS = 67


@pytest.fixture
def corpus(catalog: Catalog, fixtures: Path) -> Catalog:
    """67 real papers (a captured Hugging Face listing)."""
    ingest_paths(catalog, [fixtures / "hf-papers-listing-encoder.txt"])
    assert count_pending(catalog) == LISTING_PAPERS
    return catalog


def _held(catalog: Catalog) -> dict[str, str]:
    with catalog.engine.connect() as connection:
        rows = connection.execute(sa.select(embed_claims.c.paper_id, embed_claims.c.worker))
        return {str(row.paper_id): str(row.worker) for row in rows}


def test_two_claimers_get_disjoint_batches_and_a_lapsed_claim_changes_hands(
    corpus: Catalog, clock: FakeClock
) -> None:
    first = ClaimTable(corpus.engine, "first", LEASE)
    second = ClaimTable(corpus.engine, "second", LEASE)
    a = first.claim(MODEL, START, 10, clock.now())
    b = second.claim(MODEL, START, 10, clock.now())  # from the start too: skips a's papers
    assert len(a.ids) == len(b.ids) == 10 and not set(a.ids) & set(b.ids)
    assert second.held_by_others()[0] == 10
    again = first.claim(MODEL, START, 10, clock.now()).ids  # live claims are skipped
    assert len(again) == 10 and not set(again) & (set(a.ids) | set(b.ids))
    clock.advance(LEASE.total_seconds() + 1)  # first's worker died: its leases lapse
    third = ClaimTable(corpus.engine, "third", LEASE)
    assert third.held_by_others()[0] == 30  # lapsed claims still count until dropped
    assert third.drop_lapsed(clock.now()) == 30 and _held(corpus) == {}
    taken = third.claim(MODEL, START, 50, clock.now())
    assert set(a.ids) | set(b.ids) | set(again) <= set(taken.ids)
    with corpus.engine.begin() as connection:
        first.release(connection, a.ids)  # too late: no longer first's, nothing changes
    held = _held(corpus)
    assert len(held) == 50 and set(held.values()) == {"third"}
    with corpus.engine.begin() as connection:
        third.release(connection, taken.ids[:20])
    assert len(_held(corpus)) == 30


def test_a_run_waits_for_a_dead_runs_claims_and_takes_them_over(
    corpus: Catalog, clock: FakeClock
) -> None:
    dead = ClaimTable(corpus.engine, "dead", LEASE)
    orphaned = dead.claim(MODEL, START, 8, clock.now()).ids  # claimed, never finished
    model = MiniLmEmbedder(max_tokens=32, threads=1)
    without_wait = embed_pending(corpus, model, claims=claim_table(corpus, LEASE))
    assert without_wait.embedded == LISTING_PAPERS - 8 and without_wait.taken_over == 0
    assert set(_held(corpus)) == set(orphaned)

    slept: list[float] = []

    def sleep(seconds: float) -> None:  # the fake clock moves as the run waits
        slept.append(seconds)
        clock.advance(seconds)

    claims = claim_table(corpus, LEASE)
    report = embed_pending(corpus, model, claims=claims, wait_for_others=True, sleep=sleep)
    assert (report.embedded, report.taken_over) == (8, 8)
    assert sum(slept) >= LEASE.total_seconds() - 1 and _held(corpus) == {}
    assert count_pending(corpus, model.model_id) == 0


def test_an_interrupted_run_hands_its_batch_back(corpus: Catalog) -> None:
    class Interrupted(MiniLmEmbedder):
        def embed(self, texts: Sequence[str]) -> Vectors:
            raise KeyboardInterrupt  # Ctrl-C while the batch is being embedded

    claims = claim_table(corpus, LEASE)
    with pytest.raises(KeyboardInterrupt):
        embed_pending(corpus, Interrupted(max_tokens=32, threads=1), claims=claims)
    assert _held(corpus) == {}


# -- real processes -----------------------------------------------------------------

CHILD = """
import json, sys, time, datetime as dt
from pathlib import Path
from paperwire.catalog.store import Catalog
from paperwire.search.embed_job import claim_table, embed_pending
from paperwire.search.embedder import MiniLmEmbedder

url, name, go, log, lease = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4], sys.argv[5]
catalog = Catalog.open(url)
embedder = MiniLmEmbedder(threads=1, max_tokens=64)
embedder.embed(["warm up"])
Path(go.parent / (name + ".ready")).touch()
while not go.exists():
    time.sleep(0.01)
claims = claim_table(catalog, dt.timedelta(seconds=float(lease)))
with open(log, "a") as handle:
    def committed(n):
        handle.write(f"{n}\\n")
        handle.flush()
    report = embed_pending(
        catalog, embedder, batch_size=4, claims=claims, wait_for_others=True,
        on_progress=committed,
    )
print(json.dumps(report.as_dict()))
"""


def _start(url: str, name: str, folder: Path, lease: float) -> subprocess.Popen[str]:
    env = dict(os.environ)
    # The children import this checkout's paperwire, however it is installed.
    source = str(Path(paperwire.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    arguments = [url, name, str(folder / "go"), str(folder / f"{name}.log"), str(lease)]
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, *arguments], stdout=subprocess.PIPE, text=True, env=env
    )


def _go(folder: Path, names: list[str], children: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + 120
    while not all((folder / f"{name}.ready").exists() for name in names):
        assert all(child.poll() is None for child in children), "a child failed to start"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    (folder / "go").touch()


def _committed(folder: Path, name: str) -> int:
    log = folder / f"{name}.log"
    return sum(int(line) for line in log.read_text().split()) if log.exists() else 0


def _finish(child: subprocess.Popen[str]) -> dict[str, int]:
    stdout, _ = child.communicate(timeout=300)
    assert child.returncode == 0
    report: dict[str, int] = json.loads(stdout.strip().splitlines()[-1])
    return report


def test_two_processes_share_the_corpus_without_overlap(
    corpus: Catalog, database_url: str, tmp_path: Path
) -> None:
    children = [_start(database_url, name, tmp_path, 600) for name in ("a", "b")]
    _go(tmp_path, ["a", "b"], children)
    a, b = (_finish(child) for child in children)
    # Each paper embedded by exactly one of them: the counts add up to the corpus, and
    # every paper has its vector.
    assert a["embedded"] > 0 and b["embedded"] > 0
    assert a["embedded"] + b["embedded"] == LISTING_PAPERS
    assert a["taken_over"] == b["taken_over"] == 0
    ids, _ = load_vectors(corpus.engine)
    assert len(ids) == LISTING_PAPERS and _held(corpus) == {}
    assert count_pending(corpus, MiniLmEmbedder(max_tokens=64).model_id) == 0


def test_a_process_killed_mid_batch_leaves_its_batch_to_the_other(
    corpus: Catalog, database_url: str, tmp_path: Path
) -> None:
    # Far longer than the test may take: the survivor must see at once that the victim, a
    # process on this machine, is gone (process_identity.is_dead), not wait for the lease.
    lease = 3600.0
    victim, survivor = (_start(database_url, name, tmp_path, lease) for name in ("a", "b"))
    _go(tmp_path, ["a", "b"], [victim, survivor])
    deadline = time.monotonic() + 120
    # Kill the victim while it holds a claim, after it committed something.
    while not (_committed(tmp_path, "a") and _held_by(corpus, victim.pid)):
        assert victim.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    report = _finish(survivor)
    # The victim died holding claims (the survivor took them over), so its batch in flight
    # never committed: a commit releases its claims in the same transaction, and the
    # victim logs each commit before it claims again. The counts then add up exactly.
    assert report["taken_over"] >= 1
    assert _committed(tmp_path, "a") + report["embedded"] == LISTING_PAPERS
    ids, _ = load_vectors(corpus.engine)
    assert len(ids) == LISTING_PAPERS and _held(corpus) == {}


def _held_by(catalog: Catalog, pid: int) -> bool:
    return any(f":{pid}:" in worker for worker in _held(catalog).values())
