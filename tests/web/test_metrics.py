"""/metrics over a real uvicorn: request latency by route template, the job table, the
outbox and the index lag read at scrape time, and who may scrape."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from paperwire.web.metrics import client_allowed, parse_networks, status_class
from paperwire.worker.jobs import JobTable
from tests.support.factories import make_record, settings_for, subscriptions
from tests.web.conftest import Site, site_over


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with site_over(tmp_path / "data") as served:
        yield served


def scrape(site: Site) -> list[Sample]:
    answer = httpx.get(f"{site.url}/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return [s for family in text_string_to_metric_families(answer.text) for s in family.samples]


def values(samples: list[Sample], name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {tuple(sorted(s.labels.items())): s.value for s in samples if s.name == name}


def test_requests_are_counted_by_route_template_method_and_status_class(site: Site) -> None:
    for paper_id in ("2401.90001", "2401.90002", "hep-th/9901001"):
        httpx.get(f"{site.url}/papers/{paper_id}")
    for _ in range(3):  # the 2nd and 3rd are the cache's replays: the router never sees them
        assert httpx.get(f"{site.url}/").status_code == 200
    httpx.get(f"{site.url}/no/such/thing")
    counts = values(scrape(site), "paperwire_http_request_duration_seconds_count")
    assert counts[(("method", "GET"), ("route", "/papers/{paper_id:path}"), ("status", "4xx"))] == 3
    assert counts[(("method", "GET"), ("route", "/"), ("status", "2xx"))] == 3
    assert counts[(("method", "GET"), ("route", "unmatched"), ("status", "4xx"))] == 1
    routes = {dict(labels)["route"] for labels in counts}
    assert not any("2401." in route or "9901001" in route for route in routes)  # no raw URLs


def test_jobs_outbox_and_index_lag_are_read_from_the_database(site: Site) -> None:
    now = dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC)
    table = JobTable(site.catalog.engine, "tests")
    assert table.claim("harvest", "2026-03-16", now)
    table.finish("harvest", "2026-03-16", now, {"papers": 3}, None)
    assert table.claim("embed", "2026-03-16T08:00", now)
    table.finish("embed", "2026-03-16T08:00", now, {}, "boom")
    settings = settings_for(site.settings.data_dir)
    subscriptions(site.catalog, settings).subscribe("reader@example.org")
    # A change the keyword index has not applied yet: one behind.
    site.catalog.upsert([make_record(raw_id="2412.00001", title="A new one")])

    samples = scrape(site)
    runs = values(samples, "paperwire_job_runs")
    assert runs[(("job", "harvest"), ("state", "done"))] == 1
    assert runs[(("job", "embed"), ("state", "failed"))] == 1
    assert values(samples, "paperwire_job_last_success_timestamp_seconds") == {
        (("job", "harvest"),): now.timestamp()
    }
    outbox = values(samples, "paperwire_outbox_messages")
    assert outbox[(("state", "pending"),)] == 1
    assert outbox[(("state", "sent"),)] == 0
    lag = values(samples, "paperwire_index_lag_changes")
    assert lag[(("index", "keyword"),)] == 1.0
    assert lag.get((("index", "vectors"),), 0.0) == 0.0  # no vectors stored: none behind


def test_a_client_outside_the_allowed_networks_gets_403(tmp_path: Path) -> None:
    with site_over(tmp_path / "data", demo=False, metrics_allow="10.0.0.0/8") as site:
        answer = httpx.get(f"{site.url}/metrics")
    assert answer.status_code == 403
    assert "PAPERWIRE_METRICS_ALLOW" in answer.text


def test_networks_parse_and_match() -> None:
    private = parse_networks("127.0.0.0/8, ::1/128,10.0.0.0/8")
    assert client_allowed("127.0.0.1", private)
    assert client_allowed("::1", private)
    assert client_allowed("::ffff:10.1.2.3", private)  # IPv4 through an IPv6 socket
    assert not client_allowed("203.0.113.5", private)
    assert not client_allowed("testclient", private)
    assert not client_allowed(None, private)
    assert client_allowed("203.0.113.5", parse_networks("*"))
    with pytest.raises(ValueError):
        parse_networks("10.0.0.0/33")
    assert [status_class(code) for code in (200, 304, 404, 503)] == ["2xx", "3xx", "4xx", "5xx"]


def test_multiprocess_mode_adds_up_every_process(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set, what two processes counted is in any scrape."""
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    child = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from paperwire.catalog.store import Catalog
        from paperwire.web.metrics import Metrics
        catalog = Catalog.open("sqlite:///{tmp_path / "c.db"}")
        metrics = Metrics(catalog.engine, Path("{tmp_path}"))
        assert metrics.multiprocess
        metrics.observe_request("GET", "/", 200, 0.01)
        if sys.argv[1] == "scrape":
            sys.stdout.write(metrics.scrape().decode())
        catalog.close()
        """
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(multiproc)}
    for role in ("count", "scrape"):
        done = subprocess.run(
            [sys.executable, "-c", child, role], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    samples = [s for f in text_string_to_metric_families(done.stdout) for s in f.samples]
    counts = values(samples, "paperwire_http_request_duration_seconds_count")
    assert counts == {(("method", "GET"), ("route", "/"), ("status", "2xx")): 2.0}
    assert values(samples, "paperwire_outbox_messages")  # read live as well
