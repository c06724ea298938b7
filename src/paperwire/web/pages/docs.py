"""/docs: the API's Swagger UI, served from this site's own files.

FastAPI's default page loads Swagger UI from a CDN and starts it with an inline script;
the Content-Security-Policy (script-src 'self', nothing external) forbids both. This page
loads the vendored copy (`make static`) and a small script of ours that points it at
/openapi.json.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from paperwire.web.templating import TEMPLATES


def api_docs(request: Request) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "api_docs.html", {"title": "API"})
