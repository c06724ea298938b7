"""A cache of whole responses for anonymous GETs, invalidated by any database commit.

Most traffic is anonymous people and feed readers asking for the same few pages; rendering
one costs milliseconds, replaying it microseconds. An entry is reused only while the
database version it was made under (catalog/changes.py) is still current and it is younger
than `max_age_seconds` (trending scores age with the clock). Requests that carry a cookie
or an Authorization header are never served from or stored in the cache: they may see
per-person state.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Headers whose presence means the response may depend on who is asking.
_PERSONAL_HEADERS = (b"cookie", b"authorization")


@dataclass(frozen=True, slots=True)
class _Entry:
    version: object
    stored_at: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCache:
    """Bounded LRU of responses, by entries and by bytes."""

    def __init__(self, *, max_entries: int = 4096, max_bytes: int = 64 * 2**20) -> None:
        self._entries: OrderedDict[bytes, _Entry] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: bytes, version: object, oldest: float) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None or entry.version != version or entry.stored_at < oldest:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: bytes, entry: _Entry) -> None:
        if len(entry.body) > self._max_bytes // 16:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._entries[key] = entry
        self._bytes += len(entry.body)
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)

    def __len__(self) -> int:
        return len(self._entries)


class CacheMiddleware:
    """Pure ASGI (no per-request framework work on a hit)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        version: Callable[[], object],
        prefixes: Iterable[str],
        exact: Iterable[str] = ("/",),
        cache: ResponseCache | None = None,
        max_age_seconds: float = 60.0,
    ) -> None:
        self.app = app
        self.version = version
        self.prefixes = tuple(prefixes)
        self.exact = frozenset(exact)
        self.cache = cache or ResponseCache()
        self.max_age_seconds = max_age_seconds
        # One render per key at a time: a burst of requests for a page that just went stale
        # waits for the first one's response instead of rendering it 64 times over.
        self._rendering: dict[bytes, asyncio.Event] = {}

    def _cacheable(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        path: str = scope["path"]
        if path not in self.exact and not path.startswith(self.prefixes):
            return False
        return not any(name in _PERSONAL_HEADERS for name, _ in scope["headers"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable(scope):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        # The Host header is part of the key: without PAPERWIRE_BASE_URL, absolute links
        # (feeds, API `next`) are built from it, and one forged Host must not reach others.
        key = (
            headers.get(b"host", b"") + b" " + scope["path"].encode() + b"?" + scope["query_string"]
        )
        if b"text/html" in headers.get(b"accept", b""):
            key += b" html"  # feeds answer browsers as application/xml (web/feeds.py; Vary)
        version = self.version()
        now = time.monotonic()
        entry = self.cache.get(key, version, now - self.max_age_seconds)
        rendering = self._rendering.get(key)
        if entry is None and rendering is not None:
            await rendering.wait()
            entry = self.cache.get(key, version, now - self.max_age_seconds)
        if entry is not None:
            if _not_modified(entry, headers.get(b"if-none-match")):
                kept = [(k, v) for k, v in entry.headers if k not in _BODY_HEADERS]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send(
                {"type": "http.response.start", "status": entry.status, "headers": entry.headers}
            )
            await send({"type": "http.response.body", "body": entry.body})
            return
        done = self._rendering[key] = asyncio.Event()
        try:
            await self._render(scope, receive, send, key, version, now)
        finally:
            done.set()
            if self._rendering.get(key) is done:
                del self._rendering[key]

    async def _render(
        self, scope: Scope, receive: Receive, send: Send, key: bytes, version: object, now: float
    ) -> None:

        started: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and _storable(started):
                    self.cache.put(
                        key,
                        _Entry(
                            version,
                            now,
                            int(started["status"]),
                            list(started.get("headers", [])),
                            b"".join(chunks),
                        ),
                    )
            await send(message)

        await self.app(scope, receive, capture)


_BODY_HEADERS = (b"content-length", b"content-type")


def _not_modified(entry: _Entry, if_none_match: bytes | None) -> bool:
    """RFC 9110 13.1.2: a cached ETag matching If-None-Match (weak comparison) means 304."""
    if not if_none_match:
        return False
    etag = next((value for name, value in entry.headers if name == b"etag"), None)
    if etag is None:
        return False
    if if_none_match.strip() == b"*":
        return True
    wanted = {tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")}
    return etag.removeprefix(b"W/") in wanted


def _storable(started: Message) -> bool:
    if started.get("status") != 200:
        return False
    for name, value in started.get("headers", []):
        if name == b"set-cookie":
            return False
        if name == b"cache-control" and (b"no-store" in value or b"private" in value):
            return False
    return True
