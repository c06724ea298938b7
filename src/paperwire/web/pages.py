"""HTML pages: the daily list and the paper page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from paperwire.catalog.ids import parse_arxiv_id
from paperwire.catalog.listing import ListQuery
from paperwire.catalog.periods import Period, PeriodError, parse_day
from paperwire.web.context import WebContext, web_context
from paperwire.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)
Context = Annotated[WebContext, Depends(web_context)]
PAGE_SIZE = 100


@router.get("/", response_class=HTMLResponse)
def daily(request: Request, web: Context, date: str | None = None) -> HTMLResponse:
    try:
        period = parse_day(date) if date else None
    except PeriodError as error:
        raise HTTPException(status_code=400, detail=str(error)) from None
    if period is None:
        latest = web.catalog.latest_listed_on()
        period = Period.day(latest) if latest else None
    papers = (
        web.catalog.list_page(ListQuery(period=period), limit=PAGE_SIZE).papers if period else []
    )
    return TEMPLATES.TemplateResponse(
        request,
        "daily.html",
        {"day": period.start if period else None, "papers": papers, "title": "Daily papers"},
    )


@router.get("/papers/{paper_id:path}", response_class=HTMLResponse)
def paper_page(request: Request, web: Context, paper_id: str) -> HTMLResponse:
    parsed = parse_arxiv_id(paper_id)
    paper = web.catalog.get(parsed[0] if parsed else paper_id)
    if paper is None:
        raise HTTPException(status_code=404, detail="No such paper")
    return TEMPLATES.TemplateResponse(request, "paper.html", {"paper": paper, "title": paper.title})
