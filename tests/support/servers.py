"""Starting real servers for tests: uvicorn on a free loopback port, polled until ready."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread (on `port`, or a free one); yield its base URL;
    stop it on exit."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    else:  # pragma: no cover - only when the server cannot start
        raise RuntimeError("uvicorn did not start")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
