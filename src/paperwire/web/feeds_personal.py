"""The private "For you" feed: one reader's recommendations at a secret URL.

`/feeds/for-you/{token}.atom` (or `.rss`) needs no session, so feed readers can poll it: the
token is the credential (recommend/feed_tokens.py keeps only its hash). An unknown or
revoked token is a 404, the same as a feed that never was. Each answer says it is private
(no shared caches, no indexing, no Referer carrying the URL off the site); the site's
anonymous response cache is emptied by any database commit, a revocation included.
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from fastapi.responses import Response

from paperwire.recommend import feed_tokens
from paperwire.web.feeds import FEED_ENTRIES, Context, FeedSpec, feed_format, feed_response
from paperwire.web.for_you_view import basis_of, recommender

NOT_FOUND = "No such feed: the link is wrong or has been revoked."


def for_you_feed(request: Request, web: Context, token: str, fmt: str) -> Response:
    """The reader's recommendations, best first (at most 50)."""
    fmt = feed_format(fmt)
    reader = feed_tokens.reader_for(web.catalog.engine, token)
    if reader is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    page = recommender(request, web).recommend(reader, limit=FEED_ENTRIES)
    basis = basis_of(web, reader, page)
    spec = FeedSpec(
        "paperwire · For you",
        basis.text,
        "/for-you",
        [item.paper for item in page.items],
    )
    response = feed_response(request, web, fmt, spec)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
