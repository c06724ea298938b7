"""middleware/request_context.py over a real uvicorn: the request id goes in and out, and
the access log writes one record per request with the route template."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paperwire.web.middleware.request_context import request_id_from
from tests.web.conftest import Site, site_over


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data_dir = tmp_path_factory.mktemp("rid") / "data"
    with site_over(data_dir, access_log=True) as served:
        yield served


@pytest.mark.parametrize("given", ["abc", "A-b_c.9", "x" * 64])
def test_a_sane_client_id_is_kept(given: str) -> None:
    assert request_id_from(given) == given


@pytest.mark.parametrize("given", ["", "x" * 65, "a b", "a/b", "é", "a\nb", None])
def test_any_other_id_is_replaced_by_a_fresh_one(given: str | None) -> None:
    made = request_id_from(given)
    assert made != given and re.fullmatch(r"[0-9a-f]{32}", made)
    assert request_id_from(given) != made


def test_the_response_carries_the_clients_id_or_a_new_one(site: Site) -> None:
    kept = httpx.get(f"{site.url}/healthz", headers={"X-Request-ID": "lb-1234.5"})
    assert kept.headers["X-Request-ID"] == "lb-1234.5"
    fresh = httpx.get(f"{site.url}/healthz", headers={"X-Request-ID": "no good!"})
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["X-Request-ID"])
    missing = httpx.get(f"{site.url}/no/such/page")
    assert missing.status_code == 404 and missing.headers["X-Request-ID"]


def test_the_access_log_has_one_line_per_request_with_the_route(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    path = "/papers/2401.99999"  # no such paper: a 404 is logged like any answer
    with caplog.at_level(logging.INFO, logger="paperwire.access"):
        answer = httpx.get(site.url + path, headers={"X-Request-ID": "trace-7"})
    records = [r for r in caplog.records if r.name == "paperwire.access"]
    mine = [r for r in records if getattr(r, "request_id", None) == "trace-7"]
    assert len(mine) == 1
    record = mine[0]
    assert record.__dict__["method"] == "GET"
    assert record.__dict__["path"] == path
    assert record.__dict__["route"] == "/papers/{paper_id:path}"
    assert record.__dict__["status"] == answer.status_code
    assert record.__dict__["duration_ms"] > 0
    assert record.__dict__["client"] == "127.0.0.1"


def test_no_access_log_unless_asked(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with (
        site_over(tmp_path / "data", demo=False) as quiet,
        caplog.at_level(logging.INFO, logger="paperwire.access"),
    ):
        httpx.get(f"{quiet.url}/healthz")
    assert [r for r in caplog.records if r.name == "paperwire.access"] == []


def test_the_access_log_leaves_secrets_out_of_paths(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-feed-token-of-a-reader"
    with caplog.at_level(logging.INFO, logger="paperwire.access"):
        feed = httpx.get(f"{site.url}/feeds/for-you/{secret}.atom", headers={"X-Request-ID": "f1"})
        link = httpx.get(f"{site.url}/unsubscribe/{secret}", headers={"X-Request-ID": "f2"})
    assert feed.status_code == 404 and link.status_code in (200, 400, 404)
    records = [r for r in caplog.records if r.name == "paperwire.access"]
    mine = [r for r in records if getattr(r, "request_id", None) in ("f1", "f2")]
    assert len(mine) == 2
    assert {r.__dict__["path"] for r in mine} == {
        "/feeds/for-you/{token}.{fmt}",
        "/unsubscribe/{token}",
    }
    assert all(secret not in r.getMessage() for r in mine)
