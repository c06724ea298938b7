"""The authorisation matrix, generated from the route table (paperwire.web.routes): EVERY
route (method, path) called by EVERY persona (anonymous, user, other user, unverified
user, moderator, admin) with sample path parameters, over a real site. What each must get
follows from the access the table gives the route (and the app enforces, web/auth.py):

- anonymous on a route that needs an account: 401 (a GET page: 303 to /login?next=...);
- signed in with too low a role (or an unconfirmed address where "verified" is asked): 403;
- allowed: neither 401 nor 403;
- on a route acting on something "user" owns (comment, collection, token): anybody else
  who is not a moderator or admin gets 403 or 404; the owner gets neither;
- nobody ever gets a 5xx, also with hostile path values (huge, negative, not a number).

Unsafe requests carry a valid CSRF token (the CSRF sweep is in test_security.py), so the
matrix sees authorisation only. Also here: docs/community.md's routes table is the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from paperwire.clock import FakeClock
from paperwire.web.routes import ROUTES
from tests.web.accounts import docs_table
from tests.web.accounts.kit import account_site, session_headers, use_quick_hashing
from tests.web.accounts.routes import (
    ALLOWED,
    CREDENTIAL_CHECKS,
    OWNED,
    PARAMETERS,
    PERSONAS,
    UNSAFE,
    Cast,
    Route,
    UnknownParameter,
    describe,
    owner_only,
    parameters,
    the_routes,
)
from tests.web.conftest import Site

STAFF = frozenset({"moderator", "admin"})


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, clock: FakeClock) -> Iterator[Site]:
    with account_site(tmp_path_factory.mktemp("matrix") / "data", clock=clock) as served:
        yield served


@pytest.fixture(scope="module")
def cast(site: Site, clock: FakeClock) -> Cast:
    with pytest.MonkeyPatch.context() as patch:
        use_quick_hashing(patch)
        return Cast.on(site, clock)


@pytest.fixture(scope="module")
def http(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        yield client


def _call(http: httpx.Client, cast: Cast, route: Route, persona: str) -> httpx.Response:
    """One request of the matrix: a fresh session for the persona (a logout or a password
    change in an earlier request cannot spoil a later one), and for an unsafe request
    fresh objects owned by "user" (a delete cannot spoil a later one either)."""
    path, body = cast.request_for(route, fresh=route.method in UNSAFE)
    headers = session_headers(cast.site, cast.people[persona])
    http.cookies.clear()  # only the persona's own cookies, never ones set by an answer
    return http.request(route.method, path, headers=headers, **body)


def _is_page(route: Route) -> bool:
    return route.method == "GET" and not route.path.startswith("/api/")


def _problems(route: Route, persona: str, answer: httpx.Response) -> list[str]:
    status = answer.status_code
    owned = owner_only(route)
    if status >= 500:
        return ["server error"]
    if persona not in ALLOWED[route.access]:
        if persona == "anonymous":
            to_login = status == 303 and answer.headers["location"].startswith("/login?next=")
            if status == 401 or (_is_page(route) and to_login):
                return []
            return ["wanted 401" + (", or 303 to /login" if _is_page(route) else "")]
        return [] if status == 403 else ["wanted 403 (role too low)"]
    if (route.method, route.path) in CREDENTIAL_CHECKS:
        return []
    if owned and persona == "user" and status in (401, 403, 404):
        return ["the owner was refused"]
    if owned and persona not in STAFF | {"user"}:
        return [] if status in (403, 404) else ["somebody else's thing: wanted 403 or 404"]
    if owned and persona in STAFF:
        # Whether staff may act on a member's things is the library's rule (moderators
        # hide comments rather than edit them): only a 401 would be wrong here.
        return ["wanted a signed-in answer (not 401)"] if status == 401 else []
    if status in (401, 403):
        return ["wanted access (not 401/403)"]
    return []


def test_every_route_for_every_persona(site: Site, cast: Cast, http: httpx.Client) -> None:
    routes = the_routes(site)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for route in routes:
        for persona in PERSONAS:
            answer = _call(http, cast, route, persona)
            statuses[answer.status_code] += 1
            failures += [
                f"{route.method} {route.path} [{route.access}] as {persona}: "
                f"{problem}; got {describe(answer)}"
                for problem in _problems(route, persona, answer)
            ]
    print(
        f"\nauthorisation matrix: {len(routes)} routes x {len(PERSONAS)} personas = "
        f"{len(routes) * len(PERSONAS)} requests; {sum(map(owner_only, routes))} owner-only "
        f"routes; statuses {sorted(statuses.items())}"
    )
    assert not failures, "\n".join(failures)
    # It covers what it should: every level in use, pages and API, owned things.
    assert len(routes) >= 20 and any(map(owner_only, routes))
    assert {"anyone", "user"} <= {route.access for route in routes}


def test_hostile_path_values_never_break_the_server(site: Site, cast: Cast) -> None:
    """Ids that are huge, negative or not numbers, names with odd bytes: 4xx, never 5xx
    (asked as the owner, who gets furthest into the handlers)."""
    hostile = ("99999999999999999999999", "-1", "abc", "%00", "..%2F..%2Fetc")
    failures: list[str] = []
    for route in the_routes(site):
        for name in [name for name in parameters(route.path) if name in OWNED | {"username"}]:
            for value in hostile:
                path, body = cast.request_for(
                    replace(route, path=route.path.replace("{" + name + "}", value)), fresh=False
                )
                # A connection of its own: uvicorn drops the connection after a 500.
                answer = httpx.request(
                    route.method,
                    f"{site.url}{path}",
                    headers=session_headers(site, cast.owner),
                    timeout=30,
                    **body,
                )
                if answer.status_code >= 500:
                    failures.append(f"{route.method} {path}: {describe(answer)}")
    assert not failures, "\n".join(failures)


def test_routes_with_unknown_parameters_fail_loudly(site: Site, cast: Cast) -> None:
    with pytest.raises(UnknownParameter, match="widget_id"):
        cast.path_for("/widgets/{widget_id}", fresh=False)
    assert {"paper_id", "username", "comment_id", "collection_id", "token_id"} <= PARAMETERS


def test_docs_route_table_is_the_route_table() -> None:
    """docs/community.md lists every route with its access (regenerate it with
    `.venv/bin/python -m tests.web.accounts.docs_table`)."""
    documented = docs_table.documented_table(docs_table.DOC.read_text(encoding="utf-8"))
    assert documented is not None, f"no generated routes table in {docs_table.DOC}"
    expected = docs_table.markdown_table(ROUTES)
    assert documented == expected, (
        "docs/community.md's routes table is out of date: run "
        "`.venv/bin/python -m tests.web.accounts.docs_table`"
    )


def test_docs_table_rewrite_keeps_the_rest(tmp_path: Path) -> None:
    text = f"# Doc\n\n## Routes and roles\n\n{docs_table.START}\nold\n{docs_table.END}\n\nAfter.\n"
    rewritten = docs_table.rewrite(text, "| new |")
    assert rewritten == text.replace("\nold\n", "\n| new |\n")
