"""The 1 M-paper run (issue 13): a synthetic arXiv snapshot in the real format, end to end.

For each backend (SQLite, PostgreSQL): ingest the snapshot with `paperwire ingest` (which
stores and then brings the keyword index up to date: the one library call ingest-and-index),
then `paperwire serve --workers 2` under wrk (bench/web_load.py's driver, uncached: the long
tail), then the figures a self-hoster sizes a machine by: seconds and records/s of the ingest,
the ingesting process's peak RSS, each web process's RSS after the load, the database's and
each index's size on disk. Prints a table and writes bench/results/million.json.

    python bench/million.py [--papers 1000000] [--backends sqlite postgresql] [--seconds 8]
        [--keep DIR]

Needs wrk (`make bench-web` installs it) and, for postgresql, the server at 127.0.0.1:5432.
Takes tens of minutes on 2 cores; `--papers 100000` for a quicker look.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import sqlalchemy as sa

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from bench.ingest import generate  # noqa: E402
from bench.web_load import (  # noqa: E402
    PAPERWIRE,
    endpoints,
    free_port,
    latest_week,
    load,
    serve,
    wait_ready,
)

POSTGRES_SERVER = "postgresql+psycopg://root@127.0.0.1:5432"
MEASURED = ("/", "/papers/week/{week}", "/papers/{id}", "/search?q=")


def disk_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def fresh_postgres(name: str) -> str:
    admin = sa.create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return f"{POSTGRES_SERVER}/{name}"


def postgres_bytes(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        size = connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
    engine.dispose()
    return int(size or 0)


def ingest(snapshot: Path, env: dict[str, str]) -> dict[str, Any]:
    """`paperwire ingest` in a child process: its wall time, summary and peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    completed = subprocess.run(
        [PAPERWIRE, "ingest", "--json", str(snapshot)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = json.loads(completed.stdout)
    return {
        "seconds": round(seconds, 1),
        # ru_maxrss of the children is the largest child so far: a fresh run's own only if
        # it grew past the earlier ones, hence "at most" when it did not.
        "peak_rss_mib": round(max(peak_kib, before) / 1024, 1),
        "summary": summary,
    }


def web_figures(env: dict[str, str], ids: list[str], seconds: int, work: Path) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(env, port, workers=2, cache=False)
    figures: dict[str, Any] = {}
    try:
        wait_ready(base, timeout=300)
        targets = endpoints(ids, random.Random(11), latest_week(env))
        for name in MEASURED:
            row = load(base, targets[name], seconds, 64, work, server.pid)
            figures[name] = row
            print(
                f"  {name:20} {row['requests_per_s']:7.0f} req/s  p50 {row['p50_ms']:7.1f} ms  "
                f"p99 {row['p99_ms']:7.1f} ms  errors {row['socket_errors'] + row['non_2xx']}  "
                f"CPU {row['server_cpu_ms_per_request']:.2f} ms/request",
                flush=True,
            )
        root = psutil.Process(server.pid)
        figures["rss_mib"] = {"supervisor": round(root.memory_info().rss / 2**20, 1)}
        workers = [p for p in root.children() if "resource_tracker" not in " ".join(p.cmdline())]
        for number, process in enumerate(workers, 1):
            figures["rss_mib"][f"web worker {number}"] = round(process.memory_info().rss / 2**20, 1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    return figures


def run_backend(
    backend: str, snapshot: Path, ids: list[str], root: Path, seconds: int
) -> dict[str, Any]:
    data_dir = root / backend
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir)}
    url = None
    if backend == "postgresql":
        url = fresh_postgres("paperwire_million")
        env["PAPERWIRE_DATABASE_URL"] = url
    print(f"{backend}: ingesting {len(ids):,} records", flush=True)
    result: dict[str, Any] = {"ingest": ingest(snapshot, env)}
    records = len(ids) / result["ingest"]["seconds"]
    result["ingest"]["records_per_s_with_index"] = round(records)
    print(
        f"  ingest + keyword index: {result['ingest']['seconds']} s ({records:,.0f} records/s), "
        f"peak RSS {result['ingest']['peak_rss_mib']} MiB",
        flush=True,
    )
    database = postgres_bytes(url) if url else disk_bytes(data_dir / "catalog.db")
    result["disk_mib"] = {
        "database": round(database / 2**20, 1),
        "keyword_index": round(disk_bytes(data_dir / "index" / "keyword") / 2**20, 1),
    }
    print(f"  disk: {result['disk_mib']}", flush=True)
    with tempfile.TemporaryDirectory(prefix="paperwire-million-wrk-") as work:
        result["web_uncached"] = web_figures(env, ids, seconds, Path(work))
    print(f"  web RSS MiB: {result['web_uncached']['rss_mib']}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--backends", nargs="*", default=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--keep", type=Path, help="work here and keep the data (else a temp dir)")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `make bench-web` (or apt-get install wrk)")
    with tempfile.TemporaryDirectory(prefix="paperwire-million-") as tmp:
        root = options.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        snapshot = root / "snapshot.jsonl"
        if not snapshot.exists():
            started = time.perf_counter()
            generate(snapshot, options.papers)
            print(
                f"snapshot: {options.papers:,} records, "
                f"{snapshot.stat().st_size / 2**20:,.0f} MiB in "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
        with snapshot.open() as lines:
            ids = [json.loads(line)["id"] for line in lines]
        results: dict[str, Any] = {
            "papers": len(ids),
            "snapshot_mib": round(snapshot.stat().st_size / 2**20, 1),
            "cpus": os.cpu_count(),
        }
        for backend in options.backends:
            results[backend] = run_backend(backend, snapshot, ids, root, options.seconds)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "million.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out / 'million.json'}")


if __name__ == "__main__":
    main()
