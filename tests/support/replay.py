"""A local HTTP server that replays recorded responses, for tests of remote sources.

Routes map (path, frozenset of query items) -> a list of responses served in turn (the last
one repeats). Every request is logged so tests can assert on what was asked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml; charset=utf-8"


@dataclass
class ReplayServer:
    base_url: str
    routes: dict[tuple[str, frozenset[tuple[str, str]]], list[Reply]]
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def add(self, path: str, query: dict[str, str], *replies: Reply) -> None:
        self.routes[(path, frozenset(query.items()))] = list(replies)


@contextmanager
def replay_server() -> Iterator[ReplayServer]:
    """Start a replay server on a free loopback port; stop it on exit."""
    routes: dict[tuple[str, frozenset[tuple[str, str]]], list[Reply]] = {}
    state = ReplayServer(base_url="", routes=routes)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            with lock:
                state.requests.append((parts.path, query))
                replies = routes.get((parts.path, frozenset(query.items())))
                if replies is None:
                    reply = Reply(404, b"not recorded", content_type="text/plain")
                else:
                    reply = replies.pop(0) if len(replies) > 1 else replies[0]
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
