"""/metrics in the Prometheus text format (prometheus-client).

Two kinds of figure:

- per process, counted as requests are answered: `paperwire_http_request_duration_seconds`,
  a histogram by method, route template (the route table's path: one series per row, not
  per URL) and status class ("2xx"...);
- read from the database (and the index files) when scraped, by `StoreCollector`, so they
  are the same whichever process is asked and include what the worker did:
  `paperwire_job_runs` (rows of the job table by job and state) and
  `paperwire_job_attempts` (their attempts, so retried failures show),
  `paperwire_job_last_success_timestamp_seconds`, `paperwire_outbox_messages` (digest
  outbox rows by state) and `paperwire_index_lag_changes` (catalog changes an index has
  not applied yet).

Several `paperwire serve --workers N` processes each count their own requests. When
PROMETHEUS_MULTIPROC_DIR names an empty directory (made fresh before the processes start),
prometheus-client keeps those counts in files there and any process answers for all
(docs/operations.md); without it, a scrape sees the one process it reached.

Who may scrape: PAPERWIRE_METRICS_ALLOW, a list of client networks (default loopback and
the private ranges); others get 403. "*" lets everyone.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from paperwire.db.values import as_utc
from paperwire.digest import schema as digest_schema
from paperwire.digest.outbox import STATES as OUTBOX_STATES
from paperwire.search.indexes import index_lag_on, index_root
from paperwire.web.context import WebContext
from paperwire.worker import schema as worker_schema

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# From a cached page (about a millisecond) to a slow search (seconds).
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Index directory name -> the counter its applied_seq follows.


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


class StoreCollector(Collector):
    """Figures read from the database and the index files at each scrape."""

    def __init__(self, engine: sa.Engine, data_dir: Path) -> None:
        self.engine = engine
        self.data_dir = data_dir

    def collect(self) -> Iterator[Metric]:
        with self.engine.connect() as connection:
            yield from self._jobs(connection)
            yield self._outbox(connection)
            yield self._index_lag(connection)

    def _jobs(self, connection: sa.Connection) -> Iterator[Metric]:
        jobs = worker_schema.jobs
        runs = GaugeMetricFamily(
            "paperwire_job_runs",
            "Rows of the job table (one per job and slot), by job and state.",
            labels=["job", "state"],
        )
        attempts = GaugeMetricFamily(
            "paperwire_job_attempts",
            "Attempts at the job's runs, retries of failed runs included, by job and state.",
            labels=["job", "state"],
        )
        query = sa.select(
            jobs.c.name, jobs.c.state, sa.func.count(), sa.func.sum(jobs.c.attempts)
        ).group_by(jobs.c.name, jobs.c.state)
        for name, state, count, tried in connection.execute(query):
            runs.add_metric([name, state], int(count))
            attempts.add_metric([name, state], int(tried or 0))
        last = GaugeMetricFamily(
            "paperwire_job_last_success_timestamp_seconds",
            "When the job last finished without an error (Unix time).",
            labels=["job"],
        )
        done = (
            sa.select(jobs.c.name, sa.func.max(jobs.c.finished_at))
            .where(jobs.c.state == "done")
            .group_by(jobs.c.name)
        )
        for name, finished in connection.execute(done):
            if finished is not None:
                last.add_metric([name], as_utc(finished).timestamp())
        yield runs
        yield attempts
        yield last

    def _outbox(self, connection: sa.Connection) -> Metric:
        outbox = digest_schema.outbox
        counts = dict.fromkeys(OUTBOX_STATES, 0)
        query = sa.select(outbox.c.state, sa.func.count()).group_by(outbox.c.state)
        for state, count in connection.execute(query):
            counts[state] = int(count)
        family = GaugeMetricFamily(
            "paperwire_outbox_messages", "Digest outbox rows by state.", labels=["state"]
        )
        for state, count in counts.items():
            family.add_metric([state], count)
        return family

    def _index_lag(self, connection: sa.Connection) -> Metric:
        family = GaugeMetricFamily(
            "paperwire_index_lag_changes",
            "Catalog changes (keyword) or batches of stored vectors (vectors) the index has "
            "not applied.",
            labels=["index"],
        )
        for name, behind in index_lag_on(connection, index_root(self.data_dir)).items():
            if behind is not None:  # not built: /readyz says so; a lag would be meaningless
                family.add_metric([name], behind)
        return family


class Metrics:
    """One app's metrics: the request histogram it observes and the registry a scrape
    reads (in multiprocess mode, a fresh one over the processes' files each time)."""

    def __init__(self, engine: sa.Engine, data_dir: Path) -> None:
        self.store = StoreCollector(engine, data_dir)
        directory = multiprocess_dir()
        self.multiprocess = directory is not None
        if directory is not None:
            Path(directory).mkdir(parents=True, exist_ok=True)  # its files go there at once
        self.registry = CollectorRegistry()
        # In multiprocess mode the histogram's values live in the directory's files; the
        # per-process registry would double them, so it only holds what is read live.
        self.requests = Histogram(
            "paperwire_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=None if self.multiprocess else self.registry,
        )
        if not self.multiprocess:
            ProcessCollector(registry=self.registry)
        self.registry.register(self.store)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, status_class(status)).observe(seconds)

    def scrape(self) -> bytes:
        if not self.multiprocess:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # (untyped upstream)
        registry.register(self.store)
        return generate_latest(registry)


def parse_networks(value: str) -> list[Network] | None:
    """PAPERWIRE_METRICS_ALLOW as networks; None for "*" (everyone). ValueError names a
    part that is not a network."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if "*" in parts:
        return None
    return [ipaddress.ip_network(part, strict=False) for part in parts]


def client_allowed(host: str | None, networks: Iterable[Network] | None) -> bool:
    if networks is None:
        return True
    if host is None:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def metrics(request: Request) -> Response:
    """The Prometheus text format, for a client on an allowed network."""
    web: WebContext = request.app.state.web
    found: Metrics = request.app.state.metrics
    networks = parse_networks(web.settings.metrics_allow)
    if not client_allowed(request.client.host if request.client else None, networks):
        return PlainTextResponse(
            "metrics are not shown to this network (PAPERWIRE_METRICS_ALLOW)\n", status_code=403
        )
    return Response(found.scrape(), media_type=CONTENT_TYPE_LATEST)
