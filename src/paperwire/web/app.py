"""The FastAPI application: the daily list and paper pages (the full UI is a later issue)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.templating import Jinja2Templates

from paperwire import __version__
from paperwire.catalog.ids import parse_arxiv_id
from paperwire.catalog.store import Catalog
from paperwire.config import Settings, load_settings

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))
PAGE_SIZE = 100
# No inline script and nothing fetched from elsewhere: pages are plain server-rendered HTML.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def create_app(settings: Settings | None = None, catalog: Catalog | None = None) -> FastAPI:
    settings = settings or load_settings()
    store = catalog or Catalog.open(settings.catalog_url())
    app = FastAPI(title="paperwire", version=__version__)
    app.state.catalog = store

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.get("/", response_class=HTMLResponse)
    def daily(request: Request, date: str | None = None) -> HTMLResponse:
        day = _parse_day(date) if date else store.latest_listed_on()
        papers = store.list_papers(listed_on=day, limit=PAGE_SIZE) if day else []
        return TEMPLATES.TemplateResponse(
            request, "daily.html", {"day": day, "papers": papers, "title": "Daily papers"}
        )

    @app.get("/papers/{paper_id:path}", response_class=HTMLResponse)
    def paper_page(request: Request, paper_id: str) -> HTMLResponse:
        parsed = parse_arxiv_id(paper_id)
        paper = store.get(parsed[0] if parsed else paper_id)
        if paper is None:
            raise HTTPException(status_code=404, detail="No such paper")
        return TEMPLATES.TemplateResponse(
            request, "paper.html", {"paper": paper, "title": paper.title}
        )

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    return app


def _parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise HTTPException(status_code=400, detail="date must be YYYY-MM-DD") from None
