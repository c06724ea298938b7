"""Scale-out benchmark: tests/test_scale_out.py's two machines on one PostgreSQL catalog,
longer and with figures.

Two data directories, each with `paperwire serve` and `paperwire worker`, one fresh
PostgreSQL database (dropped afterwards). wrk loads both web processes for `--seconds`;
meanwhile the seed is embedded, the worker running the embed job is SIGKILLed mid-batch
and restarted, and `--rounds` batches of new papers are ingested (from a third data
directory), each timed until both web processes find it by words. Prints the figures
(requests/s, errors, latency, visibility lag per machine, the kill's outcome, RSS per
process) and writes bench/results/scale_out.json. Needs wrk (`make /usr/bin/wrk`).

    python bench/scale_out.py --seed 400 --seconds 90 --rounds 6
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from paperwire.catalog import schema as catalog_schema
from paperwire.catalog.store import Catalog
from paperwire.search.claims import embed_claims
from paperwire.search.embed_job import count_pending
from paperwire.search.embedder import MiniLmEmbedder
from paperwire.search.indexes import index_lag, index_root
from paperwire.search.vector_store import paper_vectors

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from bench.ingest import generate_from_sample  # noqa: E402
from tests.conftest import FIXTURES, POSTGRES_ADMIN_URL  # noqa: E402
from tests.test_scale_out import (  # noqa: E402
    PAPERWIRE,
    Machine,
    embedding_victim,
    feeds,
    found,
    load_paths,
    ready,
    rss_mb,
    snapshot,
    start_wrk,
    stop,
    stop_wrk,
    wait_for,
)

NEW_PER_ROUND = 5


def count(catalog: Catalog, table: sa.Table) -> int:
    with catalog.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def round_records(number: int) -> tuple[str, list[dict[str, Any]]]:
    """NEW_PER_ROUND real snapshot records under new ids, titled with this round's word."""
    word = "Scaleoutround" + "".join(chr(97 + int(digit)) for digit in f"{number:03d}")
    sample = (FIXTURES / "arxiv-metadata-snapshot-sample.jsonl").read_text().splitlines()
    records = []
    for index in range(NEW_PER_ROUND):
        record = json.loads(sample[(number * NEW_PER_ROUND + index) % len(sample)])
        record["id"] = f"2612.{90000 + number * NEW_PER_ROUND + index:05d}"
        record["title"] = f"{record['title']} {word}"
        records.append(record)
    return word, records


