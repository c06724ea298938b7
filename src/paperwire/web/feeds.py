"""Atom 1.0 and RSS 2.0 feeds: the daily papers, trending, a search, a category.

Every feed is one list of papers (at most FEED_ENTRIES) rendered by feedgen in either
format. Catalog strings are untrusted: characters XML cannot carry are dropped before they
reach lxml (which would raise on them), titles and abstracts stay text (Atom type="text";
RSS descriptions are read as HTML by readers, so they are HTML-escaped once more).

Entry ids are the paper's absolute page URL, from settings.base_url when set (set it:
otherwise ids follow the host name each reader used). Responses carry a strong ETag of
their bytes and answer a matching If-None-Match with 304, so polling readers cost little.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator

from paperwire import __version__
from paperwire.catalog.listing import ListQuery
from paperwire.catalog.model import Paper
from paperwire.catalog.periods import Period
from paperwire.search.query import QueryError
from paperwire.search.searcher import Mode, Sort
from paperwire.urls import category_path, paper_url
from paperwire.web.api.models import site_base
from paperwire.web.api.papers import CATEGORY, Filters, bad_request, open_searcher
from paperwire.web.community_view import trending_list, trending_params
from paperwire.web.context import WebContext, web_context

Context = Annotated[WebContext, Depends(web_context)]

FEED_ENTRIES = 50
MAX_AUTHORS = 50  # a 2,000-author collaboration paper would be mostly names
MEDIA_TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
}
_ETAG = {"ETag": {"description": "The feed's strong validator.", "schema": {"type": "string"}}}
FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An Atom 1.0 (.atom) or RSS 2.0 (.rss) feed.",
        "content": {"application/atom+xml": {}, "application/rss+xml": {}},
        "headers": _ETAG,
    },
    304: {"description": "Unchanged since the ETag given in If-None-Match.", "headers": _ETAG},
    404: {
        "description": "No such feed: the path does not end in .atom or .rss.",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
}


class FeedResponse(Response):
    """A feed: its media type is set per answer (MEDIA_TYPES), none by default."""

    media_type = None


# Everything XML 1.0 cannot carry (C0 controls but tab/LF/CR, surrogates, U+FFFE/U+FFFF),
# plus DEL and the C1 controls, which it can but no reader shows.
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def xml_text(value: str) -> str:
    """Text with every character XML cannot carry removed."""
    return _NOT_XML.sub("", value)


def xml_line(value: str) -> str:
    """One line of XML-safe text (titles, names): CR, LF and runs of spaces become one."""
    return " ".join(xml_text(value).split())


def as_html(text: str) -> str:
    """Plain text as HTML paragraphs, every character escaped (for RSS descriptions)."""
    return "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n") if part)


@dataclass(frozen=True, slots=True)
class FeedSpec:
    title: str
    description: str
    page_path: str  # the HTML page showing the same papers (the feed's alternate link)
    papers: Sequence[Paper]


def _stamp(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def entry_updated(paper: Paper) -> dt.datetime:
    """The latest of the paper's dates: a new version or a new listing moves it up."""
    days = [day for day in (paper.updated, paper.submitted, paper.listed_on) if day]
    return _stamp(max(days)) if days else _EPOCH


def render_feed(spec: FeedSpec, fmt: str, base: str, self_url: str) -> bytes:
    feed = FeedGenerator()
    if fmt == "rss":
        feed.load_extension("dc")  # dc:creator: RSS's own <author> must be an e-mail address
    # The URLs carry the request's raw query string: keep them XML-safe too.
    self_url = xml_line(self_url)
    feed.id(self_url)
    feed.title(xml_line(spec.title))
    feed.description(xml_line(spec.description))
    feed.link(href=self_url, rel="self")
    feed.link(href=xml_line(base + spec.page_path), rel="alternate")
    feed.language("en")
    feed.generator("paperwire", version=__version__)
    # From the papers, never "now": the same papers give the same bytes (and ETag).
    stamps = [entry_updated(paper) for paper in spec.papers]
    feed.updated(max(stamps, default=_EPOCH))
    for paper, updated in zip(spec.papers, stamps, strict=True):
        _add_entry(feed, paper, updated, fmt, base)
    body: bytes = feed.atom_str() if fmt == "atom" else feed.rss_str()
    return with_stylesheet(body)


# Opened in a browser, a feed reads as a page (static/feed.xsl); feed readers ignore it.
FEED_STYLESHEET = b'<?xml-stylesheet type="text/xsl" href="/static/feed.xsl"?>\n'


def with_stylesheet(body: bytes) -> bytes:
    """The feed with the stylesheet's processing instruction after the XML declaration."""
    declaration, newline, rest = body.partition(b"\n")
    if not declaration.startswith(b"<?xml"):
        return FEED_STYLESHEET + body
    return declaration + newline + FEED_STYLESHEET + rest


