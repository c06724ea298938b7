"""Paper paths and absolute links."""

from __future__ import annotations

from pathlib import Path

from paperwire import urls
from paperwire.config import Settings


def test_paper_urls_keep_the_old_style_slash() -> None:
    assert urls.paper_path("2403.01234") == "/papers/2403.01234"
    assert urls.paper_path("hep-th/9901001") == "/papers/hep-th/9901001"
    assert urls.paper_path("a b?c#d") == "/papers/a%20b%3Fc%23d"


def test_links_use_the_base_url_else_host_and_port(tmp_path: Path) -> None:
    assert urls.public_url(Settings(base_url="https://p.example.org/"), "/a?b=1") == (
        "https://p.example.org/a?b=1"
    )
    assert urls.public_url(Settings(host="0.0.0.0", port=8123), "x") == "http://0.0.0.0:8123/x"


def test_request_base_prefers_the_setting_and_absolute_paper_urls() -> None:
    assert urls.request_base(Settings(), "http://internal:9000/") == "http://internal:9000"
    configured = Settings(base_url="https://p.example.org/")
    assert urls.request_base(configured, "http://internal:9000/") == "https://p.example.org"
    assert urls.paper_url("https://p.example.org/", "hep-th/9901001") == (
        "https://p.example.org/papers/hep-th/9901001"
    )
