"""The web layer's defences, over a real site:

- no account enumeration: login, sign-up and reset answer alike (same status, same page
  but for the CSRF token and the echoed name) and take about as long, whether or not the
  account or address exists (real argon2 parameters here);
- `next=` never leaves the site;
- CSRF: every state-changing route of the route table refuses a request without a token,
  with another session's token, and from a foreign Origin, and nothing changes;
- GET changes nothing: every GET route of the table, as every persona, leaves every table
  of the database as it was (and so do the mailed links until their button is pressed);
- login throttling answers 429 with Retry-After, and an attacker cannot lock the owner out;
  X-Forwarded-For from a client that is not a trusted proxy is ignored;
- pages cached for anonymous visitors never carry a signed-in person's state.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from paperwire.accounts import sessions
from paperwire.accounts import users as accounts
from paperwire.accounts.security import csrf_token
from paperwire.clock import FakeClock
from paperwire.web.auth import PRE_SESSION_COOKIE, SESSION_COOKIE
from tests.support.smtp import SmtpSink, smtp_sink
from tests.web.accounts.kit import (
    PASSWORD,
    Browser,
    account_site,
    csrf_of,
    mailed_token,
    make_user,
    session_headers,
    use_quick_hashing,
)
from tests.web.accounts.routes import (
    PERSONAS,
    UNSAFE,
    Cast,
    changed_tables,
    csrf_exempt,
    database_state,
    describe,
    the_routes,
)
from tests.web.conftest import Site

# Medians of the two cases may differ at most this much (a noisy, shared 2-core machine;
# the difference this guards against is a password hash, ~10x a plain request).
TIMING_FACTOR = 3.0
SAMPLES = 11


@pytest.fixture(scope="module")
def mailbox() -> Iterator[SmtpSink]:
    with smtp_sink() as box:
        yield box


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, mailbox: SmtpSink) -> Iterator[Site]:
    """Real password hashing: timing is what some of these tests look at. Mail limits out
    of the way: these tests send many mails from one client on purpose (the limits have
    tests of their own, tests/web/pages/test_account_mail_limits.py)."""
    data_dir = tmp_path_factory.mktemp("security") / "data"
    unlimited = {"mail_limit_per_address": 10_000, "mail_limit_per_client": 10_000}
    with account_site(data_dir, mailbox, demo=False, **unlimited) as s:
        yield s


def _client(site: Site, address: str = "127.0.0.1") -> httpx.Client:
    """A client from its own loopback address (the throttle tells clients apart by it)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=site.url, transport=transport, timeout=30)


def _post_form(
    site: Site, address: str, page: str, action: str, data: dict[str, str]
) -> tuple[httpx.Response, float]:
    """Open the form like a browser, then post it; returns the answer and how long the
    POST took (a connection of its own, so no earlier answer's work can delay it)."""
    with _client(site, address) as client:
        opened = client.get(page)
        data = {"csrf_token": csrf_of(opened.text), **data}
        started = time.perf_counter()
        answer = client.post(action, data=data)
        return answer, time.perf_counter() - started


def _normalised(answer: httpx.Response, *echoed: str) -> str:
    text = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', answer.text)
    for value in echoed:
        text = text.replace(value, "ECHO")
    return text


def _alike(timings: dict[str, list[float]]) -> None:
    medians = {case: statistics.median(values) for case, values in timings.items()}
    slow, fast = max(medians.values()), min(medians.values())
    print(f"medians: { {case: round(value * 1000, 1) for case, value in medians.items()} } ms")
    assert slow <= TIMING_FACTOR * fast, f"medians differ too much: {medians}"


def _compare(
    site: Site,
    cases: dict[str, Callable[[int], tuple[httpx.Response, float]]],
    echoed: Callable[[str, int], tuple[str, ...]] = lambda case, i: (),
) -> None:
    """Run the cases interleaved; answers must match, medians must be close."""
    timings: dict[str, list[float]] = {case: [] for case in cases}
    pages: dict[str, set[tuple[int, str]]] = {case: set() for case in cases}
    for number in range(SAMPLES):
        for case, run in cases.items():
            answer, took = run(number)
            timings[case].append(took)
            pages[case].add((answer.status_code, _normalised(answer, *echoed(case, number))))
    first, *others = pages.values()
    assert len(first) == 1, "one case answered differently from one try to the next"
    for other in others:
        assert other == first
    _alike(timings)


