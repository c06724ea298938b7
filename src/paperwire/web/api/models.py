"""Response models of paperwire's own API (/api/v1) and how catalog values become them.

The models are the API's contract: FastAPI puts them in /openapi.json (with the examples),
and every response is built through them, so what the docs say is what clients get.
Counts (upvotes, comments, stars, submitter) come only from community.engagement, so
the API, the pages and the feeds never disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from paperwire.catalog.model import Paper
from paperwire.community.engagement import Engagement
from paperwire.config import Settings
from paperwire.urls import paper_url, request_base

LINK_KINDS = ("abs", "pdf", "doi", "code", "project")

_PAPER_EXAMPLE: dict[str, Any] = {
    "id": "2602.23229",
    "arxiv_id": "2602.23229",
    "title": "Large Multimodal Models as General In-Context Classifiers",
    "abstract": "Which multimodal model should we use for classification? ...",
    "authors": ["Marco Garosi", "Matteo Farina", "Alessandro Conti"],
    "categories": ["cs.CV"],
    "version": 1,
    "submitted": "2026-02-26",
    "updated": None,
    "listed_on": "2026-03-06",
    "doi": None,
    "journal_ref": None,
    "comments": None,
    "license": None,
    "withdrawn": False,
    "links": {
        "abs": "https://arxiv.org/abs/2602.23229",
        "pdf": "https://arxiv.org/pdf/2602.23229",
        "doi": None,
        "code": "https://github.com/marco-garosi/CIRCLE",
        "project": "https://circle-lmm.github.io/",
    },
    "upvotes": 10,
    "num_comments": 1,
    "submitted_by": "marco-garosi",
    "github_stars": 9,
    "url": "https://papers.example.org/papers/2602.23229",
}


def _example(value: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [value]})


class ErrorOut(BaseModel):
    """Every error of /api/v1: a status code and one message."""

    model_config = _example({"error": "No such paper"})
    error: str


class PaperLinks(BaseModel):
    """The first link of each kind (null when the paper has none)."""

    abs: str | None = Field(None, description="arXiv abstract page.")
    pdf: str | None = Field(None, description="PDF.")
    doi: str | None = Field(None, description="https://doi.org/... of the published version.")
    code: str | None = Field(None, description="Code repository (GitHub, GitLab...).")
    project: str | None = Field(None, description="Project page.")


class PaperOut(BaseModel):
    """One paper: catalog metadata, engagement counts and the URL of its page here."""

    model_config = _example(_PAPER_EXAMPLE)

    id: str = Field(
        description="arXiv id without version (2403.01234, hep-th/9901001), or a "
        "title slug for a paper with no arXiv id."
    )
    arxiv_id: str | None = Field(description="The arXiv id, null for slug ids.")
    title: str
    abstract: str
    authors: list[str]
    categories: list[str] = Field(description="arXiv categories, primary first.")
    version: int | None = Field(description="Latest arXiv version known.")
    submitted: dt.date | None = Field(description="First submission (ISO date).")
    updated: dt.date | None = Field(description="Latest revision (ISO date).")
    listed_on: dt.date | None = Field(description="The day the paper was listed (ISO date).")
    doi: str | None
    journal_ref: str | None
    comments: str | None
    license: str | None
    withdrawn: bool
    links: PaperLinks
    upvotes: int
    num_comments: int
    submitted_by: str | None = Field(description="User name of whoever submitted it, if any.")
    github_stars: int | None
    url: str = Field(description="The paper's page on this site.")


class PaperList(BaseModel):
    """One page of a listing. Follow `next` until it is null to read the whole listing."""

    model_config = _example(
        {
            "items": [_PAPER_EXAMPLE],
            "total": 67,
            "limit": 1,
            "offset": 0,
            "next": "https://papers.example.org/api/v1/papers?date=2026-03-14&limit=1&offset=1",
        }
    )

    items: list[PaperOut]
    total: int = Field(description="How many papers the listing holds (all pages).")
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page; null on the last page.")


class HighlightRun(BaseModel):
    type: Literal["text", "highlight"]
    text: str


class Highlights(BaseModel):
    """The title and an abstract snippet, split into runs; `highlight` runs match the query.

    Plain text: render each run's text escaped (it is never markup)."""

    title: list[HighlightRun]
    summary: list[HighlightRun]


class SearchHit(BaseModel):
    paper: PaperOut
    score: float = Field(description="Relevance (higher is better; comparable within a query).")
    highlights: Highlights


class SearchResponse(BaseModel):
    model_config = _example(
        {
            "items": [
                {
                    "paper": _PAPER_EXAMPLE,
                    "score": 7.25,
                    "highlights": {
                        "title": [
                            {"type": "text", "text": "Large "},
                            {"type": "highlight", "text": "Multimodal"},
                            {"type": "text", "text": " Models as General In-Context Classifiers"},
                        ],
                        "summary": [{"type": "text", "text": "Which multimodal model ..."}],
                    },
                }
            ],
            "limit": 20,
            "offset": 0,
            "mode": "keyword",
            "next": None,
        }
    )

    items: list[SearchHit]
    limit: int
    offset: int
    mode: Literal["hybrid", "keyword", "semantic"] = Field(
        description="The mode actually used: hybrid and semantic fall back to keyword while "
        "no vectors are indexed."
    )
    next: str | None = Field(description="URL of the next page; null when this page was short.")


