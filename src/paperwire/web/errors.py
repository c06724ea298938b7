"""Errors, the app's one place for them: JSON with a message under /api/ (HF's shape,
`{"error": ...}`, which /api/v1 shares), the error page elsewhere.

Routes raise; the handlers here answer. An HTTPException, a request that fails validation
(400) and a refusal of the rules (paperwire.errors.CommunityError, with its `status`; a
TooMany also says when to come back, in Retry-After) all become `error_response`. Routes
that answer a refusal by showing their form again with the message catch it themselves.
Any other exception is a 500 with the same page or JSON and the security headers, never
the framework's bare text.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from paperwire.db.availability import RETRY_AFTER_SECONDS, is_unavailable
from paperwire.errors import CommunityError, TooMany
from paperwire.web.middleware.security import add_security_headers
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


SERVER_ERROR = "something went wrong on our side; it has been logged"
_BARE_ERROR_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Error 500</title>"
    f'<section class="error-page"><h1>Error 500</h1><p class="error-message" role="alert">'
    f'{SERVER_ERROR}</p><p><a href="/">Today\'s papers</a></p></section></html>'
)


def unexpected_error_response(request: Request) -> Response:
    """The 500 of an error nobody expected: the error page or JSON; when the page itself
    cannot be rendered (its header looks up the viewer: the database may be what failed),
    the same page without the site's layout."""
    try:
        return error_response(request, 500, SERVER_ERROR)
    except Exception:
        return HTMLResponse(_BARE_ERROR_PAGE, status_code=500)


DATABASE_UNAVAILABLE = "the database is not answering right now; please try again shortly"


def database_unavailable_response(request: Request) -> Response:
    """503 + Retry-After while the database is away (restarting, unreachable, full): the
    error page or JSON; the page without the site's layout when even that needs it."""
    try:
        response = error_response(request, 503, DATABASE_UNAVAILABLE)
    except Exception:  # the page's header looks up the viewer: in the same database
        response = HTMLResponse(
            "<!doctype html><html lang=en><meta charset=utf-8><title>Error 503</title>"
            '<section class="error-page"><h1>Error 503</h1><p class="error-message" '
            f'role="alert">{DATABASE_UNAVAILABLE}</p></section></html>',
            status_code=503,
        )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def database_error(request: Request, error: Exception) -> Response:
    """A database error: 503 when it is the database being away (db/availability.py);
    anything else goes on to the 500 handler."""
    if not is_unavailable(error):
        raise error
    return database_unavailable_response(request)


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
        message = item.get("msg", "invalid")
        if item.get("type") == "string_pattern_mismatch":
            # The regular expression itself reads badly; /docs shows the form in words.
            message = "not in the form the API documents (see /docs)"
        parts.append(f"{location}: {message}" if location else message)
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

    async def server_error(request: Request, error: Exception) -> Response:
        # Starlette runs this handler outside every middleware (and re-raises the error to
        # the server's log afterwards): the security headers are added here.
        # A database that is away fails middleware too (the access check reads the
        # session before any route): 503 there as well, not 500.
        response = (
            database_unavailable_response(request)
            if is_unavailable(error)
            else unexpected_error_response(request)
        )
        settings = getattr(getattr(request.app.state, "web", None), "settings", None)
        add_security_headers(response.headers, request.scope, getattr(settings, "base_url", None))
        # uvicorn closes the connection after an error escaped the app: say so, so that no
        # client sends its next request down a closed connection.
        response.headers["Connection"] = "close"
        return response

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, server_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(CommunityError, refusal)
    app.add_exception_handler(sa.exc.DBAPIError, database_error)
