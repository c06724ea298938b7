"""Structured logs: every record carries the id of the request it was written for.

The web middleware (web/middleware/request_context.py) sets `request_id` for the span of a
request; `RequestIdFilter` copies it onto each record, so a formatter can print it and a
log search can gather everything one request caused. `configure` points the root logger
at stderr as one JSON object a line (python-json-logger: what journald, Loki or any log
shipper reads) or as plain text for a terminal.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["json", "text"]

# "-" outside a request (start-up, the worker's jobs): a field that is always there is
# easier to query than one that is sometimes missing.
NO_REQUEST = "-"
request_id: ContextVar[str] = ContextVar("paperwire_request_id", default=NO_REQUEST)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
# The handler `configure` installs, so that configuring twice replaces it.
_HANDLER_NAME = "paperwire"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (the current request's, or "-") to every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


def formatter(log_format: LogFormat) -> logging.Formatter:
    """A formatter for `log_format`. JSON keys: time, level, logger, message, request_id,
    plus whatever a call passed in `extra` (the access log's method, route, status...)."""
    if log_format == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    return logging.Formatter(TEXT_FORMAT)


def configure(log_format: LogFormat = "text", level: str = "INFO") -> logging.Handler:
    """Send the root logger's records to stderr in `log_format` at `level` and above.

    Idempotent: a second call replaces the handler the first installed (each uvicorn
    worker process calls it as it builds its app)."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter(log_format))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
