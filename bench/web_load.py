"""Web load benchmark: wrk at 64 connections on loopback against `paperwire serve`.

The site holds the demo corpus (its latest day is the 67-paper HF listing) plus a synthetic
arXiv snapshot (default 20,000 papers) and the demo's vectors, so `/search` runs hybrid
search with a real query embedding. Each endpoint is loaded for `--seconds`; paper pages
and searches rotate through many distinct URLs. It runs twice: with the response cache
(the default) and with PAPERWIRE_WEB_CACHE=false, so the rendering path is measured too.
Prints a table and writes bench/results/web_load.json.

    python bench/web_load.py [--papers 20000] [--seconds 10] [--workers 2] [--connections 64]
        [--site DIR] [--modes cached uncached] [--label NAME]

`--site DIR` keeps the built site in DIR and reuses it on the next run, so two versions of
the code (e.g. PYTHONPATH=<old checkout>/src) can be loaded against the same data.

Needs wrk (Debian package `wrk`: `make bench-web` installs it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from bench.ingest import WORDS, generate  # noqa: E402

PAPERWIRE = str(Path(sys.executable).with_name("paperwire"))
# wrk's Lua: each thread walks the URL list from its own offset; `done` prints JSON.
WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("PAPERWIRE_PATHS")) do paths[#paths + 1] = line end
local counter = 0
local threads = 0
setup = function(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[((counter + (offset or 0)) % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "socket_errors": %d, "non_2xx": %d, ' ..
    '"p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)


def build_site(data_dir: Path, papers: int, env: dict[str, str]) -> list[str]:
    """Demo + synthetic snapshot + demo vectors; returns the ids of the synthetic papers."""
    run([PAPERWIRE, "demo"], env)
    snapshot = data_dir.parent / "snapshot.jsonl"
    generate(snapshot, papers)
    run([PAPERWIRE, "ingest", str(snapshot)], env)
    run([PAPERWIRE, "embed", "--limit", "300"], env)
    with snapshot.open() as lines:
        return [json.loads(line)["id"] for line in lines]


def wait_ready(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


def server_cpu_seconds(server_pid: int) -> float:
    """User + system CPU of the server and its worker processes so far. Requests per second
    depend on what else the machine runs; CPU per request much less (the noisy-machine
    figure to compare two versions by)."""
    root = psutil.Process(server_pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def load(
    base: str, paths: list[str], seconds: int, connections: int, work: Path, server_pid: int
) -> dict[str, float]:
    path_file = work / "paths.txt"
    path_file.write_text("\n".join(paths) + "\n")
    script = work / "rotate.lua"
    script.write_text(WRK_SCRIPT)
    # Warm up (opens index readers, loads the model, fills caches), then measure.
    for duration, measured in ((2, False), (seconds, True)):
        cpu_before = server_cpu_seconds(server_pid)
        completed = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "5s",
                "-s",
                str(script),
                base,
            ],
            env={**os.environ, "PAPERWIRE_PATHS": str(path_file)},
            capture_output=True,
            text=True,
            check=True,
        )
        if measured:
            figures: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
            figures["requests_per_s"] = round(figures["requests"] / figures["seconds"], 1)
            cpu = server_cpu_seconds(server_pid) - cpu_before
            figures["server_cpu_ms_per_request"] = round(1000 * cpu / figures["requests"], 2)
            return figures
    raise AssertionError("unreachable")


def endpoints(ids: list[str], rng: random.Random, week: str) -> dict[str, list[str]]:
    paper_ids = rng.sample(ids, min(len(ids), 5000))
    queries = [" ".join(rng.sample(WORDS, rng.randint(1, 3))) for _ in range(500)] + [
        "medical image segmentation",
        "code representation",
        "diphoton production",
    ]
    return {
        "/": ["/"],
        "/papers/week/{week}": [week],
        "/papers/{id}": [f"/papers/{paper_id}" for paper_id in paper_ids],
        "/api/daily_papers": ["/api/daily_papers"],
        "/search?q=": [f"/search?q={query.replace(' ', '+')}" for query in queries],
        "/api/v1/papers": ["/api/v1/papers?limit=20"],
        "/trending": ["/trending"],
        "/feeds/daily.atom": ["/feeds/daily.atom"],
    }


def latest_week(env: dict[str, str]) -> str:
    """The URL of the latest listed week (what /papers/week redirects to)."""
    code = (
        "from paperwire.catalog.periods import Period; from paperwire.catalog.store import "
        "Catalog; from paperwire.config import load_settings; "
        "print(Period.week_of(Catalog.open(load_settings().catalog_url()).latest_listed_on()).slug)"
    )
    slug = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    return f"/papers/week/{slug}"


def serve(env: dict[str, str], port: int, workers: int, cache: bool) -> subprocess.Popen[bytes]:
    server_env = {**env, "PAPERWIRE_WEB_CACHE": "true" if cache else "false"}
    return subprocess.Popen(
        [PAPERWIRE, "serve", "--port", str(port), "--workers", str(workers)],
        env=server_env,
        start_new_session=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", nargs="*", help="endpoint names to run (default: all)")
    parser.add_argument("--site", type=Path, help="build the site here once and reuse it")
    parser.add_argument("--modes", nargs="*", default=["cached", "uncached"])
    parser.add_argument("--label", default="web_load", help="results file name")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `make bench-web` (or apt-get install wrk)")
    rng = random.Random(11)
    results: dict[str, object] = {
        "papers": options.papers + 268,
        "workers": options.workers,
        "connections": options.connections,
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="paperwire-web-bench-") as tmp:
        work = Path(tmp)
        site = options.site or work
        data_dir = site / "data"
        env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir)}
        id_file = site / "ids.json"
        if id_file.exists():
            ids = json.loads(id_file.read_text())
        else:
            started = time.perf_counter()
            ids = build_site(data_dir, options.papers, env)
            id_file.write_text(json.dumps(ids))
            results["build_seconds"] = round(time.perf_counter() - started, 1)
        targets = endpoints(ids, rng, latest_week(env))
        for cache in [mode == "cached" for mode in options.modes]:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = serve(env, port, options.workers, cache)
            try:
                wait_ready(base)
                label = "cached" if cache else "uncached"
                figures: dict[str, object] = {}
                for name, paths in targets.items():
                    if options.only and name not in options.only:
                        continue
                    figures[name] = load(
                        base, paths, options.seconds, options.connections, work, server.pid
                    )
                    row = figures[name]
                    assert isinstance(row, dict)
                    print(
                        f"{label:9} {name:20} {row['requests_per_s']:8.0f} req/s  "
                        f"p50 {row['p50_ms']:6.1f} ms  p99 {row['p99_ms']:6.1f} ms  "
                        f"errors {row['socket_errors'] + row['non_2xx']}  "
                        f"server CPU {row['server_cpu_ms_per_request']:5.2f} ms/request",
                        flush=True,
                    )
                results[label] = figures
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / f"{options.label}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out / f'{options.label}.json'}")


if __name__ == "__main__":
    main()
