"""Every page of the site, in a real browser at a desktop (1280 px) and a phone (390 px)
width: it answers 200, nothing makes it scroll sideways, and axe-core finds no serious or
critical accessibility violation.

The pages come from the route table (every GET page row of paperwire.web.routes), so a
new page cannot be forgotten: a row with no example URL below fails `test_every_page_row_
has_an_example`. axe-core comes from node_modules (npm, pinned in package-lock.json, a
devDependency that `make static` never copies): it is injected into the page by the test,
the product does not ship it, and nothing is fetched from the network.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import argon2
import pytest
from playwright.sync_api import Browser, Page, Route

from paperwire.accounts import passwords, sessions
from paperwire.accounts import users as accounts
from paperwire.catalog.periods import Period
from paperwire.community import collections, comments
from paperwire.web.auth import SESSION_COOKIE
from paperwire.web.routes import ROUTES
from paperwire.web.routing import PAGE
from tests.support.factories import subscriptions
from tests.web.conftest import Site, site_over
from tests.web.test_browser import chromium

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)
PAPER = "0704.0001"
UNBALANCED_DOLLAR = "0704.0200"  # its abstract has a lone $: KaTeX must not widen the page
READER = "reader"  # an admin, so every page opens to it


@dataclass(frozen=True)
class Example:
    """One URL of a page row: whether the reader is signed in, and the status it must
    answer (the digest's token pages open with a made-up link: a clean 404 page)."""

    url: str
    signed_in: bool = False
    status: int = 200


@dataclass
class Samples:
    """The values the example URLs need, taken from the site (the demo's dates may move)."""

    day: str
    week: str
    month: str
    username: str
    slug: str
    comment_id: int | str
    session: str = ""  # the signed-in reader's session cookie


# For each GET page path of the route table, the URLs that show it. A callable builds them
# from the site's samples.
Examples = Callable[[Samples], list[Example]]
EXAMPLES: dict[str, Examples] = {
    "/": lambda s: [Example("/"), Example("/", signed_in=True)],
    "/papers/date/{day}": lambda s: [Example(f"/papers/date/{s.day}")],
    "/papers/week/{week}": lambda s: [Example(f"/papers/week/{s.week}")],
    "/papers/month/{month}": lambda s: [Example(f"/papers/month/{s.month}")],
    "/papers/week": lambda s: [Example("/papers/week")],
    "/papers/month": lambda s: [Example("/papers/month")],
    "/trending": lambda s: [Example("/trending")],
    "/papers/category/{category}": lambda s: [Example("/papers/category/cs.LG")],
    "/search": lambda s: [
        Example("/search?q=model"),
        Example("/search?q=zzqxjv+wqpfhk"),  # nothing matches
    ],
    "/papers/{paper_id:path}": lambda s: [
        Example(f"/papers/{PAPER}"),
        Example(f"/papers/{UNBALANCED_DOLLAR}"),
        Example(f"/papers/{PAPER}", signed_in=True),  # upvote, save, comment forms
    ],
    "/authors/{name:path}": lambda s: [Example("/authors/Marco%20Garosi")],
    "/docs": lambda s: [Example("/docs")],
    "/signup": lambda s: [Example("/signup")],
    "/account/verify": lambda s: [Example("/account/verify?token=from-the-mail")],
    "/login": lambda s: [Example("/login")],
    "/account/reset": lambda s: [Example("/account/reset")],
    "/users/{username}": lambda s: [Example(f"/users/{s.username}")],
    "/settings": lambda s: [Example("/settings", signed_in=True)],
    "/settings/sessions": lambda s: [Example("/settings/sessions", signed_in=True)],
    "/settings/delete": lambda s: [Example("/settings/delete", signed_in=True)],
    "/submit": lambda s: [Example("/submit", signed_in=True)],
    "/comments/{comment_id}/edit": lambda s: [
        Example(f"/comments/{s.comment_id}/edit", signed_in=True)
    ],
    "/collections": lambda s: [Example("/collections", signed_in=True)],
    "/for-you": lambda s: [
        Example("/for-you", signed_in=True),
        Example(f"/for-you?done=hidden&paper={PAPER}", signed_in=True),  # the notice, undo
    ],
    "/for-you/preferences": lambda s: [Example("/for-you/preferences", signed_in=True)],
    "/users/{username}/collections": lambda s: [Example(f"/users/{s.username}/collections")],
    "/users/{username}/collections/{slug}": lambda s: [
        Example(f"/users/{s.username}/collections/{s.slug}")
    ],
    "/digest/subscribe": lambda s: [Example("/digest/subscribe")],
    "/digest/confirm/{token}": lambda s: [Example("/digest/confirm/not-a-link")],
    "/digest/preferences/{token}": lambda s: [
        Example("/digest/preferences/not-a-link", status=404)
    ],
    "/unsubscribe/{token}": lambda s: [Example("/unsubscribe/not-a-link", status=404)],
    "/digest/feedback/{token}": lambda s: [Example("/digest/feedback/not-a-link", status=404)],
    "/admin/digest/preview": lambda s: [
        Example(f"/admin/digest/preview?email={READER}%40example.org", signed_in=True)
    ],
    "/admin/settings": lambda s: [Example("/admin/settings", signed_in=True)],
}
# Paths whose example is only for a route another change adds: used when the table has it.
OPTIONAL = frozenset({"/authors/{name:path}", "/thumbnails/{paper_id:path}.webp"})
# Markup axe-core does not check, by page, and why: Swagger UI draws /docs (vendored as it
# comes from npm; its own nested buttons and grey-on-grey labels are upstream's to fix).
AXE_SKIPS: dict[str, tuple[str, ...]] = {"/docs": ("#swagger-ui",)}
# Page rows that answer a download, not HTML: no layout to check (tests/web/pages covers them).
DOWNLOADS = frozenset(
    {
        "/users/{username}/collections/{slug}.jsonl",
        "/users/{username}/collections/{slug}.bib",
        "/thumbnails/{paper_id:path}.webp",
    }
)


def page_paths() -> list[str]:
    """The GET page rows of the route table, in its order."""
    return [route.path for route in ROUTES if route.method == "GET" and route.kind == PAGE]


def _examples() -> list[Any]:
    """A pytest.param(path, example) for every example of every page row (and of the
    optional ones); the samples are filled in later, so URLs here carry placeholders."""
    placeholders = Samples("{day}", "{week}", "{month}", "{username}", "{slug}", "{comment_id}")
    found: list[Any] = []
    for path in [*page_paths(), *sorted(OPTIONAL - set(page_paths()))]:
        make = EXAMPLES.get(path)
        if make is not None:
            found.extend(
                pytest.param(
                    path, example, id=example.url + (" signed in" if example.signed_in else "")
                )
                for example in make(placeholders)
            )
    return found


def test_every_page_row_has_an_example() -> None:
    missing = [path for path in page_paths() if path not in EXAMPLES and path not in DOWNLOADS]
    assert not missing, (
        f"GET page rows with no example URL in {__name__}.EXAMPLES: {missing}; "
        "add one so the page is checked at both widths"
    )
    stale = (set(EXAMPLES) | DOWNLOADS) - set(page_paths()) - OPTIONAL
    assert not stale, f"examples for paths the route table no longer has: {sorted(stale)}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with site_over(tmp_path_factory.mktemp("everywhere") / "data") as served:
        yield served


@pytest.fixture(scope="module")
def samples(site: Site) -> Samples:
    catalog = site.catalog
    with pytest.MonkeyPatch.context() as patch:
        # argon2id with tiny parameters: the same code path, a thousandth of the time.
        patch.setattr(
            passwords, "HASHER", argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
        )
        user = accounts.create_user(
            catalog,
            username=READER,
            email=f"{READER}@example.org",
            password="correct horse battery staple",
            role="admin",
            verified=True,
        )
    subscriptions(catalog, site.settings).add(f"{READER}@example.org", confirmed=True)
    comment = comments.add_comment(catalog, user, PAPER, "A comment with $x^2$ in it.")
    collection = collections.create_collection(catalog, user, "Reading list", public=True)
    collections.add_paper(catalog, user, collection.id, PAPER)
    latest = catalog.latest_listed_on() or dt.date.today()
    return Samples(
        day=latest.isoformat(),
        week=Period.week_of(latest).slug,
        month=Period.month_of(latest).slug,
        username=user.username,
        slug=collection.slug,
        comment_id=comment.id,
        session=sessions.create_session(catalog, user),
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@dataclass
class Tab:
    """The module's one browser page, and the requests it tried to send off the site."""

    page: Page
    elsewhere: list[str]


@pytest.fixture(scope="module")
def tab(browser: Browser) -> Iterator[Tab]:
    """One page for the whole module (a new one per URL would cost seconds)."""
    # bypass_csp: the test injects axe-core as an inline script, which the site's CSP
    # rightly refuses (test_browser.py checks the CSP itself).
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Nothing may leave the loopback site: a request elsewhere is aborted and recorded.
    elsewhere: list[str] = []

    def refuse(route: Route) -> None:
        elsewhere.append(route.request.url)
        route.abort()

    page.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), refuse)
    try:
        yield Tab(page, elsewhere)
    finally:
        context.close()


