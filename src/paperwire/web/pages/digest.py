"""Digest pages: subscribe, confirm, preferences, unsubscribe, feedback, and the admin preview.

Routes and who may use them (web/routes.py has the roles; everything but the preview is
reached from a link in a mail or the subscribe form: signed links are the authority, no
login or cookie is involved):

| route                                   | who                                           |
| GET/POST /digest/subscribe              | anyone (rate-limited per address and per IP)  |
| GET/POST /digest/confirm/{token}        | holder of a single-use confirmation token     |
| GET/POST /digest/preferences/{token}    | holder of the subscriber's signed link        |
| GET/POST /unsubscribe/{token}           | holder of the signed link; POST is RFC 8058   |
|                                         | one-click (no cookie, no CSRF token, 200)     |
| GET /digest/feedback/{token}?paper=&vote= | holder of a digest's signed 👍/👎 link       |
| GET /admin/digest/preview?email=        | admins (the admin role)                       |

GETs change nothing, except feedback (one click by design): mail scanners fetch links, so
confirming and unsubscribing need the button on the page. Forms carry the app's CSRF token
(middleware/csrf.py); /unsubscribe/ is the app's one CSRF exemption, for RFC 8058.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from paperwire.accounts.mail_limits import MailLimits
from paperwire.community.trending import TrendingParams
from paperwire.digest.compose import Composer
from paperwire.digest.model import MAX_PAPERS, InvalidInput, Preferences, Subscriber
from paperwire.digest.render import Renderer
from paperwire.digest.schedule import WEEKDAYS, time_zones
from paperwire.digest.subscriptions import RateLimited, Subscriptions
from paperwire.signing import secret_key
from paperwire.urls import paper_path
from paperwire.web.auth import set_pre_session_cookie, viewer
from paperwire.web.context import SearchUnavailable, WebContext, web_context
from paperwire.web.middleware.csrf import csrf_token_for
from paperwire.web.templating import TEMPLATES

Context = Annotated[WebContext, Depends(web_context)]
_NOT_FOUND = "This link is not valid (it may be incomplete, or the address was removed)."


def _subscriptions(web: WebContext) -> Subscriptions:
    return Subscriptions(web.catalog, secret_key(web.settings), MailLimits.of(web.settings))


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    web: WebContext = request.app.state.web
    context = {"csrf_token": csrf_token_for(request, None, web), **context}
    response = TEMPLATES.TemplateResponse(
        request, f"digest/{template}", context, status_code=status
    )
    pre_session = getattr(request.state, "pre_session", None)
    if pre_session:
        set_pre_session_cookie(request, response, pre_session)
    return response


def _message(
    request: Request,
    title: str,
    *lines: str,
    links: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Response:
    context = {"title": title, "lines": lines, "links": links or []}
    return _page(request, "message.html", context, status)


def _link_target(web: WebContext, token: str, purpose: Any) -> tuple[Subscriber, Any]:
    found = _subscriptions(web).from_link(token, purpose)
    if found is None:
        raise HTTPException(status_code=404, detail=_NOT_FOUND)
    return found


def _split_topics(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# -- subscribing -------------------------------------------------------------------


def subscribe_form(request: Request) -> Response:
    return _page(request, "subscribe.html", {"title": "Subscribe", "email": "", "topics": ""})


def subscribe(
    request: Request,
    web: Context,
    email: Annotated[str, Form(max_length=320)] = "",
    topics: Annotated[str, Form(max_length=2500)] = "",
) -> Response:
    account = viewer(request, web).user  # a signed-in subscriber's account, if any
    try:
        preferences = Preferences.build(topics=_split_topics(topics))
        _subscriptions(web).subscribe(
            email,
            ip=request.client.host if request.client else None,
            user_id=account.id if account is not None else None,
            preferences=preferences,
        )
    except InvalidInput as error:
        context = {"title": "Subscribe", "email": email, "topics": topics, "error": str(error)}
        return _page(request, "subscribe.html", context, status=400)
    except RateLimited as limited:
        wait = {"Retry-After": str(limited.retry_after)} if limited.retry_after else None
        raise HTTPException(
            status_code=429,
            detail="Too many subscriptions from your network; try again later.",
            headers=wait,
        ) from None
    # The same answer whether the address is new, pending, subscribed or suppressed.
    return _message(
        request,
        "Check your inbox",
        "If the address can get our mail, a confirmation link is on its way.",
        "Nothing is sent until you click it; the link expires in 3 days.",
    )


def confirm_page(request: Request, token: str) -> Response:
    context = {
        "title": "Confirm your subscription",
        "question": "Start getting the paperwire digest at this address?",
        "action": f"/digest/confirm/{token}",
        "button": "Yes, subscribe me",
    }
    return _page(request, "action.html", context)


def confirm(request: Request, web: Context, token: str) -> Response:
    subscriptions = _subscriptions(web)
    result = subscriptions.confirm(token)
    if result.subscriber is None:
        message = {
            "expired": "This confirmation link has expired: subscribe again for a new one.",
        }.get(result.outcome, "This confirmation link is not valid.")
        return _message(
            request,
            "Not confirmed",
            message,
            links=[("Subscribe", "/digest/subscribe")],
            status=404,
        )
    preferences = "/digest/preferences/" + subscriptions.link(result.subscriber, "preferences")
    return _message(
        request,
        "You are subscribed",
        f"{result.subscriber.email} will get the paperwire digest.",
        links=[("Choose when and what", preferences)],
    )


# -- the subscriber's links --------------------------------------------------------


def _preferences_context(
    subscriptions: Subscriptions, subscriber: Subscriber, token: str, prefs: Any, **extra: Any
) -> dict[str, Any]:
    return {
        "title": "Digest preferences",
        "email": subscriber.email,
        "status": subscriber.status,
        "prefs": prefs,
        "zones": sorted(time_zones()),
        "weekdays": WEEKDAYS,
        "max_papers": MAX_PAPERS,
        "action": f"/digest/preferences/{token}",
        "unsubscribe_url": "/unsubscribe/" + subscriptions.link(subscriber, "unsubscribe"),
        **extra,
    }


def preferences_page(request: Request, web: Context, token: str) -> Response:
    subscriber, _ = _link_target(web, token, "preferences")
    context = _preferences_context(_subscriptions(web), subscriber, token, subscriber.preferences)
    return _page(request, "preferences.html", context)


def save_preferences(
    request: Request,
    web: Context,
    token: str,
    frequency: Annotated[str, Form(max_length=10)] = "daily",
    weekday: Annotated[int, Form(ge=0, le=6)] = 0,
    hour: Annotated[int, Form(ge=0, le=23)] = 8,
    timezone: Annotated[str, Form(max_length=64)] = "UTC",
    paper_count: Annotated[int, Form(ge=1, le=MAX_PAPERS)] = 10,
    topics: Annotated[str, Form(max_length=2500)] = "",
) -> Response:
    subscriber, _ = _link_target(web, token, "preferences")
    subscriptions = _subscriptions(web)
    raw: dict[str, Any] = {
        "frequency": frequency,
        "weekday": weekday,
        "hour": hour,
        "timezone": timezone,
        "paper_count": paper_count,
        "topics": _split_topics(topics),
    }
    try:
        preferences = Preferences.build(**raw)
    except InvalidInput as error:
        context = _preferences_context(subscriptions, subscriber, token, raw, error=str(error))
        return _page(request, "preferences.html", context, status=400)
    updated = subscriptions.update_preferences(subscriber.id, preferences)
    context = _preferences_context(subscriptions, updated, token, updated.preferences, saved=True)
    return _page(request, "preferences.html", context)


def unsubscribe_page(request: Request, web: Context, token: str) -> Response:
    subscriber, _ = _link_target(web, token, "unsubscribe")
    context = {
        "title": "Unsubscribe",
        "question": f"Stop sending the paperwire digest to {subscriber.email}?",
        "action": f"/unsubscribe/{token}",
        "button": "Unsubscribe",
    }
    return _page(request, "action.html", context)


def unsubscribe(request: Request, web: Context, token: str) -> Response:
    """Also RFC 8058 one-click: mail providers POST `List-Unsubscribe=One-Click` here
    without cookies; any body is accepted and the answer is 200."""
    subscriber, _ = _link_target(web, token, "unsubscribe")
    _subscriptions(web).unsubscribe(subscriber.id)
    return _message(
        request,
        "Unsubscribed",
        f"{subscriber.email} gets no more digests. Sorry to see you go.",
        links=[("Subscribe again", "/digest/subscribe")],
    )


def feedback(
    request: Request,
    web: Context,
    token: str,
    paper: Annotated[str, Query(max_length=200)] = "",
    vote: Annotated[int, Query(ge=-1, le=1)] = 1,
) -> Response:
    subscriber, claim = _link_target(web, token, "feedback")
    if not _subscriptions(web).rate(subscriber, claim.digest_id, paper, vote):
        raise HTTPException(status_code=404, detail="This paper was not in that digest.")
    what = "more" if vote > 0 else "fewer"
    return _message(
        request,
        "Thanks for the feedback",
        f"Noted: {what} papers like this one in future digests.",
        links=[("The paper", paper_path(paper)), ("Today's papers", "/")],
    )


# -- admin -------------------------------------------------------------------------


def preview(request: Request, web: Context, email: str = "") -> Response:
    """The digest `email` would get if it were composed now (nothing is recorded). Links
    in it are signed with a throwaway key: a preview cannot be used to unsubscribe."""
    subscriber = _subscriptions(web).by_email(email) if email else None
    if subscriber is None:
        raise HTTPException(status_code=404, detail="No subscriber with this address.")
    try:
        searcher = web.searcher.get()
    except SearchUnavailable:
        searcher = None
    trending = TrendingParams.from_settings(web.settings)
    digest = Composer(web.catalog, searcher, trending).preview(subscriber, web.catalog.clock.now())
    if not digest.parts:
        return _message(request, "Nothing to send", f"{subscriber.email} has no new papers now.")
    renderer = Renderer(web.catalog, web.settings, secrets.token_bytes(32))
    content = renderer.digest(subscriber, digest.payload())
    return HTMLResponse(content.html, headers={"Cache-Control": "no-store"})
