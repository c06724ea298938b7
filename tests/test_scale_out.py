"""System test of scale-out (issue 13, "Many processes, one catalog"): two machines on one
PostgreSQL catalog, modelled as two data directories, each with its own index files, one
`paperwire serve` and one `paperwire worker`. wrk loads search and paper pages on both web
processes while papers are ingested (a snapshot by the CLI, OAI-PMH by a worker's harvest)
and embedded; the worker running the embed job is SIGKILLed mid-batch and restarted.

Checked: no HTTP errors; every job run once per slot; every paper embedded once and no
claim left; each web process finds a newly ingested paper, by words within
VISIBILITY_BOUND_S and by meaning once embedded, with nobody rebuilding its indexes but its
own worker. Needs wrk (`make test` installs it: the Makefile's /usr/bin/wrk target).
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from paperwire.catalog import schema as catalog_schema
from paperwire.catalog.store import Catalog
from paperwire.search.claims import embed_claims
from paperwire.search.embed_job import count_pending
from paperwire.search.embedder import MiniLmEmbedder
from paperwire.search.indexes import index_lag, index_root
from paperwire.search.vector_store import paper_vectors
from paperwire.worker.schema import jobs as scheduled_jobs
from tests.conftest import FIXTURES
from tests.support.servers import free_port

pytestmark = pytest.mark.slow

PAPERWIRE = str(Path(sys.executable).with_name("paperwire"))
SEED = 100  # snapshot records ingested first: more than one embed batch (64), a few seconds
NEW = 5  # records ingested under load, each titled with MARKER
MARKER = "Scaleoutmarker"
OAI_FIXTURE = "functional-arxiv-fixtures-http-server-records-arxiv-physics-hep-th.xml"
OAI_IDS = {"1412.8323", "1507.07790", "1607.01710"}  # its records, harvested by a worker
# A new paper is found by words on every machine within this (measured: a few seconds,
# the worker's follow interval plus the web's reload interval, 2 s each).
VISIBILITY_BOUND_S = 30.0
WAIT_S = 90.0  # the most any one stage may take on two loaded cores
# Each wrk connection waits between requests: load that leaves the workers CPU to embed.
WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("PAPERWIRE_PATHS")) do paths[#paths + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
local pause = tonumber(os.getenv("PAPERWIRE_DELAY_MS"))
delay = function() return pause end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "socket_errors": %d, "non_2xx": %d, ' ..
    '"p50_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""
JOB_LINE = re.compile(r"job (\S+) (\S+): (done|failed) ")


@contextmanager
def feeds() -> Iterator[str]:
    """The remote sources the workers harvest, served locally: arXiv OAI-PMH answers a real
    ListRecords response, the Hugging Face daily list is empty."""
    oai = (FIXTURES / "arxiv-oai" / OAI_FIXTURE).read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind = (oai, "text/xml") if self.path.startswith("/oai2") else (b"[]", "json")
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@dataclass
class Machine:
    """One machine: a data directory, its web process and its worker."""

    name: str
    data_dir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    web: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *command: str) -> subprocess.Popen[bytes]:
        log = self.data_dir.parent / f"{self.name}-{command[0]}-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("wb") as handle:
            return subprocess.Popen(
                [PAPERWIRE, *command], env=self.env, stdout=handle, stderr=subprocess.STDOUT
            )

    def start_web(self) -> None:
        self.web = self.start("serve", "--port", str(self.port))

    def start_worker(self) -> None:
        self.worker = self.start("worker")

    def processes(self) -> list[subprocess.Popen[bytes]]:
        return [process for process in (self.web, self.worker) if process is not None]


def wait_for(what: str, check: Callable[[], bool], timeout: float = WAIT_S) -> float:
    """Poll `check` until true; the seconds it took."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        time.sleep(0.1)
    return time.monotonic() - started