def _add_entry(
    feed: FeedGenerator, paper: Paper, updated: dt.datetime, fmt: str, base: str
) -> None:
    url = paper_url(base, paper.id)
    entry = feed.add_entry(order="append")
    entry.id(url)
    entry.guid(url, permalink=True)
    entry.title(xml_line(paper.title) or paper.id)
    entry.link(href=url, rel="alternate")
    entry.updated(updated)
    names = [name for name in (xml_line(a) for a in paper.authors[:MAX_AUTHORS]) if name]
    if len(paper.authors) > MAX_AUTHORS:
        names.append(f"and {len(paper.authors) - MAX_AUTHORS} more")
    terms = [term for term in (xml_line(c) for c in paper.categories) if term]
    if terms:
        entry.category([{"term": term} for term in terms])
    abstract = xml_text(paper.abstract).strip()
    if fmt == "atom":
        if names:
            entry.author([{"name": name} for name in names])
        first = paper.submitted or paper.listed_on
        if first:
            entry.published(_stamp(first))
        if abstract:
            entry.summary(abstract, type="text")
    else:
        if names:
            entry.dc.dc_creator(names)
        entry.pubDate(updated)
        # RSS has no "updated"; dc:date is where readers (and feedparser) look for it.
        entry.dc.dc_date(updated.isoformat())
        if abstract:
            entry.description(as_html(abstract), isSummary=True)


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def feed_response(request: Request, web: WebContext, fmt: str, spec: FeedSpec) -> Response:
    base = site_base(request, web.settings)
    query = f"?{request.url.query}" if request.url.query else ""
    body = render_feed(spec, fmt, base, f"{base}{request.url.path}{query}")
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    # no-cache: keep it, but ask again each time (the ETag makes asking cheap).
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept"}
    if _matches(request.headers.get("if-none-match", ""), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=_media_type(request, fmt), headers=headers)


def _media_type(request: Request, fmt: str) -> str:
    """Browsers (which ask for text/html first) show application/atom+xml and rss+xml as
    plain text and never apply the stylesheet; as application/xml they apply feed.xsl. Feed
    readers ask for the feed types or */*, and get them."""
    if "text/html" in request.headers.get("accept", ""):
        return BROWSER_MEDIA_TYPE
    return MEDIA_TYPES[fmt]


BROWSER_MEDIA_TYPE = "application/xml; charset=utf-8"


def feed_format(fmt: str) -> str:
    if fmt not in MEDIA_TYPES:
        raise HTTPException(status_code=404, detail="Feeds end in .atom or .rss")
    return fmt


def daily_feed(request: Request, web: Context, fmt: str) -> Response:
    """The papers of the latest listed day (`.atom` or `.rss`)."""
    fmt = feed_format(fmt)
    latest = web.catalog.latest_listed_on()
    papers: list[Paper] = []
    description = "No papers listed yet."
    if latest is not None:
        day = Period.day(latest)
        query = ListQuery(period=day)
        papers = web.catalog.list_page(query, limit=FEED_ENTRIES, with_total=False).papers
        description = f"Papers listed on {day.label}."
    spec = FeedSpec("paperwire · Daily papers", description, "/", papers)
    return feed_response(request, web, fmt, spec)


def trending_feed(request: Request, web: Context, fmt: str) -> Response:
    """The papers of the trending window by trending score, as on /trending."""
    fmt = feed_format(fmt)
    papers = trending_list(web, limit=FEED_ENTRIES).papers
    days = trending_params(web.settings).window_days
    description = f"Trending papers listed in the {days} days up to the latest listing."
    spec = FeedSpec("paperwire · Trending papers", description, "/trending", papers)
    return feed_response(request, web, fmt, spec)


def search_feed(
    request: Request,
    web: Context,
    fmt: str,
    filters: Filters,
    q: Annotated[str, Query(max_length=2000, description="The search (required).")] = "",
    mode: Mode = "hybrid",
    sort: Sort = "relevance",
) -> Response:
    """The best matches of a search (same parameters as /api/v1/search), up to 50."""
    fmt = feed_format(fmt)
    if not q.strip():
        raise bad_request("q must not be empty")
    searcher = open_searcher(web)
    try:
        results = searcher.search(q, mode=mode, limit=FEED_ENTRIES, filters=filters, sort=sort)
    except QueryError as error:
        raise bad_request(str(error)) from None
    shown = xml_line(q)[:100]
    page = f"/search?{request.url.query}"
    spec = FeedSpec(
        f"paperwire · Search: {shown}",
        f"Papers matching {shown!r}.",
        page,
        [result.paper for result in results],
    )
    return feed_response(request, web, fmt, spec)


def category_feed(request: Request, web: Context, category: str, fmt: str) -> Response:
    """The latest listed papers whose primary category is `category` (cs.CL) or in an
    archive (cs, hep-th)."""
    fmt = feed_format(fmt)
    if len(category) > 64 or not CATEGORY.fullmatch(category):
        raise bad_request(f"invalid category {category[:40]!r} (expected e.g. cs or cs.CL)")
    papers = web.catalog.list_page(
        ListQuery(category=category), limit=FEED_ENTRIES, order="listed", with_total=False
    ).papers
    spec = FeedSpec(
        f"paperwire · {category}",
        f"The latest papers in {category}.",
        category_path(category),
        papers,
    )
    return feed_response(request, web, fmt, spec)
