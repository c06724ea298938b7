"""What can act as a person, over a real site: the sessions page (each browser, logging
any one out), what a password change or reset ends (sessions, API tokens, the other reset
links), password checks throttled like logins, and deleting the account."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from paperwire.accounts import deletion, sessions, tokens
from paperwire.accounts import users as accounts
from paperwire.accounts.throttle import PAIR
from paperwire.community import collections, comments
from paperwire.digest.subscriptions import Subscriptions
from paperwire.recommend import signals
from paperwire.recommend.readers import Reader
from paperwire.signing import secret_key
from tests.support.community import add_paper
from tests.support.smtp import SmtpSink, smtp_sink
from tests.web.accounts.kit import (
    PASSWORD,
    Browser,
    account_site,
    mailed_token,
    make_user,
    session_headers,
    use_quick_hashing,
)
from tests.web.conftest import Site

NEW_PASSWORD = "a brand new passphrase"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


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


def _token_from(browser: Browser) -> str:
    made = browser.submit("/settings", "/settings/tokens", {"name": "script", "password": PASSWORD})
    shown = re.search(r'id="new-token" class="new-token" type="text" value="(pw_[^"]+)"', made.text)
    assert shown, made.text
    return shown.group(1)


def _works(site: Site, token: str) -> bool:
    answer = httpx.get(f"{site.url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code == 200


# -- the sessions page ---------------------------------------------------------------------


def test_the_sessions_page_names_each_device_and_logs_any_one_out(site: Site) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as phone, Browser(site) as laptop:
        phone.http.headers["User-Agent"] = PHONE
        laptop.http.headers["User-Agent"] = FIREFOX
        phone.log_in("ada")
        laptop.log_in("ada")
        page = laptop.get("/settings/sessions")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "Firefox on Linux" in page.text and "Safari on iOS" in page.text
        assert "127.0.0.1" in page.text and page.text.count("(this browser)") == 1
        rows = re.findall(r"<tr(?: class=\"this-session\")?>(.*?)</tr>", page.text, re.DOTALL)
        (phone_row,) = [row for row in rows if "Safari on iOS" in row]
        ref = re.search(r'name="session" value="([0-9a-f]+)"', phone_row)
        assert ref and "(this browser)" not in phone_row
        answer = laptop.submit(
            "/settings/sessions", "/settings/sessions/revoke", {"session": ref[1]}
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/settings/sessions?done=session-revoked"
        assert phone.get("/settings").status_code == 303  # that browser is logged out
        assert laptop.get("/settings").status_code == 200  # this one is not
        again = laptop.submit(
            "/settings/sessions", "/settings/sessions/revoke", {"session": ref[1]}
        )
        assert again.status_code == 404


def test_nobody_can_log_out_another_persons_session(site: Site) -> None:
    make_user(site.catalog, "ada")
    grace = make_user(site.catalog, "grace")
    theirs = sessions.create_session(site.catalog, grace)
    (info,) = sessions.list_sessions(site.catalog, grace)
    with Browser(site) as browser:
        browser.log_in("ada")
        answer = browser.submit(
            "/settings/sessions", "/settings/sessions/revoke", {"session": info.ref}
        )
        assert answer.status_code == 404
    assert sessions.session_user(site.catalog, theirs) == grace


def test_revoking_a_session_needs_the_csrf_token(site: Site) -> None:
    ada = make_user(site.catalog, "ada")
    headers = session_headers(site, ada)
    (info,) = sessions.list_sessions(site.catalog, ada)
    del headers["X-CSRF-Token"]
    answer = httpx.post(
        f"{site.url}/settings/sessions/revoke", headers=headers, data={"session": info.ref}
    )
    assert answer.status_code == 403
    assert sessions.list_sessions(site.catalog, ada) != []


# -- what a new password ends --------------------------------------------------------------


def test_api_tokens_do_not_survive_a_password_change(site: Site) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as browser:
        browser.log_in("ada")
        token = _token_from(browser)
        assert _works(site, token)
        settings = browser.get("/settings")
        assert "ends every API token" in settings.text  # said before they confirm
        changed = browser.submit(
            "/settings",
            "/settings/password",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        assert changed.status_code == 303
        assert "API tokens" in browser.get("/settings?done=password").text
        assert browser.get("/settings").status_code == 200  # this browser carries on
    assert not _works(site, token)


def test_api_tokens_and_other_reset_links_do_not_survive_a_reset(
    site: Site, mailbox: SmtpSink
) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as owner, Browser(site) as thief:
        thief.log_in("ada")
        token = _token_from(thief)
        for _ in range(2):
            owner.submit("/account/reset", "/account/reset", {"email": "ada@example.org"})
        first = mailed_token(mailbox, "ada@example.org", 1)
        second = mailed_token(mailbox, "ada@example.org", 2)
        used = owner.submit(
            f"/account/reset?token={first}",
            "/account/reset",
            {"token": first, "password": NEW_PASSWORD},
        )
        assert used.status_code == 303
        assert thief.get("/settings").status_code == 303
        assert not _works(site, token)
        stale = owner.http.get(f"/account/reset?token={second}")
        assert stale.status_code == 404
        posted = owner.http.post(
            "/account/reset",
            data={"token": second, "password": "yet another phrase", "csrf_token": "x"},
        )
        assert posted.status_code in (403, 404)
    assert sessions.peek_mail_token(site.catalog, "reset", second) is None


def test_a_bearer_token_cannot_make_tokens(site: Site) -> None:
    ada = make_user(site.catalog, "ada")
    secret, _ = tokens.create_token(site.catalog, ada, "leaked")
    bearer = {"Authorization": f"Bearer {secret}"}
    answer = httpx.post(
        f"{site.url}/api/v1/me/tokens", headers=bearer, json={"name": "x", "password": PASSWORD}
    )
    assert answer.status_code == 403
    assert "browser session" in answer.json()["error"]
    page = httpx.post(
        f"{site.url}/settings/tokens", headers=bearer, data={"name": "x", "password": PASSWORD}
    )
    assert page.status_code == 403
    assert [made.name for made in tokens.list_tokens(site.catalog, ada)] == ["leaked"]


def test_making_a_token_needs_the_password(site: Site) -> None:
    ada = make_user(site.catalog, "ada")
    headers = session_headers(site, ada)
    url = f"{site.url}/api/v1/me/tokens"
    wrong = httpx.post(url, headers=headers, json={"name": "x", "password": "not it at all"})
    assert wrong.status_code == 400 and "password" in wrong.json()["error"]
    right = httpx.post(url, headers=headers, json={"name": "x", "password": PASSWORD})
    assert right.status_code == 201


# -- password checks are throttled like logins -----------------------------------------------


def test_wrong_current_passwords_on_the_settings_page_are_throttled_like_logins(
    site: Site,
) -> None:
    make_user(site.catalog, "ada")
    with Browser(site) as browser:
        browser.log_in("ada")
        statuses = []
        for _ in range(PAIR.free_failures + 1):
            answer = browser.submit(
                "/settings",
                "/settings/password",
                {"current_password": "a wrong guess!", "new_password": NEW_PASSWORD},
            )
            statuses.append(answer.status_code)
        assert statuses[: PAIR.free_failures - 1] == [400] * (PAIR.free_failures - 1)
        assert statuses[-1] == 429
        throttled = browser.submit(
            "/settings",
            "/settings/password",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        # Even the right password waits: the throttle answers before any hash is checked.
        assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1
        assert "try again in" in throttled.text
    # ... and the login form of the account is throttled by the same counter.
    with Browser(site) as again:
        assert again.log_in("ada").status_code == 429


# -- deleting the account --------------------------------------------------------------------


def test_deleting_the_account_keeps_comments_by_a_deleted_user(site: Site) -> None:
    ada = make_user(site.catalog, "ada")
    add_paper(site.catalog, "2501.00001")
    comment = comments.add_comment(site.catalog, ada, "2501.00001", "Keep this remark.")
    collections.create_collection(site.catalog, ada, "Reading", public=True)
    secret, _ = tokens.create_token(site.catalog, ada, "script")
    digest = Subscriptions(site.catalog, secret_key(site.settings))
    digest.add("ada@example.org", confirmed=True, user_id=ada.id)
    reader = Reader("user", ada.id)
    signals.record(site.catalog.engine, site.catalog.clock, reader, "2501.00001", "card", 1)
    with Browser(site) as browser, Browser(site) as other:
        browser.log_in("ada")
        other.log_in("ada")
        form = browser.get("/settings/delete")
        assert form.status_code == 200 and "cannot be undone" in form.text
        wrong = browser.submit("/settings/delete", "/settings/delete", {"password": "not mine"})
        assert wrong.status_code == 400 and accounts.find_user(site.catalog, "ada") is not None
        done = browser.submit("/settings/delete", "/settings/delete", {"password": PASSWORD})
        assert done.status_code == 200 and "Your account is deleted" in done.text
        assert browser.get("/settings").status_code == 303
        assert other.get("/settings").status_code == 303
        assert browser.log_in("ada").status_code == 401
    assert accounts.find_user(site.catalog, "ada") is None
    assert not _works(site, secret)
    assert collections.collections_of(site.catalog, f"deleted-{ada.id}") == []
    assert digest.by_email("ada@example.org") is None
    # What the recommender learnt about the account goes too.
    assert signals.reader_signals(site.catalog.engine, reader) == []
    remaining = accounts.get_user(site.catalog, ada.id)
    assert remaining is not None and deletion.is_deleted(remaining)
    thread = httpx.get(f"{site.url}/api/v1/papers/2501.00001/comments").json()
    (kept,) = thread["comments"]
    assert "Keep this remark." in kept["html"] and kept["author"] == f"deleted-{ada.id}"
    assert "ada@example.org" not in str(thread)
    assert comments.get_comment(site.catalog, comment.id).state == comment.state
