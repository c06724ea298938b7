"""/for-you/preferences: what a new reader's recommendations start from, and the private feed.

Cold start: categories to follow (the catalog's known ones, as checkboxes), authors and
saved searches (one per line), and papers one likes, pasted (arXiv ids or URLs) or uploaded
(BibTeX, or CSL-JSON as Zotero exports it). An import's report (added, unknown, errors) is
shown on the page it answers; an import the library refuses (too many ids, a malformed
file) writes nothing and says why. Uploads are bounded by the pages' body limit
(PAPERWIRE_MAX_FORM_BYTES, middleware/body_limit.py): a bigger file is a 413 page.

Feed links: a secret URL per link, shown once on the page that made it (never in a URL
we redirect to); revoking one makes its feed a 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from paperwire.catalog.listing import primary_categories
from paperwire.errors import CommunityError, NotFound
from paperwire.recommend import feed_tokens, interests
from paperwire.recommend.interests import ImportReport
from paperwire.urls import absolute
from paperwire.web.api.models import site_base
from paperwire.web.auth import CurrentViewer, Viewer
from paperwire.web.community_view import page_viewer
from paperwire.web.context import WebContext, web_context
from paperwire.web.for_you_view import reader_of, recommender
from paperwire.web.pages.account_kit import see_other
from paperwire.web.params import MAX_ROW_ID
from paperwire.web.templating import TEMPLATES

Context = Annotated[WebContext, Depends(web_context)]
# Generous for one person's lists; the library has the exact rules (interests.MAX_PER_KIND).
ListText = Annotated[str, Form(max_length=40_000)]
PastedIds = Annotated[str, Form(max_length=2_000_000)]
MAX_CATEGORIES = 300
DONE = {
    "saved": "Your topics are saved: your picks are updated.",
    "revoked": "The feed link is revoked: its feed is gone.",
}


def _page(
    request: Request,
    web: WebContext,
    current: Viewer,
    *,
    status: int = 200,
    done: str | None = None,
    error: str | None = None,
    import_error: str | None = None,
    report: ImportReport | None = None,
    pasted: str = "",
    new_feed_url: str | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    reader = reader_of(current)
    follows = interests.interests(web.catalog.engine, reader)
    categories = primary_categories(web.catalog.engine, limit=MAX_CATEGORIES)
    chosen = set(form["categories"]) if form else set(follows.categories)
    # A followed category the catalog no longer lists stays visible (and checked).
    categories += sorted(chosen - set(categories))
    context = {
        "title": "For you: preferences",
        "member": page_viewer(request, web),
        "categories": categories,
        "chosen": chosen,
        "authors": form["authors"] if form else "\n".join(follows.authors),
        "queries": form["queries"] if form else "\n".join(follows.queries),
        "done": DONE.get(done or ""),
        "error": error,
        "import_error": import_error,
        "report": report,
        "pasted": pasted,
        "feed_tokens": feed_tokens.list_tokens(web.catalog.engine, reader),
        "new_feed_url": new_feed_url,
        "max_form_kib": web.settings.max_form_bytes // 1024,
    }
    response = TEMPLATES.TemplateResponse(
        request, "for_you_preferences.html", context, status_code=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def preferences_page(
    request: Request,
    web: Context,
    current: CurrentViewer,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    return _page(request, web, current, done=done)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def save_preferences(
    request: Request,
    web: Context,
    current: CurrentViewer,
    categories: Annotated[list[str] | None, Form(max_length=MAX_CATEGORIES + 1)] = None,
    authors: ListText = "",
    queries: ListText = "",
) -> Response:
    """Replace the followed categories, authors and saved searches; re-rank at once."""
    reader = reader_of(current)
    chosen = list(categories or [])
    try:
        interests.set_interests(
            web.catalog.engine, reader, chosen, _lines(authors), _lines(queries)
        )
    except CommunityError as error:
        form = {"categories": chosen, "authors": authors, "queries": queries}
        return _page(request, web, current, status=error.status, error=str(error), form=form)
    recommender(request, web).refresh_reader(reader)
    return see_other("/for-you/preferences?done=saved")


def import_form(
    request: Request,
    web: Context,
    current: CurrentViewer,
    papers: PastedIds = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Seed one's likes with pasted ids or an uploaded BibTeX / CSL-JSON file."""
    text, filename = papers, None
    if file is not None and file.filename:
        # Already bounded: the body limit middleware stopped anything bigger.
        raw = file.file.read()
        try:
            text, filename = raw.decode("utf-8-sig"), file.filename
        except UnicodeDecodeError:
            return _import_failed(request, web, current, "the file is not UTF-8 text", papers)
    if not text.strip():
        return _import_failed(request, web, current, "paste some arXiv ids or pick a file", "")
    reader = reader_of(current)
    try:
        report = interests.import_papers(
            web.catalog, web.catalog.engine, web.catalog.clock, reader, text, filename
        )
    except CommunityError as error:
        return _import_failed(request, web, current, str(error), papers, error.status)
    recommender(request, web).refresh_reader(reader)
    return _page(request, web, current, report=report)


def _import_failed(
    request: Request, web: WebContext, current: Viewer, message: str, pasted: str, status: int = 400
) -> Response:
    # Long pastes are not echoed back whole: the page would be as big as the paste.
    shown = pasted if len(pasted) <= 20_000 else ""
    return _page(request, web, current, status=status, import_error=message, pasted=shown)


def create_feed_token(request: Request, web: Context, current: CurrentViewer) -> Response:
    """A new private feed link, shown in this answer only."""
    try:
        secret = feed_tokens.create(web.catalog.engine, web.catalog.clock, reader_of(current))
    except CommunityError as error:
        return _page(request, web, current, status=error.status, error=str(error))
    url = absolute(site_base(request, web.settings), f"/feeds/for-you/{secret}.atom")
    return _page(request, web, current, new_feed_url=url)


def revoke_feed_token(
    web: Context,
    current: CurrentViewer,
    feed_token: Annotated[int, Form(ge=0, le=MAX_ROW_ID)] = 0,
) -> Response:
    """Revoke one of one's feed links (another reader's looks absent: 404)."""
    if feed_token == 0:
        raise NotFound("no such feed link")
    feed_tokens.revoke(web.catalog.engine, reader_of(current), feed_token, web.catalog.clock)
    return see_other("/for-you/preferences?done=revoked")
