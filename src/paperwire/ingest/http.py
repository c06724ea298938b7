"""A polite HTTP client for remote sources (arXiv, Hugging Face).

- waits at least `min_interval` seconds between two requests (arXiv asks for 3 s);
- honours HTTP 503/429 with Retry-After (seconds or an HTTP date), capped at `max_wait`;
- retries connection errors and 5xx answers with exponential backoff, up to `retries` times.
Time comes from an injected Clock, so tests replay all of this without sleeping.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from paperwire.clock import Clock, SystemClock

RETRY_STATUSES = {429, 500, 502, 503, 504}


Result = TypeVar("Result")


class RemoteError(Exception):
    """A remote source failed for good (after retries, or with a 4xx that retrying won't fix)."""


class PoliteClient:
    def __init__(
        self,
        *,
        user_agent: str,
        min_interval: float = 0.0,
        timeout: float = 60.0,
        retries: int = 5,
        max_wait: float = 600.0,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.min_interval = min_interval
        self.retries = retries
        self.max_wait = max_wait
        self.clock: Clock = clock or SystemClock()
        self._last_request: float | None = None
        self._client = httpx.Client(
            headers={"User-Agent": user_agent},
            timeout=timeout,
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _wait_turn(self) -> None:
        if self._last_request is not None:
            elapsed = self.clock.monotonic() - self._last_request
            if elapsed < self.min_interval:
                self.clock.sleep(self.min_interval - elapsed)
        self._last_request = self.clock.monotonic()

    def get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """GET with politeness and retries; returns a 2xx response or raises RemoteError."""

        def fetch() -> tuple[httpx.Response, httpx.Response | None]:
            response = self._client.get(url, params=params)
            return response, response if response.status_code < 400 else None

        return self._with_retries(url, fetch)

    def get_capped(self, url: str, max_bytes: int) -> bytes:
        """The body of a GET, with the same politeness and retries, read no further than
        `max_bytes` (a bigger one, by Content-Length or by what arrives, is TooLarge)."""

        def fetch() -> tuple[httpx.Response, bytes | None]:
            with self._client.stream("GET", url) as response:
                if response.status_code < 400:
                    return response, _read_capped(url, response, max_bytes)
                return response, None

        return self._with_retries(url, fetch)

    def _with_retries(
        self, url: str, fetch: Callable[[], tuple[httpx.Response, Result | None]]
    ) -> Result:
        """Run `fetch` in turn until it gives a result: connection errors and 5xx answers
        are retried with exponential backoff (or the server's Retry-After), other 4xx fail."""
        backoff = max(self.min_interval, 1.0)
        last_problem = ""
        for attempt in range(self.retries + 1):
            self._wait_turn()
            try:
                response, result = fetch()
            except httpx.TransportError as error:
                last_problem = f"{type(error).__name__}: {error}"
            else:
                if result is not None:
                    return result
                last_problem = f"HTTP {response.status_code}"
                if response.status_code not in RETRY_STATUSES:
                    raise RemoteError(f"{url}: {last_problem}")
                retry_after = parse_retry_after(response.headers.get("Retry-After"), self.clock)
                if retry_after is not None and attempt < self.retries:
                    self.clock.sleep(min(retry_after, self.max_wait))
                    continue
            if attempt < self.retries:
                self.clock.sleep(min(backoff, self.max_wait))
                backoff *= 2
        raise RemoteError(f"{url}: {last_problem} after {self.retries + 1} attempts")


class TooLarge(RemoteError):
    """A body over the size a caller accepts; not retried."""


def _read_capped(url: str, response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"{url}: {declared} bytes, more than {max_bytes}")
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise TooLarge(f"{url}: more than {max_bytes} bytes")
    return bytes(body)


def parse_retry_after(value: str | None, clock: Clock) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - clock.now()).total_seconds())