def snapshot(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def found(base: str, query: str, mode: str, wanted: set[str]) -> bool:
    """Whether a search on `base` in `mode` returns every id of `wanted`."""
    try:
        answer = httpx.get(
            f"{base}/api/v1/search", params={"q": query, "mode": mode, "limit": 50}, timeout=10
        )
    except httpx.TransportError:
        return False
    if answer.status_code != 200 or answer.json()["mode"] != mode:
        return False
    return wanted <= {item["paper"]["id"] for item in answer.json()["items"]}


def ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def rss_mb(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    return int(match[1]) / 1024 if match else 0.0


def load_paths(paper_ids: list[str]) -> list[str]:
    """What wrk asks for: search pages and the search API (words the seed's titles hold),
    and the pages of these papers."""
    words = ["quantum", "graph", "neutrino", "black+holes", "lattice", "spin"]
    paths = [f"/search?q={word}" for word in words]
    paths += [f"/api/v1/search?q={word}" for word in words]
    return paths + [f"/papers/{paper_id}" for paper_id in paper_ids]


def start_wrk(
    base: str, paths: list[str], work: Path, connections: int = 2, delay_ms: int = 40
) -> subprocess.Popen[str]:
    """wrk on `base` until stop_wrk, walking `paths`, each connection pausing `delay_ms`
    between requests."""
    (work / "load.lua").write_text(WRK_SCRIPT)
    (work / "paths.txt").write_text("\n".join(paths) + "\n")
    command = ["wrk", "-t1", f"-c{connections}", "-d3600s", "--timeout", "20s"]
    return subprocess.Popen(
        [*command, "-s", str(work / "load.lua"), base],
        env={
            **os.environ,
            "PAPERWIRE_PATHS": str(work / "paths.txt"),
            "PAPERWIRE_DELAY_MS": str(delay_ms),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_wrk(process: subprocess.Popen[str]) -> dict[str, Any]:
    process.send_signal(signal.SIGINT)  # wrk stops, then prints its summary (our `done`)
    output, _ = process.communicate(timeout=30)
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return figures


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def embedding_victim(engine: sa.Engine) -> int | None:
    """The pid of the worker running the embed job, once it has committed a batch and
    holds the claims of the next (mid-job), else None."""
    with engine.connect() as connection:
        holder = connection.execute(
            sa.select(scheduled_jobs.c.claimed_by).where(
                scheduled_jobs.c.name == "embed", scheduled_jobs.c.state == "running"
            )
        ).scalar_one_or_none()
        if holder is None:
            return None
        vectors = connection.execute(sa.select(sa.func.count()).select_from(paper_vectors))
        claims = connection.execute(
            sa.select(sa.func.count()).where(embed_claims.c.worker.startswith(f"{holder}:"))
        )
        if not (vectors.scalar_one() and claims.scalar_one()):
            return None
    return int(str(holder).split(":")[2])


@pytest.fixture
def catalog(postgres_url: str) -> Iterator[Catalog]:
    """The shared catalog, as the test reads it (every process migrates it on start)."""
    opened = Catalog.open(postgres_url)
    try:
        yield opened
    finally:
        opened.close()


def test_two_machines_share_one_catalog_under_load(
    catalog: Catalog, postgres_url: str, tmp_path: Path
) -> None:
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: `make /usr/bin/wrk` (a prerequisite of `make test`)")
    started = time.monotonic()
    records = [
        json.loads(line) for line in (FIXTURES / "arxiv-metadata-snapshot-sample.jsonl").open()
    ]
    seed, new = records[:SEED], records[SEED : SEED + NEW]
    for record in new:
        record["title"] = f"{record['title']} {MARKER}"
    new_ids = {str(record["id"]) for record in new}
    machines: list[Machine] = []
    loads: list[subprocess.Popen[str]] = []
    try:
        with feeds() as remote:
            env = dict(os.environ) | {
                "PAPERWIRE_DATABASE_URL": postgres_url,
                "PAPERWIRE_SECRET_KEY": "s" * 40,  # one key for every process
                "PAPERWIRE_EMBED_PROVIDER": "cpu",
                "PAPERWIRE_ARXIV_OAI_URL": f"{remote}/oai2",
                "PAPERWIRE_HF_API_URL": f"{remote}/api",
                "PAPERWIRE_HARVEST_DELAY_SECONDS": "0",
                "OPENBLAS_NUM_THREADS": "1",
            }
            # Ingests run from a third data directory: only each machine's worker keeps
            # that machine's index files, from the catalog's change sequence.
            admin = env | {"PAPERWIRE_DATA_DIR": str(tmp_path / "admin")}
            ingest = [PAPERWIRE, "ingest", "--json"]
            subprocess.run(
                [*ingest, str(snapshot(tmp_path / "seed.jsonl", seed))],
                env=admin,
                check=True,
                capture_output=True,
            )
            for name in ("a", "b"):
                data_dir = tmp_path / name / "data"
                data_dir.mkdir(parents=True)
                machine = Machine(name, data_dir, env | {"PAPERWIRE_DATA_DIR": str(data_dir)})
                machine.start_web()
                machine.start_worker()
                machines.append(machine)
            for machine in machines:
                wait_for(f"{machine.name} ready", partial(ready, machine.base))

            paths = load_paths([str(record["id"]) for record in seed[::5]])
            loads = [start_wrk(m.base, paths, m.data_dir.parent) for m in machines]
            stages = {"ready": time.monotonic() - started}

            # Kill the worker running the embed job mid-job, and start it again.
            victim_pid = 0

            def mid_job() -> bool:
                nonlocal victim_pid
                victim_pid = embedding_victim(catalog.engine) or 0
                return bool(victim_pid)

            wait_for("the embed job mid-job", mid_job)
            victim = next(m for m in machines if m.worker and m.worker.pid == victim_pid)
            assert victim.worker is not None
            victim.worker.send_signal(signal.SIGKILL)
            victim.worker.wait()
            with catalog.engine.connect() as connection:
                committed = connection.execute(
                    sa.select(sa.func.count()).select_from(paper_vectors)
                ).scalar_one()
                held = connection.execute(sa.select(sa.func.count()).select_from(embed_claims))
                assert held.scalar_one() > 0, "the worker was not killed mid-batch"
            killed_at = time.monotonic()
            victim.start_worker()
            stages["killed"] = killed_at - started

            # New papers, under load: found by words on both machines within the bound.
            subprocess.run(
                [*ingest, str(snapshot(tmp_path / "new.jsonl", new))],
                env=admin,
                check=True,
                capture_output=True,
            )
            ingested = time.monotonic()
            lag: dict[str, float] = {}
            while len(lag) < len(machines):
                for machine in machines:
                    if machine.name not in lag and found(machine.base, MARKER, "keyword", new_ids):
                        lag[machine.name] = time.monotonic() - ingested
                assert time.monotonic() - ingested < VISIBILITY_BOUND_S, f"seen only by {lag}"
                time.sleep(0.1)

            # The killed worker's batch and the new papers: embedded, claims released, and
            # each machine's vector index (its own files) holding them, searchable by meaning.
            model = MiniLmEmbedder.model_id
            wait_for("every paper embedded", lambda: count_pending(catalog, model) == 0)
            embedded_after_kill = time.monotonic() - killed_at
            roots = {m.name: index_root(m.data_dir) for m in machines}
            wait_for(
                "indexes caught up",
                lambda: all(
                    index_lag(catalog, root) == {"keyword": 0, "vectors": 0}
                    for root in roots.values()
                ),
            )
            meaning = new[0]["abstract"].split(".")[0]
            for machine in machines:
                wait_for(
                    f"{machine.name} semantic",
                    partial(found, machine.base, meaning, "semantic", {str(new[0]["id"])}),
                    timeout=30,
                )
            # None died on the way (a crash would also show as wrk's socket errors).
            assert all(process.poll() is None for m in machines for process in m.processes())
            rss = {
                f"{m.name}-{kind}": round(rss_mb(process.pid), 1)
                for m in machines
                for kind, process in (("web", m.web), ("worker", m.worker))
                if process is not None
            }
            figures = {m.name: stop_wrk(load) for m, load in zip(machines, loads, strict=True)}
            stages["checked"] = time.monotonic() - started
            loads = []
    finally:
        for load in loads:
            load.kill()
        for machine in machines:
            for process in machine.processes():
                stop(process)

    # No HTTP errors on either machine, under real load.
    for name, wrk in figures.items():
        assert wrk["requests"] > 50, (name, wrk)
        assert wrk["socket_errors"] == 0 and wrk["non_2xx"] == 0, (name, wrk)

    with catalog.engine.connect() as connection:
        papers = connection.execute(
            sa.select(sa.func.count()).select_from(catalog_schema.papers)
        ).scalar_one()
        vectors = connection.execute(
            sa.select(sa.func.count()).select_from(paper_vectors)
        ).scalar_one()
        claims_left = connection.execute(
            sa.select(sa.func.count()).select_from(embed_claims)
        ).scalar_one()
        runs = connection.execute(sa.select(scheduled_jobs)).all()
        harvested = connection.execute(
            sa.select(catalog_schema.papers.c.id).where(catalog_schema.papers.c.id.in_(OAI_IDS))
        ).all()
    assert papers == SEED + NEW + len(OAI_IDS) and len(harvested) == len(OAI_IDS)
    assert vectors == papers and claims_left == 0

    # Every job once per slot: the job table's rows, and the runs the worker logs report.
    reported = Counter(
        (match[1], match[2])
        for machine in machines
        for log in machine.logs
        for match in JOB_LINE.finditer(log.read_text(errors="replace"))
    )
    assert reported and max(reported.values()) == 1, reported
    embed_slots = [run for run in runs if run.name == "embed"]
    killed = next(run for run in embed_slots if run.attempts == 2)
    assert killed.state == "done" and f":{victim_pid}:" not in killed.claimed_by
    # The run that took over did what the victim had not committed, and nothing twice.
    assert committed + killed.result["embedded"] == papers, (committed, killed.result)
    # (A worker logs its runs at the end of a tick: the victim's last tick went unlogged.)
    assert set(reported) <= {(run.name, run.slot) for run in runs}
    for run in runs:
        assert run.state == "done", (run.name, run.slot, run.error)
        assert run.attempts == 1 or run is killed

    wall = time.monotonic() - started
    print(
        "\nscale-out 2+2:",
        json.dumps(
            {
                "wrk": figures,
                "visibility_lag_s": {name: round(value, 2) for name, value in lag.items()},
                "killed_worker": victim.name,
                "embedded_before_kill": committed,
                "taken_over_run": killed.result,
                "all_embedded_after_kill_s": round(embedded_after_kill, 1),
                "rss_mb": rss,
                "stages_s": {name: round(value, 1) for name, value in stages.items()},
                "wall_s": round(wall, 1),
            }
        ),
    )