def scenario(url: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    catalog = Catalog.open(url)  # migrates before the processes start
    machines: list[Machine] = []
    loads: list[subprocess.Popen[str]] = []
    try:
        with feeds() as remote:
            env = dict(os.environ) | {
                "PAPERWIRE_DATABASE_URL": url,
                "PAPERWIRE_SECRET_KEY": "s" * 40,
                "PAPERWIRE_EMBED_PROVIDER": "cpu",
                "PAPERWIRE_ARXIV_OAI_URL": f"{remote}/oai2",
                "PAPERWIRE_HF_API_URL": f"{remote}/api",
                "PAPERWIRE_HARVEST_DELAY_SECONDS": "0",
            }
            admin = env | {"PAPERWIRE_DATA_DIR": str(work / "admin")}
            seed = work / "seed.jsonl"
            generate_from_sample(seed, args.seed, FIXTURES / "arxiv-metadata-snapshot-sample.jsonl")
            ids = [json.loads(line)["id"] for line in seed.read_text().splitlines()]
            ingest = [PAPERWIRE, "ingest", "--json"]
            subprocess.run([*ingest, str(seed)], env=admin, check=True, capture_output=True)
            for name in ("a", "b"):
                data_dir = work / name / "data"
                data_dir.mkdir(parents=True)
                machine = Machine(name, data_dir, env | {"PAPERWIRE_DATA_DIR": str(data_dir)})
                machine.start_web()
                machine.start_worker()
                machines.append(machine)
            for machine in machines:
                wait_for(f"{machine.name} ready", partial(ready, machine.base), 300)
            paths = load_paths(ids[:: max(1, len(ids) // 200)])
            loads = [
                start_wrk(m.base, paths, m.data_dir.parent, args.connections, args.delay_ms)
                for m in machines
            ]
            load_started = time.monotonic()

            kill: dict[str, Any] = {}
            pid = 0

            def mid_job() -> bool:
                nonlocal pid
                pid = embedding_victim(catalog.engine) or 0
                return bool(pid)

            wait_for("the embed job mid-job", mid_job, 600)
            victim = next(m for m in machines if m.worker and m.worker.pid == pid)
            assert victim.worker is not None
            victim.worker.send_signal(signal.SIGKILL)
            victim.worker.wait()
            killed_at = time.monotonic()
            kill["machine"] = victim.name
            kill["vectors_committed_before"] = count(catalog, paper_vectors)
            kill["claims_held_at_kill"] = count(catalog, embed_claims)
            victim.start_worker()

            lags: dict[str, list[float]] = {m.name: [] for m in machines}
            spacing = args.seconds / (args.rounds + 1)
            for number in range(args.rounds):
                time.sleep(max(0.0, load_started + spacing * (number + 1) - time.monotonic()))
                word, records = round_records(number)
                batch = snapshot(work / f"round-{number}.jsonl", records)
                subprocess.run([*ingest, str(batch)], env=admin, check=True, capture_output=True)
                ingested, wanted = time.monotonic(), {str(r["id"]) for r in records}
                pending = {m.name: m for m in machines}
                while pending:
                    for name, machine in list(pending.items()):
                        if found(machine.base, word, "keyword", wanted):
                            lags[name].append(round(time.monotonic() - ingested, 2))
                            del pending[name]
                    assert time.monotonic() - ingested < 120, f"round {number}: {pending}"
                    time.sleep(0.05)
            model = MiniLmEmbedder.model_id
            wait_for("every paper embedded", lambda: count_pending(catalog, model) == 0, 600)
            kill["all_embedded_after_s"] = round(time.monotonic() - killed_at, 1)
            roots = [index_root(m.data_dir) for m in machines]
            wait_for(
                "indexes caught up",
                lambda: all(index_lag(catalog, r) == {"keyword": 0, "vectors": 0} for r in roots),
            )
            time.sleep(max(0.0, load_started + args.seconds - time.monotonic()))
            rss = {
                f"{m.name}-{kind}": round(rss_mb(process.pid), 1)
                for m in machines
                for kind, process in (("web", m.web), ("worker", m.worker))
                if process is not None
            }
            wrk = {m.name: stop_wrk(load) for m, load in zip(machines, loads, strict=True)}
            loads = []
            papers = count(catalog, catalog_schema.papers)
            kill["vectors"], kill["papers"] = count(catalog, paper_vectors), papers
            kill["claims_left"] = count(catalog, embed_claims)
    finally:
        for load in loads:
            load.kill()
        for machine in machines:
            for process in machine.processes():
                stop(process)
        catalog.close()
    for figures in wrk.values():
        figures["requests_per_s"] = round(figures["requests"] / figures["seconds"], 1)
    return {
        "seed_papers": args.seed,
        "load": {"connections": args.connections, "delay_ms": args.delay_ms},
        "wrk": wrk,
        "visibility_lag_s": {
            name: {"each": values, "median": statistics.median(values), "max": max(values)}
            for name, values in lags.items()
            if values
        },
        "kill": kill,
        "rss_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=400, help="papers ingested first")
    parser.add_argument("--seconds", type=int, default=90, help="how long wrk loads")
    parser.add_argument("--rounds", type=int, default=6, help="ingests timed under load")
    parser.add_argument("--connections", type=int, default=2, help="wrk connections per web")
    parser.add_argument("--delay-ms", type=int, default=40, help="pause between requests")
    args = parser.parse_args()
    name = f"paperwire_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="scale-out-") as work:
            url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
            results = scenario(url, Path(work), args)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    results["wall_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(results, indent=2))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "scale_out.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
