"""/healthz: what a load balancer or a supervisor polls; "ok" while the process answers."""

from __future__ import annotations

from fastapi.responses import PlainTextResponse


def healthz() -> PlainTextResponse:
    return PlainTextResponse("ok")
