"""What /openapi.json says on top of each row of the route table (web/routes.py): the
answers that no handler gives but the app gives to any operation, declared where they
happen, so the document names every status an operation really answers.

- 400 for a request that does not match the document: web/errors.py answers validation
  errors 400 (`{"error": ...}`), so FastAPI's 422 and its HTTPValidationError are dropped.
- 401 on every operation that needs an account (web/auth.py); 403 on those that need a
  role or a confirmed address, and on every state-changing one that a session may call
  (the CSRF check, middleware/csrf.py).
- 413 on every operation that takes a body (middleware/body_limit.py).
- Retry-After on every 429 that comes with one (web/errors.py `retry_after`).

Errors are JSON (api/models.py ErrorOut) under /api/ and for .md and .json paths, the
error page elsewhere (the feeds), as web/errors.py `wants_json` decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI

from paperwire.web.api.models import ErrorOut
from paperwire.web.auth import Access

UNSAFE = frozenset({"post", "put", "patch", "delete"})
# Accesses that may be refused with 403 for who the caller is (web/auth.py check_access).
ROLE_BOUND: frozenset[Access] = frozenset({"verified", "moderator", "admin"})
_CONVERTER = re.compile(r":\w+}")

Operations = dict[tuple[str, str], Access]


def install(app: FastAPI, operations: Iterable[tuple[str, str, Access]]) -> None:
    """Make `app.openapi()` complete FastAPI's document with what this module says;
    `operations` are (path as registered, method, access) of the app's routes."""
    access: Operations = {
        (_CONVERTER.sub("}", path), method.lower()): needs for path, method, needs in operations
    }
    framework_document = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            complete(framework_document(), access)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def _json_errors(path: str) -> bool:
    return path.startswith("/api/") or path.endswith((".json", ".md"))


def _error(path: str, description: str) -> dict[str, Any]:
    if _json_errors(path):
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    else:
        content = {"text/html": {"schema": {"type": "string"}}}
    return {"description": description, "content": content}


def complete(schema: dict[str, Any], access: Operations) -> None:
    """Add the app-wide answers to every operation of `schema` (in place)."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            _complete_operation(path, method, operation, access.get((path, method), "anyone"))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components.setdefault("ErrorOut", ErrorOut.model_json_schema())


def _complete_operation(path: str, method: str, operation: dict[str, Any], needs: Access) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    validated = responses.pop("422", None) is not None
    if validated or operation.get("parameters") or "requestBody" in operation:
        responses.setdefault(
            "400", _error(path, "The request does not match this document (the message says how).")
        )
    if needs != "anyone":
        responses.setdefault("401", _error(path, "Not signed in (no valid token or session)."))
    if needs in ROLE_BOUND or (needs != "anyone" and method in UNSAFE):
        responses.setdefault(
            "403",
            _error(
                path,
                "Not allowed: a role or a confirmed address is missing, or (a request made "
                "with a session cookie) the X-CSRF-Token header is.",
            ),
        )
    if "requestBody" in operation:
        responses.setdefault("413", _error(path, "The body is over the size limit."))
    if _json_errors(path):
        # An error model under a route whose answers are markdown is still JSON.
        for code, response in responses.items():
            content = response.get("content")
            if code >= "400" and content and "application/json" not in content:
                response["content"] = {"application/json": next(iter(content.values()))}
    if "429" in responses:
        responses["429"].setdefault("headers", {})["Retry-After"] = {
            "description": "Seconds to wait before trying again (when waiting helps).",
            "required": False,
            "schema": {"type": "integer", "minimum": 0},
        }
    operation["responses"] = dict(sorted(responses.items()))
