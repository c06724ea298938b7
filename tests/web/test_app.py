"""The web pages over real HTTP against uvicorn, on a catalog loaded with the demo corpus."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from paperwire.catalog.model import Authority
from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.demo import load_demo
from paperwire.ingest.records import build_record
from paperwire.web.app import create_app
from tests.servers import running

HOSTILE_TITLE = '</title><script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture
def base_url(sqlite_catalog: Catalog) -> Iterator[str]:
    load_demo(sqlite_catalog)
    sqlite_catalog.upsert(
        [
            build_record(
                source="hf-listing",
                source_record_id="x",
                authority=Authority.LISTING,
                raw_id=None,
                title=HOSTILE_TITLE,
                abstract='Code at https://github.com/evil/repo" onmouseover="x',
                listed_on=dt.date(2026, 3, 14),
            )
        ]
    )
    with running(create_app(Settings(), catalog=sqlite_catalog)) as url:
        yield url


def test_home_lists_the_latest_day(base_url: str) -> None:
    response = httpx.get(base_url + "/")
    assert response.status_code == 200
    assert "Mar 14, 2026" in response.text
    assert "UniXcoder: Unified Cross-Modal Pre-training for Code Representation" in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_hostile_strings_are_escaped(base_url: str) -> None:
    page = httpx.get(base_url + "/").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'onerror="alert(2)"' not in page


def test_paper_page_by_id_and_by_url_and_404(base_url: str) -> None:
    page = httpx.get(base_url + "/papers/0704.0001")
    assert page.status_code == 200
    assert "Calculation of prompt diphoton production" in page.text
    assert 'href="https://arxiv.org/pdf/0704.0001"' in page.text
    assert httpx.get(base_url + "/papers/0704.0001v2").status_code == 200
    assert httpx.get(base_url + "/papers/2401.99999").status_code == 404


def test_a_given_day_and_a_bad_date(base_url: str) -> None:
    day = httpx.get(base_url + "/", params={"date": "2007-04-02"})
    assert day.status_code == 200 and "0704.0001" in day.text
    assert httpx.get(base_url + "/", params={"date": "yesterday"}).status_code == 400
