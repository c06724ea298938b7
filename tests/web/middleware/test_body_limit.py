"""Request bodies are bounded and read only for a request that may make them
(web/middleware/body_limit.py): over real uvicorn, with bodies streamed from a generator
(the test never holds them) and the server's memory measured while they come."""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from paperwire.accounts import sessions, tokens
from paperwire.accounts.security import csrf_token
from paperwire.web.auth import SESSION_COOKIE
from paperwire.web.middleware.security import CONTENT_SECURITY_POLICY
from tests.support.community import add_paper, make_user, quick_hashing
from tests.web.conftest import Site, site_over

__all__ = ["quick_hashing"]  # the autouse fixture, imported to apply here too

PAPER = "2401.00001"
MiB = 2**20
CHUNK = b"x" * (64 * 1024)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with site_over(tmp_path_factory.mktemp("limits") / "data", demo=False) as served:
        yield served


@pytest.fixture(scope="module")
def paper(site: Site) -> str:
    return add_paper(site.catalog, PAPER)


def _stream_post(site: Site, path: str, total: int, headers: dict[str, str]) -> tuple[int, int]:
    """POST `total` bytes to `path` chunked, as fast as the server takes them, stopping as
    soon as it answers (or stops reading); returns (status, bytes sent)."""
    url = urlsplit(site.url)
    sock = socket.create_connection((url.hostname or "", url.port or 80), timeout=10)
    lines = [f"POST {path} HTTP/1.1", f"Host: {url.netloc}", "Transfer-Encoding: chunked"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sent = 0
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.settimeout(2)
        frame = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break  # the answer came before the body was all sent
            try:
                sock.sendall(frame)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                break  # the server stopped reading
            sent += len(CHUNK)
        sock.settimeout(10)
        answer = sock.recv(65536)
    finally:
        sock.close()
    return int(answer.split(b" ", 2)[1]), sent


def _rss() -> int:
    # uvicorn serves in a thread of this process (tests/support/servers.py).
    return int(psutil.Process().memory_info().rss)


@pytest.mark.parametrize("path", [f"/api/v1/papers/{PAPER}/comments", f"/papers/{PAPER}/comments"])
def test_a_huge_anonymous_post_is_refused_before_it_is_read(
    site: Site, paper: str, path: str
) -> None:
    total = 50 * MiB
    before = _rss()
    status, sent = _stream_post(site, path, total, {"Content-Type": "application/json"})
    grew = _rss() - before
    assert status in (401, 403, 413)
    assert sent < total, "the server read the whole body before it answered"
    assert grew < 10 * MiB, f"the server grew by {grew / MiB:.1f} MiB for a refused body"


def test_a_huge_anonymous_form_post_with_a_pre_session_is_refused_before_it_is_read(
    site: Site, paper: str
) -> None:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "pw_pre=some-pre-session",
    }
    status, sent = _stream_post(site, f"/papers/{PAPER}/comments", 50 * MiB, headers)
    assert status == 403
    assert sent < 50 * MiB


def test_a_declared_oversized_body_is_refused_before_it_is_sent(site: Site) -> None:
    url = urlsplit(site.url)
    with socket.create_connection((url.hostname or "", url.port or 80), timeout=10) as sock:
        sock.sendall(
            f"POST /signup HTTP/1.1\r\nHost: {url.netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {300 * MiB}\r\n\r\n".encode()
        )
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert CONTENT_SECURITY_POLICY.encode() in answer
    assert b"Error 413" in answer  # the site's own error page


@pytest.fixture
def bearer(site: Site) -> dict[str, str]:
    user = make_user(site.catalog, "writer")
    secret, _ = tokens.create_token(site.catalog, user, "tests")
    return {"Authorization": f"Bearer {secret}"}


def test_an_oversized_authorised_json_body_gets_413(
    site: Site, paper: str, bearer: dict[str, str]
) -> None:
    path = f"/api/v1/papers/{PAPER}/comments"
    big = json.dumps({"body": "y" * (2 * MiB)})
    declared = httpx.post(
        site.url + path, content=big, headers={**bearer, "Content-Type": "application/json"}
    )
    assert declared.status_code == 413
    assert "limit" in declared.json()["error"]

    def chunks() -> Iterator[bytes]:
        yield b'{"body": "'
        for _ in range(32):
            yield CHUNK
        yield b'"}'

    streamed = httpx.post(
        site.url + path, content=chunks(), headers={**bearer, "Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert "limit" in streamed.json()["error"]
    assert streamed.headers["content-security-policy"] == CONTENT_SECURITY_POLICY

    normal = httpx.post(site.url + path, json={"body": "A normal comment."}, headers=bearer)
    assert normal.status_code == 201, normal.text


def test_an_oversized_form_post_of_a_signed_in_browser_gets_the_413_page(
    site: Site, paper: str
) -> None:
    user = make_user(site.catalog, "former")
    session = sessions.create_session(site.catalog, user)
    form = {"csrf_token": csrf_token(site.settings, session), "body": "z" * (100 * 1024)}
    answer = httpx.post(
        f"{site.url}/papers/{PAPER}/comments", data=form, cookies={SESSION_COOKIE: session}
    )
    assert answer.status_code == 413
    assert "Error 413" in answer.text
    small = httpx.post(
        f"{site.url}/papers/{PAPER}/comments",
        data={**form, "body": "A short one."},
        cookies={SESSION_COOKIE: session},
    )
    assert small.status_code == 303, small.text