# -- no account enumeration ---------------------------------------------------------------


def test_login_answers_alike_for_unknown_names_and_wrong_passwords(site: Site) -> None:
    make_user(site.catalog, "victim")
    logins = {"unknown": "nobody-{n}", "wrong password": "victim"}

    def attempt(case: str) -> Callable[[int], tuple[httpx.Response, float]]:
        def run(number: int) -> tuple[httpx.Response, float]:
            # Each try from its own address: the throttle must not answer instead.
            address = f"127.0.3.{number + 10 + (100 if case == 'unknown' else 0)}"
            login = logins[case].format(n=number)
            return _post_form(
                site, address, "/login", "/login", {"login": login, "password": "not it at all"}
            )

        return run

    _compare(
        site,
        {case: attempt(case) for case in logins},
        echoed=lambda case, n: (logins[case].format(n=n),),
    )


def test_sign_up_answers_alike_for_taken_and_new_addresses(site: Site, mailbox: SmtpSink) -> None:
    make_user(site.catalog, "owner")

    def attempt(case: str) -> Callable[[int], tuple[httpx.Response, float]]:
        def run(number: int) -> tuple[httpx.Response, float]:
            email = "owner@example.org" if case == "taken" else f"new{number}@example.org"
            data = {"username": f"{case}-{number}", "email": email, "password": PASSWORD}
            return _post_form(site, "127.0.0.1", "/signup", "/signup", data)

        return run

    _compare(site, {"taken": attempt("taken"), "new": attempt("new")})
    assert accounts.find_user(site.catalog, "taken-0") is None
    assert accounts.find_user(site.catalog, "new-0") is not None


def test_reset_requests_answer_alike_for_known_and_unknown_addresses(
    site: Site, mailbox: SmtpSink
) -> None:
    make_user(site.catalog, "forgetful")

    def attempt(email: str) -> Callable[[int], tuple[httpx.Response, float]]:
        def run(number: int) -> tuple[httpx.Response, float]:
            return _post_form(
                site, "127.0.0.1", "/account/reset", "/account/reset", {"email": email}
            )

        return run

    _compare(
        site,
        {"known": attempt("forgetful@example.org"), "unknown": attempt("ghost@example.org")},
    )
    mailed_token(mailbox, "forgetful@example.org", SAMPLES)  # the owner did get the links
    assert mailbox.to("ghost@example.org") == []


# -- next= never leaves the site -----------------------------------------------------------

HOSTILE_NEXT = (
    "//evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "https://evil.com",
    "http:evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "%2F%2Fevil.com",
    "/%2F/evil.com",
    "%252F%252Fevil.com",
    "/%5Cevil.com",
    "/\r\nLocation: https://evil.com",
    "/%0d%0aSet-Cookie:%20x=1",
    "/\t/evil.com",
    "/%09/evil.com",
    " //evil.com",
    "evil.com",
    "data:text/html,<script>alert(1)</script>",
    "/:evil.com",
)


def test_next_never_leaves_the_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_quick_hashing(monkeypatch)
    with account_site(tmp_path / "data", demo=False) as site:
        make_user(site.catalog, "ada")
        for target in HOSTILE_NEXT:
            with Browser(site) as browser:
                form = browser.get("/login", params={"next": target})
                assert 'name="next" value="/"' in form.text, target
                answer = browser.http.post(
                    "/login",
                    data={
                        "login": "ada",
                        "password": PASSWORD,
                        "next": target,
                        "csrf_token": csrf_of(form.text),
                    },
                )
                assert answer.status_code == 303 and answer.headers["location"] == "/", target
                # Signed in, /login?next= sends the person on: to the same safe place.
                again = browser.get("/login", params={"next": target})
                assert again.headers["location"] == "/", target
        with Browser(site) as browser:
            browser.log_in("ada")
            fine = browser.get("/login", params={"next": "/papers/week?x=1#top"})
            assert fine.headers["location"] == "/papers/week?x=1#top"


