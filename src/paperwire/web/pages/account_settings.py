"""A person's public profile, and one's own settings: profile, password, API tokens,
logging out other browsers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import Response

from paperwire.accounts import auth as community_auth
from paperwire.accounts import sessions, tokens
from paperwire.accounts import users as accounts
from paperwire.community import profiles
from paperwire.errors import CommunityError, TooMany
from paperwire.signing import token_hash
from paperwire.web.api.account import TokenId
from paperwire.web.auth import (
    CurrentViewer,
    Viewer,
)
from paperwire.web.context import WebContext
from paperwire.web.pages.account_kit import (
    DONE,
    Context,
    LongText,
    Secret,
    client_ip,
    page,
    see_other,
    signed_in,
    start_session,
)


def profile_page(request: Request, web: Context, current: CurrentViewer, username: str) -> Response:
    found = profiles.profile(web.catalog, username, current.user)
    wanted = [item.paper_id for item in found.submissions] + found.upvoted
    papers = {paper.id: paper for paper in web.catalog.get_many(wanted, with_sources=False)}
    context = {
        "title": found.user.display_name or found.user.username,
        "profile": found,
        "public": found.user.public(),
        "papers": papers,
    }
    return page(request, web, "profile.html", context, forms=False)


def _settings_page(
    request: Request,
    web: WebContext,
    current: Viewer,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    done: str | None = None,
    new_token: str | None = None,
) -> Response:
    user = signed_in(current)
    this_session = token_hash(current.session_id) if current.session_id else None
    context = {
        "title": "Settings",
        "user": user,
        "form": form or {"display_name": user.display_name, "bio": user.bio},
        "errors": errors or {},
        "done": DONE.get(done or ""),
        "new_token": new_token,
        "tokens": tokens.list_tokens(web.catalog, user),
        "sessions": sessions.list_sessions(web.catalog, user),
        "this_session": this_session,
    }
    return page(request, web, "settings.html", context, status)


def settings_page(
    request: Request,
    web: Context,
    current: CurrentViewer,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    return _settings_page(request, web, current, done=done)


def save_profile(
    request: Request,
    web: Context,
    current: CurrentViewer,
    display_name: LongText = "",
    bio: LongText = "",
) -> Response:
    changes = {"display_name": display_name, "bio": bio}
    try:
        accounts.update_profile(web.catalog, signed_in(current), changes)
    except CommunityError as error:
        field = "display_name" if "display_name" in str(error) else "bio"
        return _settings_page(
            request, web, current, status=400, errors={field: str(error)}, form=changes
        )
    return see_other("/settings?done=profile")


def change_password(
    request: Request,
    web: Context,
    current: CurrentViewer,
    current_password: Secret = "",
    new_password: Secret = "",
) -> Response:
    try:
        user = community_auth.change_password(
            web.catalog,
            web.settings,
            signed_in(current),
            current_password,
            new_password,
            ip=client_ip(request),
        )
    except TooMany:
        raise  # throttled like logins: the error page, 429 with Retry-After
    except community_auth.WrongPassword as error:
        errors = {"current_password": str(error)}
        return _settings_page(request, web, current, status=400, errors=errors)
    except CommunityError as error:
        errors = {"new_password": str(error)}
        return _settings_page(request, web, current, status=400, errors=errors)
    # Every session ended, this one too: this browser carries on with a new one.
    return start_session(request, web, user, "/settings?done=password")


def create_token(
    request: Request,
    web: Context,
    current: CurrentViewer,
    name: Annotated[str, Form(max_length=tokens.NAME_MAX * 2)] = "",
    password: Secret = "",
) -> Response:
    try:
        secret, _ = community_auth.make_api_token(
            web.catalog,
            web.settings,
            signed_in(current),
            name=name,
            password=password,
            ip=client_ip(request),
            from_session=current.via == "session",
        )
    except community_auth.WrongPassword as error:
        errors = {"token_password": str(error)}
        return _settings_page(request, web, current, status=400, errors=errors)
    # Shown in this response only (no redirect: the token must never sit in a URL).
    return _settings_page(request, web, current, new_token=secret)


def revoke_token(web: Context, current: CurrentViewer, token_id: TokenId) -> Response:
    tokens.revoke_token(web.catalog, signed_in(current), token_id)
    return see_other("/settings?done=token-revoked")


def revoke_other_sessions(request: Request, web: Context, current: CurrentViewer) -> Response:
    user = signed_in(current)
    accounts.revoke_all_credentials(web.catalog, user.id, keep_tokens=True)
    return start_session(request, web, user, "/settings?done=sessions")
