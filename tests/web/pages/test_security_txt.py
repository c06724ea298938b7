"""/.well-known/security.txt (RFC 9116) from the settings, over a real server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx

from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.web.pages.security_txt import contact_uri, security_txt_text
from tests.web.conftest import site_over

NOW = dt.datetime(2026, 3, 16, 15, 30, tzinfo=dt.UTC)


def _fields(text: str) -> dict[str, str]:
    pairs = (line.split(": ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return dict(pairs)


def test_served_with_every_field_rfc_9116_asks_for(tmp_path: Path) -> None:
    with site_over(
        tmp_path / "data",
        demo=False,
        clock=FakeClock(NOW),
        base_url="https://papers.example.org",
        security_contact="security@example.org",
    ) as site:
        response = httpx.get(f"{site.url}/.well-known/security.txt", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["x-content-type-options"] == "nosniff"
    fields = _fields(response.text)
    assert fields == {
        "Contact": "mailto:security@example.org",
        "Expires": "2026-09-12T00:00:00Z",
        "Preferred-Languages": "en",
        "Canonical": "https://papers.example.org/.well-known/security.txt",
    }
    expires = dt.datetime.fromisoformat(fields["Expires"].replace("Z", "+00:00"))
    assert NOW < expires < NOW + dt.timedelta(days=365)  # the RFC: under a year ahead


def test_the_contact_falls_back_to_the_mail_sender(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, smtp_from="paperwire <noreply@papers.example.org>")
    assert contact_uri(settings) == "mailto:noreply@papers.example.org"
    uri = Settings(data_dir=tmp_path, security_contact="https://example.org/report")
    assert contact_uri(uri) == "https://example.org/report"


def test_without_a_real_contact_there_is_no_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)  # From: paperwire@localhost reaches nobody
    assert security_txt_text(settings, "http://127.0.0.1", NOW) is None
    with site_over(tmp_path / "data", demo=False) as site:
        response = httpx.get(f"{site.url}/.well-known/security.txt", timeout=30)
    assert response.status_code == 404
