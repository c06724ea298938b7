"""The signed-in person's own account over JSON: /api/v1/me and its API tokens.

Clients authenticate with `Authorization: Bearer pw_...` (a token made on /settings or by
POST /api/v1/me/tokens from a browser session, with the account's password: a token cannot
mint tokens), or with the browser's session cookie plus the `X-CSRF-Token`
header for changes (web/auth.py and middleware/csrf.py check them). Anonymous requests
get 401 JSON; refusals of the rules are answered by web/errors.py.

Mass assignment is harmless: PATCH /api/v1/me reads only display_name and bio, and
community.accounts.update_profile applies nothing else (role, is_admin, email_verified,
username... in a body change nothing).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from paperwire.accounts import auth as community_auth
from paperwire.accounts import passwords, tokens
from paperwire.accounts import users as accounts
from paperwire.accounts.model import Role, User
from paperwire.web.api.models import ErrorOut, json_response
from paperwire.web.auth import CurrentViewer
from paperwire.web.context import WebContext, web_context
from paperwire.web.middleware.csrf import csrf_token_for
from paperwire.web.params import RowId

Context = Annotated[WebContext, Depends(web_context)]
# Ids are database integers in range of their column (web/params.py).
TokenId = RowId

# What each error of these routes means, for /openapi.json (web/routes.py names the
# statuses each route documents).
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Invalid input (a wrong password included)"},
    401: {"model": ErrorOut, "description": "Not signed in (no valid token or session)"},
    403: {
        "model": ErrorOut,
        "description": "CSRF check failed (session requests); a token may not make tokens",
    },
    404: {"model": ErrorOut, "description": "No such token of yours"},
    429: {
        "model": ErrorOut,
        "description": "Too many tokens, or too many wrong passwords (see Retry-After)",
    },
}


class MeOut(BaseModel):
    """The signed-in account, as its owner sees it (the email address included)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "ada",
                    "display_name": "Ada Lovelace",
                    "bio": "Analytical engines.",
                    "email": "ada@example.org",
                    "email_verified": True,
                    "role": "user",
                    "created_at": "2026-03-14T09:30:00Z",
                    "profile_url": "/users/ada",
                }
            ]
        }
    )
    username: str
    display_name: str
    bio: str
    email: str
    email_verified: bool
    role: Role
    created_at: dt.datetime
    profile_url: str


class MePatch(BaseModel):
    """The fields a person may change; any other key is ignored."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"display_name": "Ada L.", "bio": "Engines."}]},
    )
    display_name: str | None = Field(default=None, max_length=accounts.DISPLAY_NAME_MAX)
    bio: str | None = Field(default=None, max_length=accounts.BIO_MAX)


class TokenOut(BaseModel):
    """An API token as lists show it: never the token itself, only its first characters."""

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class TokenList(BaseModel):
    tokens: list[TokenOut]


class TokenCreate(BaseModel):
    name: str = Field(default="", max_length=tokens.NAME_MAX, description="A label for lists")
    password: str = Field(
        default="",
        max_length=passwords.MAX_LENGTH + 1,
        description="The account's password (checked and throttled like a login)",
    )


class TokenCreated(TokenOut):
    """The new token: `token` is shown this once (only its hash is kept)."""

    token: str = Field(description="Send as `Authorization: Bearer <token>`")


def me_out(user: User) -> MeOut:
    return MeOut(
        username=user.username,
        display_name=user.display_name or user.username,
        bio=user.bio,
        email=user.email,
        email_verified=user.email_verified,
        role=user.role,
        created_at=user.created_at,
        profile_url=f"/users/{user.username}",
    )


def _token_out(token: tokens.ApiToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
    )


def _user(current: CurrentViewer) -> User:
    assert current.user is not None  # the route needs "user" (web/routes.py)
    return current.user


# get_me's description in /openapi.json (one line: a docstring would wrap it).
GET_ME_DESCRIPTION = (
    "With a session cookie the answer also carries an `X-CSRF-Token` header: "
    "send it back with PATCH, POST and DELETE requests made with that session."
)


def get_me(request: Request, web: Context, current: CurrentViewer) -> Response:
    response = json_response(me_out(_user(current)))
    if current.via == "session":
        response.headers["X-CSRF-Token"] = csrf_token_for(request, None, web)
        response.headers["Cache-Control"] = "no-store"
    return response


def patch_me(web: Context, current: CurrentViewer, changes: MePatch) -> Response:
    wanted = changes.model_dump(exclude_unset=True, exclude_none=True)
    updated = accounts.update_profile(web.catalog, _user(current), wanted)
    return json_response(me_out(updated))


def list_my_tokens(web: Context, current: CurrentViewer) -> Response:
    found = tokens.list_tokens(web.catalog, _user(current))
    return json_response(TokenList(tokens=[_token_out(token) for token in found]))


def create_my_token(
    request: Request, web: Context, current: CurrentViewer, body: TokenCreate
) -> Response:
    """Only with a browser session (403 for a bearer token) and the password."""
    secret, made = community_auth.make_api_token(
        web.catalog,
        web.settings,
        _user(current),
        name=body.name,
        password=body.password,
        ip=request.client.host if request.client else None,
        from_session=current.via == "session",
    )
    created = TokenCreated(**_token_out(made).model_dump(), token=secret)
    response = json_response(created, status_code=201)
    response.headers["Cache-Control"] = "no-store"
    return response


def revoke_my_token(web: Context, current: CurrentViewer, token_id: TokenId) -> Response:
    tokens.revoke_token(web.catalog, _user(current), token_id)
    return Response(status_code=204)
