"""The account pages over a real site: sign-up with a mailed link (real SMTP), login and
logout, password reset, the profile page and settings (profile, password, tokens,
sessions). Forms are posted as a browser posts them: with the page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from paperwire.accounts import auth, sessions, tokens
from paperwire.accounts import users as accounts
from paperwire.community import collections, votes
from paperwire.community.schema import submissions
from paperwire.db.connections import now, writing
from paperwire.web.auth import PRE_SESSION_COOKIE, SESSION_COOKIE
from tests.support.smtp import SmtpSink, smtp_sink, text_of
from tests.web.accounts.kit import (
    PASSWORD,
    Browser,
    account_site,
    csrf_of,
    mailed_token,
    make_user,
    session_headers,
    use_quick_hashing,
    wait_for_mail,
)
from tests.web.conftest import Site
from tests.web.test_browser import chromium

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_quick_hashing(monkeypatch)


@pytest.fixture
def mailbox() -> Iterator[SmtpSink]:
    with smtp_sink() as box:
        yield box


@pytest.fixture
def site(tmp_path: Path, mailbox: SmtpSink) -> Iterator[Site]:
    with account_site(tmp_path / "data", mailbox, demo=False) as served:
        yield served


def _header_user(html: str) -> str | None:
    found = re.search(r'class="account-name" href="/users/([^"]+)"', html)
    return found.group(1) if found else None


def _sign_up(browser: Browser, name: str = "ada", **fields: str) -> str:
    data = {"username": name, "email": f"{name}@example.org", "password": PASSWORD, **fields}
    return browser.submit("/signup", "/signup", data).text


# -- signing up ----------------------------------------------------------------------------


def test_sign_up_verify_by_mail_then_log_in_and_out(site: Site, mailbox: SmtpSink) -> None:
    with Browser(site) as browser:
        page = browser.get("/signup")
        assert page.status_code == 200 and PRE_SESSION_COOKIE in page.cookies
        assert 'autocomplete="new-password"' in page.text
        assert "Check your inbox" in _sign_up(browser)
        user = accounts.find_user(site.catalog, "ada")
        assert user is not None and not user.email_verified

        token = mailed_token(mailbox, "ada@example.org")
        assert f"{site.url}/account/verify?token=" in text_of(mailbox.only())
        # Opening the link (what a mail scanner does too) changes nothing...
        confirm = browser.get(f"/account/verify?token={token}")
        assert confirm.status_code == 200 and "Yes, confirm my address" in confirm.text
        assert not accounts.require_user(site.catalog, "ada").email_verified
        # ...pressing the button does.
        done = browser.http.post(
            "/account/verify", data={"token": token, "csrf_token": csrf_of(confirm.text)}
        )
        # Confirming logs this browser in (the link proves the address, as a reset does).
        assert done.status_code == 303 and done.headers["location"] == "/settings?done=verified"
        assert accounts.require_user(site.catalog, "ada").email_verified
        assert "you are logged in" in browser.get(done.headers["location"]).text
        assert _header_user(browser.get("/").text) == "ada"
        again = browser.submit(
            f"/account/verify?token={token}", "/account/verify", {"token": token}
        )
        assert again.status_code == 404  # single use

        browser.http.post("/logout", data={"csrf_token": csrf_of(browser.get("/").text)})
        assert _header_user(browser.get("/").text) is None
        login = browser.log_in("ada")
        assert login.status_code == 303 and login.headers["location"] == "/"
        home = browser.get("/")
        assert _header_user(home.text) == "ada" and "Log out" in home.text

        logout = browser.http.post("/logout", data={"csrf_token": csrf_of(home.text)})
        assert logout.status_code == 303 and browser.session is None
        assert _header_user(browser.get("/").text) is None


def test_sign_up_shows_every_field_problem_next_to_its_field(site: Site) -> None:
    with Browser(site) as browser:
        page = browser.submit(
            "/signup", "/signup", {"username": "a", "email": "nope", "password": "short"}
        )
    assert page.status_code == 400
    for name in ("username", "email", "password"):
        assert f'aria-describedby="field-{name}-note" aria-invalid="true"' in page.text
        assert f'id="field-{name}-note" class="error-message field-error"' in page.text
    assert 'role="alert"' in page.text and 'value="nope"' in page.text
    assert "short" not in page.text  # a password is never echoed back
    assert accounts.list_users(site.catalog) == []


def test_a_taken_username_is_said_a_taken_address_is_not(site: Site, mailbox: SmtpSink) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as browser:
        taken = browser.submit(
            "/signup",
            "/signup",
            {"username": "ADA", "email": "new@example.org", "password": PASSWORD},
        )
        assert taken.status_code == 400 and "is taken" in taken.text
        other_name = _sign_up(browser, "grace", email="ada@example.org")
    assert "Check your inbox" in other_name
    # The owner of the address hears about it; no account is made.
    assert "already belongs to the account ada" in text_of(
        wait_for_mail(mailbox, "ada@example.org")[0]
    )
    assert accounts.find_user(site.catalog, "grace") is None


def test_signed_in_people_can_mail_themselves_a_new_link(site: Site, mailbox: SmtpSink) -> None:
    ada = make_user(site.catalog, "ada", verified=False)
    with Browser(site) as browser:
        browser.use_session(ada)  # the login form refuses an unconfirmed address
        settings = browser.get("/settings")
        assert "not confirmed yet" in settings.text
        sent = browser.submit("/settings", "/account/verify/resend", {})
        assert sent.status_code == 303 and sent.headers["location"].endswith("=verification")
        token = mailed_token(mailbox, "ada@example.org")
        assert "A new confirmation link" in browser.get(sent.headers["location"]).text
        assert (
            browser.submit(
                f"/account/verify?token={token}", "/account/verify", {"token": token}
            ).headers["location"]
            == "/settings?done=verified"
        )
        assert "not confirmed yet" not in browser.get("/settings").text


def test_the_page_after_sign_up_resends_the_link_alike_for_any_address(
    site: Site, mailbox: SmtpSink
) -> None:
    with Browser(site) as browser:
        page = _sign_up(browser)
        assert "Resend confirmation" in page and 'action="/account/verify/resend"' in page
        first = mailed_token(mailbox, "ada@example.org")  # the sign-up's own mail
        answers = [
            browser.http.post(
                "/account/verify/resend", data={"csrf_token": csrf_of(page), "email": address}
            )
            for address in ("ada@example.org", "nobody@example.org")
        ]
        token = mailed_token(mailbox, "ada@example.org", count=2)
    # The same page for an unconfirmed account's address and for a free one...
    assert [a.status_code for a in answers] == [200, 200]
    strip = lambda html: re.sub(r'name="csrf_token" value="[^"]*"|value="[^"]*@[^"]*"', "", html)  # noqa: E731
    assert strip(answers[0].text) == strip(answers[1].text)
    # ...and only the account's address got a new link.
    assert token != first and mailbox.messages_to("nobody@example.org") == []
    assert len(mailbox.messages) == 2


def test_without_mail_the_sign_up_and_reset_pages_say_so(tmp_path: Path) -> None:
    with account_site(tmp_path / "data", None, demo=False) as served, Browser(served) as browser:
        for path in ("/signup", "/account/reset"):
            assert "This site cannot send mail" in browser.get(path).text
            assert "Ask the administrator" in browser.get(path).text


def test_with_mail_there_is_no_such_notice(site: Site) -> None:
    with Browser(site) as browser:
        assert "cannot send mail" not in browser.get("/signup").text


def test_verify_link_without_a_token_says_so(site: Site) -> None:
    page = Browser(site).get("/account/verify")
    assert page.status_code == 400 and "incomplete" in page.text


# -- logging in ------------------------------------------------------------------------------


def test_login_by_email_goes_back_to_next(site: Site) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as browser:
        form = browser.get("/login?next=/settings%3Fdone%3Dprofile")
        assert 'name="next" value="/settings?done=profile"' in form.text
        answer = browser.http.post(
            "/login",
            data={
                "login": "ada@example.org",
                "password": PASSWORD,
                "next": "/settings?done=profile",
                "csrf_token": csrf_of(form.text),
            },
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/settings?done=profile"
        # Signed in, /login sends the person on.
        assert browser.get("/login?next=/papers/week").headers["location"] == "/papers/week"


def test_wrong_password_is_a_401_page_with_the_form_again(site: Site) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as browser:
        answer = browser.submit("/login", "/login", {"login": "ada", "password": "wrong one"})
        assert answer.status_code == 401
        assert "wrong username, email or password" in answer.text
        assert 'value="ada"' in answer.text and "wrong one" not in answer.text
        assert browser.session is None


def test_login_makes_a_new_session_and_ends_the_one_the_browser_had(site: Site) -> None:
    ada = make_user(site.catalog, "ada")
    make_user(site.catalog, "grace")
    with Browser(site) as browser:
        browser.log_in("ada")
        first = browser.session
        assert first and sessions.session_user(site.catalog, first) == ada
        page = browser.get("/login")  # signed in: sent on
        assert page.status_code == 303
        # A planted or old cookie is never kept: logging in (as anybody) replaces it.
        browser.http.cookies.delete(SESSION_COOKIE)
        browser.http.cookies.set(SESSION_COOKIE, first, domain="127.0.0.1")
        answer = browser.http.post(
            "/login",
            data={
                "login": "grace",
                "password": PASSWORD,
                "csrf_token": csrf_of(browser.get("/settings").text),
            },
        )
        assert answer.status_code == 303
        assert browser.session not in (None, first)
        assert sessions.session_user(site.catalog, first) is None


def test_session_cookie_is_httponly_lax_and_secure_over_https(site: Site) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as browser:
        answer = browser.log_in("ada")
        cookie = answer.headers["set-cookie"].lower()
        assert "pw_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert "secure" not in cookie  # plain http here
    # Behind a TLS proxy on this machine (uvicorn trusts its X-Forwarded-Proto).
    tls = {"X-Forwarded-Proto": "https", "Origin": site.url.replace("http:", "https:")}
    form = httpx.get(f"{site.url}/login", headers=tls)
    assert "; secure" in form.headers["set-cookie"].lower()  # the pre-session cookie too
    over_tls = httpx.post(
        f"{site.url}/login",
        headers={**tls, **session_headers(site, None)},
        data={"login": "ada", "password": PASSWORD},
    )
    assert "; secure" in over_tls.headers["set-cookie"].lower()


def test_logout_revokes_the_session_on_the_server(site: Site) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as browser:
        browser.log_in("ada")
        session_id = browser.session
        assert browser.submit("/", "/logout", {}).status_code == 303
    assert session_id and sessions.session_user(site.catalog, session_id) is None
    assert Browser(site).get("/logout").status_code == 405  # never on GET


def test_a_disabled_account_cannot_log_in(site: Site) -> None:
    make_user(site.catalog, "ada")
    accounts.set_disabled(site.catalog, "ada")
    with Browser(site) as browser:
        answer = browser.log_in("ada")
    # As a wrong password answers: "disabled" would tell a stranger the password was right.
    assert answer.status_code == 401 and auth.LOGIN_FAILED in answer.text
    assert "disabled" not in answer.text


# -- password reset ------------------------------------------------------------------------


def test_password_reset_by_mail(site: Site, mailbox: SmtpSink) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as elsewhere:
        elsewhere.log_in("ada")
        old_session = elsewhere.session
    with Browser(site) as browser:
        asked = browser.submit("/account/reset", "/account/reset", {"email": "ada@example.org"})
        assert asked.status_code == 200 and "Check your inbox" in asked.text
        token = mailed_token(mailbox, "ada@example.org")
        link = f"/account/reset?token={token}"
        form = browser.get(link)
        assert form.status_code == 200 and 'autocomplete="new-password"' in form.text
        assert 'value="ada" autocomplete="username"' in form.text
        browser.get(link)  # opening the link twice spends nothing
        weak = browser.submit(link, "/account/reset", {"token": token, "password": "short"})
        assert weak.status_code == 400 and "at least 8" in weak.text
        done = browser.submit(link, "/account/reset", {"token": token, "password": NEW_PASSWORD})
        assert done.status_code == 303 and done.headers["location"] == "/settings?done=reset"
        assert _header_user(browser.get("/").text) == "ada"
        assert browser.get(link).status_code == 404  # used
    assert old_session and sessions.session_user(site.catalog, old_session) is None
    with pytest.raises(auth.LoginFailed):
        auth.log_in(site.catalog, site.settings, login="ada", password=PASSWORD)
    auth.log_in(site.catalog, site.settings, login="ada", password=NEW_PASSWORD)


def test_a_bad_reset_link_offers_a_new_one(site: Site) -> None:
    with Browser(site) as browser:
        page = browser.get("/account/reset?token=made-up")
        assert page.status_code == 404 and 'href="/account/reset"' in page.text
        posted = browser.submit(
            "/account/reset", "/account/reset", {"token": "made-up", "password": NEW_PASSWORD}
        )
        assert posted.status_code == 404


# -- profile page ---------------------------------------------------------------------------


def test_profile_lists_submissions_upvotes_and_public_collections(tmp_path: Path) -> None:
    with account_site(tmp_path / "data") as site:
        ada = make_user(site.catalog, "ada")
        accounts.update_profile(site.catalog, ada, {"display_name": "Ada L.", "bio": "Engines"})
        votes.upvote(site.catalog, ada, "2602.23229")
        with writing(site.catalog) as connection:
            connection.execute(
                submissions.insert().values(
                    paper_id="0704.0001",
                    user_id=ada.id,
                    status="listed",
                    attempts=1,
                    created_at=now(site.catalog),
                    updated_at=now(site.catalog),
                )
            )
        public = collections.create_collection(site.catalog, ada, "Reading list", public=True)
        collections.add_paper(site.catalog, ada, public.id, "0704.0001")
        collections.create_collection(site.catalog, ada, "Secret plans")
        with Browser(site) as stranger:
            page = stranger.get("/users/ada")
        assert page.status_code == 200
        assert "set-cookie" not in page.headers  # no form: no pre-session cookie either
        title = site.catalog.get("2602.23229")
        assert title is not None and title.title in page.text
        submitted = site.catalog.get("0704.0001")
        assert submitted is not None and submitted.title in page.text
        assert "Ada L." in page.text and "Engines" in page.text
        assert 'href="/users/ada/collections/reading-list"' in page.text
        assert "Secret plans" not in page.text and "ada@example.org" not in page.text
        with Browser(site) as owner:
            owner.log_in("ada")
            own = owner.get("/users/ada")
        assert "Secret plans" in own.text and 'href="/settings"' in own.text
        assert Browser(site).get("/users/nobody").status_code == 404
        accounts.set_disabled(site.catalog, "ada")
        assert Browser(site).get("/users/ada").status_code == 404


# -- settings ---------------------------------------------------------------------------


def test_settings_need_an_account(site: Site) -> None:
    answer = Browser(site).get("/settings")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Fsettings"


def test_profile_edits_keep_to_name_and_bio(site: Site) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as browser:
        browser.log_in("ada")
        saved = browser.submit(
            "/settings",
            "/settings/profile",
            {"display_name": "  Ada\nLovelace ", "bio": "Notes on engines", "role": "admin"},
        )
        assert saved.status_code == 303
        assert "Your profile is saved." in browser.get(saved.headers["location"]).text
        too_long = browser.submit(
            "/settings", "/settings/profile", {"display_name": "x" * 101, "bio": ""}
        )
        assert too_long.status_code == 400
        assert 'id="field-display_name-note" class="error-message field-error"' in too_long.text
    ada = accounts.require_user(site.catalog, "ada")
    assert (ada.display_name, ada.bio, ada.role) == ("Ada Lovelace", "Notes on engines", "user")


def test_changing_the_password_starts_a_new_session(site: Site) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as other, Browser(site) as browser:
        other.log_in("ada")
        browser.log_in("ada")
        before = browser.session
        wrong = browser.submit(
            "/settings",
            "/settings/password",
            {"current_password": "not it", "new_password": NEW_PASSWORD},
        )
        assert wrong.status_code == 400
        assert 'id="field-current_password-note" class="error-message' in wrong.text
        changed = browser.submit(
            "/settings",
            "/settings/password",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        assert changed.status_code == 303
        assert browser.session not in (None, before)
        assert browser.get("/settings").status_code == 200
        assert other.get("/settings").status_code == 303  # logged out there
    assert before and sessions.session_user(site.catalog, before) is None


def test_api_tokens_are_shown_once_and_can_be_revoked(site: Site) -> None:
    ada = make_user(site.catalog, "ada")
    with Browser(site) as browser:
        browser.log_in("ada")
        made = browser.submit(
            "/settings", "/settings/tokens", {"name": "notebook", "password": PASSWORD}
        )
        assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
        shown = re.search(
            r'id="new-token" class="new-token" type="text" value="(pw_[^"]+)"', made.text
        )
        assert shown
        secret = shown.group(1)
        me = browser.http.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.json()["username"] == "ada"
        listed = browser.get("/settings")
        assert secret not in listed.text and "notebook" in listed.text
        (token,) = tokens.list_tokens(site.catalog, ada)
        revoked = browser.submit("/settings", f"/settings/tokens/{token.id}/revoke", {})
        assert revoked.status_code == 303
        assert (
            browser.submit("/settings", f"/settings/tokens/{token.id}/revoke", {}).status_code
            == 404
        )
    assert tokens.token_user(site.catalog, secret) is None


def test_sessions_are_listed_and_the_others_can_be_logged_out(site: Site) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as phone, Browser(site) as laptop:
        phone.log_in("ada")
        laptop.log_in("ada")
        page = laptop.get("/settings/sessions", headers={"User-Agent": "LaptopBrowser/1.0"})
        assert page.text.count('name="session"') == 2  # both sessions, each with its button
        assert "(this browser)" in page.text
        answer = laptop.submit("/settings", "/settings/sessions/revoke-others", {})
        assert answer.status_code == 303
        assert laptop.get("/settings").status_code == 200
        assert phone.get("/settings").status_code == 303


# -- in a real browser -----------------------------------------------------------------------


def test_sign_up_confirm_log_in_and_out_in_a_browser(site: Site, mailbox: SmtpSink) -> None:
    """Debian's Chromium: every step by its label or its button, as a person would."""
    origin = site.url
    problems: list[str] = []
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda r: None if r.url.startswith(origin) else problems.append(r.url))

        for path in ("/login", "/account/reset", "/"):
            page.goto(f"{origin}{path}")
            _assert_labelled(page)
        page.get_by_role("link", name="Sign up").click()
        _assert_labelled(page)
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Email address").fill("ada@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

        link = re.search(
            r"http://\S+/account/verify\?token=\S+",
            text_of(wait_for_mail(mailbox, "ada@example.org")[0]),
        )
        assert link
        page.goto(link.group(0))
        page.get_by_role("button", name="Yes, confirm my address").click()
        expect(page.get_by_text("Your address is confirmed and you are logged in")).to_be_visible()
        account = page.get_by_role("navigation", name="Account")
        account.get_by_role("button", name="Log out").click()

        account.get_by_role("link", name="Log in").click()
        page.get_by_label("Username or email address").fill("ada")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        account = page.get_by_role("navigation", name="Account")
        expect(account.get_by_role("link", name="ada")).to_be_visible()
        expect(account.get_by_role("link", name="Settings")).to_be_visible()
        cookie = next(c for c in context.cookies() if c["name"] == SESSION_COOKIE)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        page.get_by_role("link", name="Settings").click()
        page.get_by_label("Token name").fill("laptop")
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_role("button", name="Make a token").click()
        expect(page.get_by_label("New API token")).to_have_value(re.compile(r"^pw_"))
        _assert_labelled(page)
        page.goto(f"{origin}/")

        account.get_by_role("button", name="Log out").click()
        expect(account.get_by_role("link", name="Log in")).to_be_visible()
        expect(account.get_by_role("link", name="ada")).to_have_count(0)
        assert not [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
        context.close()
    assert not problems, problems


def _assert_labelled(page: Page) -> None:
    """Every form control has a label; password fields say what they are for."""
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(e => e.type !== 'hidden' && e.labels.length === 0)
            .map(e => e.name || e.id)"""
    )
    assert unlabelled == [], (page.url, unlabelled)
    for field in page.locator("input[type=password]").all():
        assert field.get_attribute("autocomplete") in ("current-password", "new-password")