# -- CSRF and GET over the whole route table -----------------------------------------------


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory, clock: FakeClock) -> Iterator[Site]:
    with account_site(tmp_path_factory.mktemp("sweep") / "data", clock=clock) as served:
        yield served


@pytest.fixture(scope="module")
def cast(demo_site: Site, clock: FakeClock) -> Cast:
    with pytest.MonkeyPatch.context() as patch:
        use_quick_hashing(patch)
        return Cast.on(demo_site, clock)


def test_every_state_changing_route_refuses_forged_requests(demo_site: Site, cast: Cast) -> None:
    site = demo_site
    user = cast.owner
    mine = sessions.create_session(site.catalog, user)
    theirs = sessions.create_session(site.catalog, user)
    forged = {
        "no token": {"Cookie": f"{SESSION_COOKIE}={mine}"},
        "another session's token": {
            "Cookie": f"{SESSION_COOKIE}={mine}",
            "X-CSRF-Token": csrf_token(site.settings, theirs),
        },
        "a foreign Origin": {
            "Cookie": f"{SESSION_COOKIE}={mine}",
            "X-CSRF-Token": csrf_token(site.settings, mine),
            "Origin": "https://evil.example",
        },
        "anonymous, no token": {"Cookie": f"{PRE_SESSION_COOKIE}=some-pre-session"},
    }
    routes = [r for r in the_routes(site) if r.method in UNSAFE]
    exempt = [r.path for r in routes if csrf_exempt(r.path)]
    assert exempt == ["/unsubscribe/{token}"]  # RFC 8058 one-click only
    before = database_state(site)
    failures: list[str] = []
    with httpx.Client(base_url=site.url, timeout=30) as http:
        for route in routes:
            if csrf_exempt(route.path):
                continue
            path, body = cast.request_for(route, fresh=False)
            for how, headers in forged.items():
                http.cookies.clear()
                # The token also travels in the form where a browser would put it.
                answer = http.request(route.method, path, headers=headers, **body)
                refused = answer.status_code == 403 and (
                    "did not come from this site" in answer.text or "cross-site" in answer.text
                )
                if how.startswith("anonymous") and path.startswith("/api/"):
                    # No session cookie: nothing ambient to forge; not signed in, as
                    # /openapi.json says.
                    refused = answer.status_code == 401 and "log in first" in answer.text
                if not refused:
                    failures.append(f"{route.method} {path} with {how}: {describe(answer)}")
    assert not failures, "\n".join(failures)
    assert changed_tables(before, database_state(site)) == []
    assert len(routes) >= 10


def test_get_changes_nothing(demo_site: Site, cast: Cast) -> None:
    """Every GET route, as every persona: the database stays byte for byte the same."""
    site = demo_site
    people = {persona: session_headers(site, user) for persona, user in cast.people.items()}
    people["no cookie"] = {}
    routes = [r for r in the_routes(site) if r.method == "GET"]
    before = database_state(site)
    with httpx.Client(base_url=site.url, timeout=30) as http:
        for route in routes:
            path, _ = cast.request_for(route, fresh=False)
            for headers in people.values():
                http.cookies.clear()
                assert http.get(path, headers=headers).status_code < 500, path
    assert changed_tables(before, database_state(site)) == []
    assert len(routes) >= 10 and len(people) == len(PERSONAS) + 1


def test_mailed_links_change_nothing_until_the_button_is_pressed(
    site: Site, mailbox: SmtpSink
) -> None:
    with Browser(site) as browser:
        browser.submit(
            "/signup",
            "/signup",
            {"username": "linky", "email": "linky@example.org", "password": PASSWORD},
        )
        verify = mailed_token(mailbox, "linky@example.org")
        browser.submit("/account/reset", "/account/reset", {"email": "linky@example.org"})
        reset = mailed_token(mailbox, "linky@example.org", 2)
        before = database_state(site)
        for _ in range(3):  # a scanner, a preview, the person
            assert browser.get(f"/account/verify?token={verify}").status_code == 200
            assert browser.get(f"/account/reset?token={reset}").status_code == 200
        assert changed_tables(before, database_state(site)) == []
    assert not accounts.require_user(site.catalog, "linky").email_verified


