"""Errors, the app's one place for them: JSON with a message under /api/ (HF's shape,
`{"error": ...}`, which /api/v1 shares), the error page elsewhere.

Routes raise; the handlers here answer. An HTTPException, a request that fails validation
(400) and a refusal of the rules (paperwire.errors.CommunityError, with its `status`; a
TooMany also says when to come back, in Retry-After) all become `error_response`. Routes
that answer a refusal by showing their form again with the message catch it themselves.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from paperwire.errors import CommunityError, TooMany
from paperwire.web.templating import TEMPLATES


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.endswith((".json", ".md"))


def error_response(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    if status == 401 and request.method == "GET":
        # A page that needs an account: log in, then come back here.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?{urlencode({'next': target})}", status_code=303)
    return TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {"title": f"Error {status}", "status": status, "message": message},
        status_code=status,
    )


def retry_after(error: CommunityError) -> dict[str, str]:
    """The Retry-After header of a refusal, when waiting helps (a TooMany that knows how
    long); no headers otherwise."""
    if isinstance(error, TooMany) and error.retry_after:
        return {"Retry-After": str(error.retry_after)}
    return {}


def _validation_message(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        location = ".".join(str(part) for part in item.get("loc", ()) if part != "query")
        parts.append(f"{location}: {item.get('msg', 'invalid')}" if location else item["msg"])
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        detail: Any = error.detail
        message = detail if isinstance(detail, str) else "request failed"
        response = error_response(request, error.status_code, message)
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    async def validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        return error_response(request, 400, _validation_message(error))

    async def refusal(request: Request, error: Exception) -> Response:
        assert isinstance(error, CommunityError)
        response = error_response(request, error.status, str(error))
        response.headers.update(retry_after(error))
        return response

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(CommunityError, refusal)
