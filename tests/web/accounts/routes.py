"""Every route of the table (paperwire.web.routes) with sample path parameters, and the
people who call them: what the authorisation matrix, the CSRF sweep and the
GET-changes-nothing test share.

Path parameters get values from PARAMETERS by name. A route with a parameter nobody named
here fails the tests loudly (UnknownParameter): a new route cannot slip past the matrix.
Objects an action may destroy (a comment, a collection, a token) are made afresh for each
request when `fresh` is asked for, all owned by the "user" persona.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

from paperwire.accounts import tokens
from paperwire.accounts.model import User
from paperwire.clock import FakeClock
from paperwire.community import collections, comments
from paperwire.web.app import create_app
from paperwire.web.auth import Access
from paperwire.web.middleware.csrf import CSRF_EXEMPT_PREFIXES
from paperwire.web.routes import ROUTES
from tests.web.accounts.kit import make_user
from tests.web.conftest import Site

PERSONAS = ("anonymous", "user", "other", "unverified", "moderator", "admin")
# Who each access level lets through (by role; ownership is the handlers' business).
ALLOWED: dict[Access, frozenset[str]] = {
    "anyone": frozenset(PERSONAS),
    "user": frozenset({"user", "other", "unverified", "moderator", "admin"}),
    "verified": frozenset({"user", "other", "moderator", "admin"}),
    "moderator": frozenset({"moderator", "admin"}),
    "admin": frozenset({"admin"}),
}
# Parameters that name something the "user" persona owns: on a route that needs an
# account, anybody else who is not staff must get 403 or 404.
OWNED = frozenset({"comment_id", "collection_id", "token_id", "slug"})
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEMO_PAPER = "2602.23229"
# Values that do not depend on who owns what.
FIXED: dict[str, str] = {
    "paper_id": DEMO_PAPER,
    "day": "2026-03-14",
    "week": "2026-W11",
    "month": "2026-03",
    "category": "cs.LG",
    "fmt": "atom",
    "name": "Ada Lovelace",
    # Digest links are signed: any made-up value is a link that is not valid (404).
    "token": "not-a-real-link",
}
PARAMETERS = frozenset(FIXED) | OWNED | {"username"}
# Body fields, by name, for forms and JSON alike: enough for a request to get past input
# checks to the permission checks behind them. "collection_id" is owned (see Cast).
BODY: dict[str, Any] = {
    "body": "A comment from the authorisation matrix.",
    "description": "Made by the authorisation matrix.",
    "public": True,
    "hidden": True,
    "paper_id": DEMO_PAPER,
    "paper": DEMO_PAPER,
    "id": DEMO_PAPER,  # a submission: a paper the catalog lists already (no arXiv call)
    "display_name": "Matrix",
    "bio": "A bio from the matrix.",
    "action": "toggle",
    "value": 1,  # a rating of a paper (api/recommendations.py)
    "next": "/",
    "token": "not-a-real-link",
    "login": "nobody-here",
    "password": "wrong password, surely",
    "current_password": "wrong password, surely",
    "new_password": "another new passphrase",
    "email": "nobody@example.org",
    "collection_id": None,  # filled in by Cast
    "name": None,  # filled in by Cast: unique
    "username": None,  # filled in by Cast: unique
}
# Where 401 or 403 is the answer about what was posted (a wrong password), not about who
# asks: the matrix does not read those as refusals.
CREDENTIAL_CHECKS = frozenset({("POST", "/login")})
_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?}")


class UnknownParameter(AssertionError):
    """A route has a path parameter the sample table does not know."""


def parameters(path: str) -> list[str]:
    return _PARAM.findall(path)


@dataclass(frozen=True)
class Route:
    """A row of the table (method, path, access) and the body fields its handler reads:
    (name, required) pairs."""

    method: str
    path: str
    access: Access
    form: tuple[tuple[str, bool], ...] = ()
    json: tuple[tuple[str, bool], ...] | None = None

    @property
    def fields(self) -> set[str]:
        return {name for name, _ in (*self.form, *(self.json or ()))}


def _body_fields(dependant: Dependant) -> tuple[tuple[tuple[str, bool], ...], Any]:
    form: list[tuple[str, bool]] = []
    json: list[tuple[str, bool]] | None = None
    for param in dependant.body_params:
        info = param.field_info
        model = info.annotation
        if isinstance(info, params.Form):
            form.append((param.alias, info.is_required()))
        elif isinstance(model, type) and issubclass(model, BaseModel):
            json = [(name, f.is_required()) for name, f in model.model_fields.items()]
        else:
            json = (json or []) + [(param.alias, info.is_required())]
    return tuple(form), tuple(json) if json is not None else None


def the_routes(site: Site) -> list[Route]:
    """Every row of the route table, by path then method, with what its route reads from
    the body as the site's app (same settings and catalog) serves it."""
    app = create_app(site.settings, catalog=site.catalog, semantic=False, cache=False)
    bodies = {
        (method, route.path): _body_fields(route.dependant)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    rows = sorted(ROUTES, key=lambda row: (row.path, row.method))
    routes = [
        Route(row.method, row.path, row.access, *bodies[row.method, row.path]) for row in rows
    ]
    unknown = {
        f"{route.method} {route.path}: {name}"
        for route in routes
        for name in parameters(route.path)
        if name not in PARAMETERS
    } | {
        f"{route.method} {route.path}: body field {name}"
        for route in routes
        for name, required in (*route.form, *(route.json or ()))
        if required and name not in BODY
    }
    if unknown:
        raise UnknownParameter(
            "routes with parameters the tests have no sample for (add them to "
            f"tests/web/accounts/routes.py): {sorted(unknown)}"
        )
    return routes


def csrf_exempt(path: str) -> bool:
    return path.startswith(CSRF_EXEMPT_PREFIXES)


@dataclass
class Cast:
    """The personas (anonymous has no account) and samples of what "user" owns."""

    site: Site
    clock: FakeClock
    people: dict[str, User | None] = field(default_factory=dict)
    _fixed: dict[str, str] = field(default_factory=dict)
    _made: int = 0

    @classmethod
    def on(cls, site: Site, clock: FakeClock) -> Cast:
        catalog = site.catalog
        people: dict[str, User | None] = {
            "anonymous": None,
            "user": make_user(catalog, "ada"),
            "other": make_user(catalog, "grace"),
            "unverified": make_user(catalog, "newbie", verified=False),
            "moderator": make_user(catalog, "mod", role="moderator"),
            "admin": make_user(catalog, "root-admin", role="admin"),
        }
        cast = cls(site, clock, people)
        cast._fixed = cast._owned_samples("fixed")
        return cast

    @property
    def owner(self) -> User:
        found = self.people["user"]
        assert found is not None
        return found

    def _owned_samples(self, label: str, needed: frozenset[str] = OWNED) -> dict[str, str]:
        """New objects owned by "user" for the `needed` parameters."""
        catalog, owner = self.site.catalog, self.owner
        self._made += 1
        samples: dict[str, str] = {}
        if "comment_id" in needed:
            # comments allows PER_HOUR an hour: let the fake clock pass between them.
            self.clock.advance(3600 / comments.PER_HOUR + 1)
            comment = comments.add_comment(catalog, owner, DEMO_PAPER, f"A {label} comment.")
            samples["comment_id"] = str(comment.id)
        if needed & {"collection_id", "slug"}:
            collection = collections.create_collection(
                catalog, owner, f"Sample {label} {self._made}", public=True
            )
            collections.add_paper(catalog, owner, collection.id, DEMO_PAPER)
            samples.update(collection_id=str(collection.id), slug=collection.slug)
        if "token_id" in needed:
            _, token = tokens.create_token(catalog, owner, f"sample {label}")
            samples["token_id"] = str(token.id)
        return samples

    def path_for(self, path: str, *, fresh: bool) -> str:
        return self.request_for(Route("GET", path, "anyone"), fresh=fresh)[0]

    def request_for(self, route: Route, *, fresh: bool) -> tuple[str, dict[str, Any]]:
        """The route's path with sample values, and httpx keyword arguments for its body
        (`fresh`: new owned objects for this request)."""
        path = route.path
        needed = OWNED & (frozenset(parameters(path)) | route.fields)
        owned = self._owned_samples("fresh", needed) if fresh and needed else self._fixed
        values = {**FIXED, **owned, "username": self.owner.username}

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise UnknownParameter(f"no sample value for {{{name}}} in {path}")
            return values[name]

        self._made += 1
        samples = {
            **BODY,
            "collection_id": int(owned["collection_id"]) if "collection_id" in owned else 0,
            "name": f"Matrix {self._made}",
            "username": f"matrix{self._made}",
        }
        body: dict[str, Any] = {}
        if route.json is not None:
            fields = {name: samples[name] for name, _ in route.json if name in samples}
            body = {"json": fields}
        elif route.form:
            fields = {name: samples[name] for name, _ in route.form if name in samples}
            body = {
                "data": {
                    k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()
                }
            }
        return _PARAM.sub(fill, path), body


def owner_only(route: Route) -> bool:
    """Routes that act on something the "user" persona owns (named in the path or the
    body), behind an account."""
    named = set(parameters(route.path)) | route.fields
    return route.access != "anyone" and bool(OWNED & named)


# Tables of derived data a read may refresh: a reader's precomputed ranking is recomputed
# when it is read after a new signal (recommend/engine.py `recommend`). The signals it is
# made from are state, and stay checked.
DERIVED = frozenset({"reader_recommendations"})


def database_state(site: Site) -> dict[str, str]:
    """A digest of every table's rows but DERIVED ones: equal digests, nothing changed."""
    engine = site.catalog.engine
    metadata = sa.MetaData()
    metadata.reflect(engine)
    state: dict[str, str] = {}
    with engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            if name in DERIVED:
                continue
            rows = connection.execute(sa.select(table)).all()
            text = "\n".join(sorted(repr(tuple(row)) for row in rows))
            state[name] = f"{len(rows)}:{hashlib.sha256(text.encode()).hexdigest()}"
    return state


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


def describe(response: Any) -> str:
    return f"{response.status_code} {response.headers.get('location', '')} {response.text[:160]!r}"
