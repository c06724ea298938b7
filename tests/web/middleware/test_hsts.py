"""Strict-Transport-Security (web/middleware/security.py): over https, on every answer,
errors and refusals too; never over plain http."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.web.app import create_app
from paperwire.web.middleware.security import STRICT_TRANSPORT_SECURITY

HSTS = STRICT_TRANSPORT_SECURITY[0].lower()
PATHS = ("/healthz", "/no-such-page", "/api/v1/me")


def _client(tmp_path: Path, base_url: str | None, scheme: str) -> TestClient:
    settings = Settings(data_dir=tmp_path / "data", base_url=base_url)
    catalog = Catalog.open(settings.catalog_url())
    app = create_app(settings, catalog=catalog, semantic=False, cache=False)
    return TestClient(app, base_url=f"{scheme}://testserver")


@pytest.mark.parametrize(
    ("base_url", "scheme"),
    [("https://papers.example.org", "http"), (None, "https")],
)
def test_a_site_served_over_https_sends_hsts(
    tmp_path: Path, base_url: str | None, scheme: str
) -> None:
    with _client(tmp_path, base_url, scheme) as client:
        for path in PATHS:
            answer: httpx.Response = client.get(path, follow_redirects=False)
            assert answer.headers.get(HSTS) == STRICT_TRANSPORT_SECURITY[1], path
        assert STRICT_TRANSPORT_SECURITY[1] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize("base_url", [None, "http://127.0.0.1:8000"])
def test_a_site_over_plain_http_never_sends_hsts(tmp_path: Path, base_url: str | None) -> None:
    with _client(tmp_path, base_url, "http") as client:
        for path in PATHS:
            assert HSTS not in client.get(path, follow_redirects=False).headers, path
