"""`paperwire serve` as `make run` starts it: the address it prints, the in-process worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from paperwire.cli.serve import listen_url
from tests.support.servers import free_port


def test_listen_url_brackets_ipv6_hosts() -> None:
    assert listen_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert listen_url("::1", 8080) == "http://[::1]:8080"


def _wait_for_line(process: subprocess.Popen[str], needle: str, seconds: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if needle in line:
            return line
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"serve never printed {needle!r}")


def _job_runs(database: Path) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT name FROM scheduled_jobs").all()
    except sa.exc.OperationalError:  # the table is not there yet
        return []
    finally:
        engine.dispose()
    return [row[0] for row in rows]


def test_serve_with_worker_prints_its_address_and_runs_the_jobs(tmp_path: Path) -> None:
    port = free_port()
    closed = f"http://127.0.0.1:{free_port()}"  # no job may reach the internet
    environment = os.environ | {
        "PAPERWIRE_SEMANTIC_SEARCH": "false",
        "PAPERWIRE_ARXIV_OAI_URL": f"{closed}/oai2",
        "PAPERWIRE_ARXIV_API_URL": f"{closed}/api/query",
        "PAPERWIRE_HF_API_URL": f"{closed}/api",
        "PAPERWIRE_HTTP_TIMEOUT_SECONDS": "2",
    }
    data = tmp_path / "data"
    command = [str(Path(sys.executable).parent / "paperwire"), "--data-dir", str(data)]
    process = subprocess.Popen(
        [*command, "serve", "--worker", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    try:
        line = _wait_for_line(process, "serving on", 30)
        assert f"http://127.0.0.1:{port}" in line
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        # The worker's first tick claims the due jobs (the harvests first; the submission
        # retries that the submit page promises follow them in the same loop).
        while time.monotonic() < deadline and not _job_runs(data / "catalog.db"):
            time.sleep(0.2)
        assert "harvest-arxiv" in _job_runs(data / "catalog.db")
    finally:
        process.terminate()
        process.wait(timeout=40)


def test_serve_logs_json_access_lines_and_counts_every_process(tmp_path: Path) -> None:
    """`serve --workers 2 --access-log --log-format json` with PROMETHEUS_MULTIPROC_DIR, as
    deploy/systemd/paperwire-web.service runs it: each request is one JSON line with its id,
    and /metrics adds up both processes' requests."""
    import json

    port = free_port()
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    environment = os.environ | {
        "PAPERWIRE_SEMANTIC_SEARCH": "false",
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
    }
    command = [str(Path(sys.executable).parent / "paperwire"), "--data-dir", str(tmp_path / "d")]
    log = tmp_path / "stderr.log"
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [
                *command,
                "serve",
                "--workers",
                "2",
                "--port",
                str(port),
                "--access-log",
                "--log-format",
                "json",
            ],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
            env=environment,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # two processes start on a busy machine
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2, headers={"X-Request-ID": "warm-up"})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.3)
        # New connections each time: uvicorn's processes share the socket, so both answer.
        for number in range(20):
            httpx.get(f"{base}/healthz", headers={"X-Request-ID": f"probe-{number}"})
        metrics = httpx.get(f"{base}/metrics").text
    finally:
        process.terminate()
        process.wait(timeout=40)
    (count,) = [
        line
        for line in metrics.splitlines()
        if line.startswith("paperwire_http_request_duration_seconds_count")
        and 'route="/healthz"' in line
    ]
    assert float(count.rsplit(" ", 1)[1]) >= 21
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [r for r in records if r["logger"] == "paperwire.access"]
    ids = {r["request_id"] for r in access}
    assert {f"probe-{number}" for number in range(20)} <= ids
    probe = next(r for r in access if r["request_id"] == "probe-0")
    assert probe["route"] == "/healthz" and probe["status"] == 200 and probe["method"] == "GET"