def _fill(url: str, samples: Samples) -> str:
    return url.format(**samples.__dict__)


def _serious(violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for violation in violations:
        if violation.get("impact") not in ("serious", "critical"):
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
        lines.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return lines


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
@pytest.mark.parametrize(("path", "example"), _examples())
def test_page_fits_and_is_accessible(
    site: Site,
    samples: Samples,
    tab: Tab,
    path: str,
    example: Example,
    width: int,
) -> None:
    if path not in page_paths():
        pytest.skip(f"{path} is not in the route table")
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci --ignore-scripts`"
    page = tab.page
    tab.elsewhere.clear()
    context = page.context
    context.clear_cookies()
    if example.signed_in:
        context.add_cookies([{"name": SESSION_COOKIE, "value": samples.session, "url": site.url}])
    page.set_viewport_size({"width": width, "height": 800})
    url = _fill(example.url, samples)
    response = page.goto(site.url + url, wait_until="load")
    assert response is not None
    assert response.status == example.status, f"{url} answered {response.status}"
    if urlsplit(url).path != "/login":
        assert urlsplit(page.url).path != "/login", f"{url} sent the reader to log in: {page.url}"

    assert not tab.elsewhere, f"{url} asked for things off the site: {tab.elsewhere}"

    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{url} is {widths[0]}px wide at {widths[1]}px"

    page.add_script_tag(path=str(AXE))
    context_spec = {"include": ["html"], "exclude": list(AXE_SKIPS.get(path, ()))}
    result = page.evaluate(
        """async (spec) => {
            const r = await axe.run(spec, {resultTypes: ['violations']});
            return JSON.stringify(r.violations);
        }""",
        context_spec,
    )
    serious = _serious(json.loads(result))
    assert not serious, f"{url} at {width}px: axe-core finds\n" + "\n".join(serious)