class SimilarHit(BaseModel):
    paper: PaperOut
    score: float


class SimilarResponse(BaseModel):
    model_config = _example(
        {"paper_id": "2602.23229", "method": "keyword", "items": [], "limit": 10}
    )

    paper_id: str
    method: Literal["semantic", "keyword"] = Field(
        description="semantic: nearest by meaning (vectors); keyword: papers sharing the "
        "title's words, while no vector is indexed for the paper."
    )
    limit: int
    items: list[SimilarHit]


class FeedFormats(BaseModel):
    atom: str
    rss: str


class FeedOut(BaseModel):
    name: str
    title: str
    description: str
    formats: FeedFormats


class FeedTemplate(BaseModel):
    """A family of feeds: fill the {placeholders} (URL-encoded) to get one."""

    name: str
    title: str
    description: str
    formats: FeedFormats = Field(description="URL templates (RFC 6570 level 1).")
    parameters: dict[str, str] = Field(description="Every parameter, with what it means.")


class FeedsInfo(BaseModel):
    feeds: list[FeedOut]
    templates: list[FeedTemplate]


class IndexState(BaseModel):
    built: bool
    generation: str | None
    applied_seq: int = Field(description="The last catalog change (or vector) applied.")


class StatsOut(BaseModel):
    model_config = _example(
        {
            "papers": 268,
            "withdrawn": 0,
            "first_listed_on": "2007-03-31",
            "last_listed_on": "2026-03-14",
            "change_seq": 3,
            "by_source": {"arxiv-snapshot": 200, "hf-daily": 1, "hf-listing": 67},
            "keyword_index": {"built": True, "generation": "gen-000001", "applied_seq": 3},
            "vector_index": {"built": False, "generation": None, "applied_seq": 0},
            "keyword_index_behind": 0,
            "semantic_enabled": True,
        }
    )

    papers: int
    withdrawn: int
    first_listed_on: dt.date | None
    last_listed_on: dt.date | None
    change_seq: int = Field(description="The catalog's change counter (grows with every write).")
    by_source: dict[str, int] = Field(description="Papers each source contributed to.")
    keyword_index: IndexState
    vector_index: IndexState
    keyword_index_behind: int = Field(
        description="Catalog changes the keyword index has not applied yet."
    )
    semantic_enabled: bool = Field(description="Whether this server searches by meaning.")


# -- building responses ---------------------------------------------------------------


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """Serialise once with pydantic (FastAPI would dump and validate the model again)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


def site_base(request: Request, settings: Settings) -> str:
    """Where this site is reached (paperwire.urls.request_base) for this request."""
    return request_base(settings, str(request.base_url))


def paper_out(paper: Paper, engagement: Engagement, base: str) -> PaperOut:
    links = {kind: None for kind in LINK_KINDS} | {
        kind: urls[0] for kind in LINK_KINDS if (urls := paper.links_of(kind))
    }
    return PaperOut(
        id=paper.id,
        arxiv_id=paper.arxiv_id,
        title=paper.title,
        abstract=paper.abstract,
        authors=paper.authors,
        categories=paper.categories,
        version=paper.version,
        submitted=paper.submitted,
        updated=paper.updated,
        listed_on=paper.listed_on,
        doi=paper.doi,
        journal_ref=paper.journal_ref,
        comments=paper.comments,
        license=paper.license,
        withdrawn=paper.withdrawn,
        links=PaperLinks(**links),
        upvotes=engagement.upvotes,
        num_comments=engagement.num_comments,
        submitted_by=engagement.submitted_by,
        github_stars=engagement.github_stars,
        url=paper_url(base, paper.id),
    )


FEED_PARAMETERS = {
    "q": "the search, same syntax as /api/v1/search (required)",
    "mode": "hybrid (default), keyword or semantic",
    "sort": "relevance (default), date or trending",
    "submitted, listed_on": "date ranges: 2024-03-01..2024-03-31, 2024-03.., ..2024, 2024-03-14",
    "categories": "comma-separated; an archive (cs) matches all of it",
    "has_code": "true or false",
    "min_upvotes": "a whole number",
}


def feeds_info(base: str) -> FeedsInfo:
    """The site's feeds (feeds.py serves exactly these paths)."""

    def formats(path: str, query: str = "") -> FeedFormats:
        return FeedFormats(atom=f"{base}{path}.atom{query}", rss=f"{base}{path}.rss{query}")

    return FeedsInfo(
        feeds=[
            FeedOut(
                name="daily",
                title="Daily papers",
                description="The papers of the latest listed day.",
                formats=formats("/feeds/daily"),
            ),
            FeedOut(
                name="trending",
                title="Trending papers",
                description="The papers of the trending window (the latest listing days), "
                "by trending score.",
                formats=formats("/feeds/trending"),
            ),
        ],
        templates=[
            FeedTemplate(
                name="search",
                title="Search results",
                description="Papers matching a search, best first (up to 50).",
                formats=formats("/feeds/search", "?q={q}"),
                parameters=FEED_PARAMETERS,
            ),
            FeedTemplate(
                name="category",
                title="Category",
                description="The latest listed papers whose primary category is {category}.",
                formats=formats("/feeds/category/{category}"),
                parameters={"category": "an arXiv category (cs.CL) or archive (cs, hep-th)"},
            ),
        ],
    )
