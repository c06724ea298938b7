"""logs.py: records carry the current request id; JSON lines parse; configure is idempotent."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from paperwire import logs


@pytest.fixture
def root_handlers() -> Iterator[None]:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    yield
    root.handlers[:] = saved
    root.setLevel(level)


def _render(log_format: logs.LogFormat, message: str, **extra: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter(log_format))
    handler.addFilter(logs.RequestIdFilter())
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(message, extra=extra)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_a_json_line_names_the_request_and_keeps_extra_fields() -> None:
    token = logs.request_id.set("req-42")
    try:
        line = _render("json", "héllo", route="/papers/{paper_id:path}", status=200)
    finally:
        logs.request_id.reset(token)
    record = json.loads(line)
    assert record["message"] == "héllo"
    assert record["request_id"] == "req-42"
    assert record["level"] == "WARNING"
    assert record["logger"] == "tests.logs"
    assert record["route"] == "/papers/{paper_id:path}" and record["status"] == 200
    assert "time" in record
    assert "héllo" in line  # not escaped to \\u00e9


def test_outside_a_request_the_id_is_a_dash() -> None:
    assert json.loads(_render("json", "start-up"))["request_id"] == logs.NO_REQUEST
    assert "[-] start-up" in _render("text", "start-up")


def test_text_lines_show_the_request_id() -> None:
    token = logs.request_id.set("abc")
    try:
        assert "WARNING tests.logs [abc] plain" in _render("text", "plain")
    finally:
        logs.request_id.reset(token)


def test_configure_twice_leaves_one_handler(root_handlers: None) -> None:
    logs.configure("json", "WARNING")
    logs.configure("text", "DEBUG")
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "paperwire"]
    assert len(ours) == 1
    assert not isinstance(ours[0].formatter, type(logs.formatter("json")))
    assert logging.getLogger().level == logging.DEBUG