# -- login throttling ------------------------------------------------------------------


def _login(site: Site, address: str, login: str, password: str, **headers: str) -> httpx.Response:
    """A login form posted from `address` (with a pre-session cookie and its token)."""
    with _client(site, address) as client:
        return client.post(
            "/login",
            headers={**session_headers(site, None), **headers},
            data={"login": login, "password": password},
        )


def test_an_attacker_hammering_an_account_does_not_lock_its_owner_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_quick_hashing(monkeypatch)
    # A clock that stands still: a block lasts however slowly the machine runs the test.
    with account_site(tmp_path / "data", demo=False, clock=FakeClock()) as site:
        make_user(site.catalog, "victim")
        answers = [_login(site, "127.0.0.2", "victim", f"guess {n}") for n in range(12)]
        statuses = [answer.status_code for answer in answers]
        assert statuses[:4] == [401] * 4 and set(statuses[4:]) == {429}, statuses
        refused = answers[-1]
        assert int(refused.headers["retry-after"]) >= 1
        assert "try again in" in refused.text and 'role="alert"' in refused.text
        # The attacker's address is slowed down even with the right password...
        assert _login(site, "127.0.0.2", "victim", PASSWORD).status_code == 429
        # ...the owner, elsewhere, logs in at once.
        owner = _login(site, "127.0.0.3", "victim", PASSWORD)
        assert owner.status_code == 303 and SESSION_COOKIE in owner.cookies


def test_guesses_spread_over_many_addresses_do_not_lock_out_a_known_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past 100 failures from all over, an account is slowed down for new addresses; an
    address that logged in to it before is judged by its own record only."""
    use_quick_hashing(monkeypatch)
    # A clock that stands still: a block lasts however slowly the machine runs the test.
    with account_site(tmp_path / "data", demo=False, clock=FakeClock()) as site:
        make_user(site.catalog, "victim")
        assert _login(site, "127.0.0.3", "victim", PASSWORD).status_code == 303  # known now
        for host in range(10, 31):  # 21 addresses x 5 guesses: past the account's 100
            for guess in range(5):
                _login(site, f"127.0.4.{host}", "victim", f"guess {guess}")
        assert _login(site, "127.0.0.99", "victim", PASSWORD).status_code == 429
        assert _login(site, "127.0.0.3", "victim", PASSWORD).status_code == 303


def test_forwarded_for_from_an_untrusted_client_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rotating X-Forwarded-For does not dodge the throttle: only a proxy on this machine
    (uvicorn's FORWARDED_ALLOW_IPS) is believed, and 127.0.0.2 is not one."""
    use_quick_hashing(monkeypatch)
    # A clock that stands still: a block lasts however slowly the machine runs the test.
    with account_site(tmp_path / "data", demo=False, clock=FakeClock()) as site:
        make_user(site.catalog, "victim")
        statuses = [
            _login(
                site, "127.0.0.2", "victim", "a guess", **{"X-Forwarded-For": f"10.0.0.{n}"}
            ).status_code
            for n in range(8)
        ]
        assert statuses[:4] == [401] * 4 and set(statuses[4:]) == {429}, statuses


# -- caching ---------------------------------------------------------------------------


def test_cached_pages_never_show_a_signed_in_person_to_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_quick_hashing(monkeypatch)
    with account_site(tmp_path / "data") as site:
        make_user(site.catalog, "ada")
        with Browser(site) as browser:
            browser.log_in("ada")
            for path in ("/", "/trending", "/papers/2602.23229", "/search?q=model"):
                signed_in = browser.get(path)
                assert 'href="/users/ada"' in signed_in.text, path
                assert "no-store" in browser.get("/settings").headers["cache-control"]
                for _ in range(2):  # the second may come from the cache
                    anonymous = httpx.get(f"{site.url}{path}")
                    assert anonymous.status_code == 200
                    assert "ada" not in re.findall(r'href="/users/([^"]+)"', anonymous.text)
                    assert 'name="csrf_token"' not in anonymous.text, path
                    assert "set-cookie" not in anonymous.headers
