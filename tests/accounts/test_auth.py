"""Sign-up, verification, login, logout and password reset, with mail through a real SMTP
server and without telling strangers which accounts exist."""

from __future__ import annotations

import logging
import statistics
import time

import argon2
import pytest

from paperwire.accounts import auth, passwords, sessions, tokens
from paperwire.accounts import users as accounts
from paperwire.accounts.mails import AccountMail
from paperwire.accounts.passwords import WeakPassword
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.errors import CommunityError, Conflict, NotFound, TooMany
from paperwire.mail.accounts import account_sender
from tests.support.community import PASSWORD, make_user
from tests.support.smtp import SmtpSink, link_token, text_of


def _sign_up(catalog: Catalog, settings: Settings, name: str = "ada", **kw: str) -> None:
    auth.sign_up(
        catalog,
        settings,
        username=kw.get("username", name),
        email=kw.get("email", f"{name}@example.org"),
        password=kw.get("password", PASSWORD),
        send=account_sender(settings),
    )


def _reset(catalog: Catalog, settings: Settings, email: str) -> None:
    auth.request_password_reset(catalog, settings, email, send=account_sender(settings))


def test_sign_up_mails_a_link_that_verifies_once(
    catalog: Catalog, settings: Settings, mailbox: SmtpSink
) -> None:
    _sign_up(catalog, settings)
    user = accounts.find_user(catalog, "ada")
    assert user is not None and not user.email_verified
    message = mailbox.only()
    assert message["To"] == "ada@example.org"
    assert message["From"] == "paperwire <noreply@papers.example.org>"
    assert message["Subject"] == "Confirm your email address"
    assert "https://papers.example.org/account/verify?token=" in text_of(message)
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "https://papers.example.org/account/verify?token=" in str(
        html.get_content()
    )
    verified = auth.verify_email(catalog, link_token(message))
    assert verified.email_verified and verified.id == user.id
    with pytest.raises(NotFound, match="not valid"):
        auth.verify_email(catalog, link_token(message))


def test_verification_links_expire_after_three_days(
    catalog: Catalog, settings: Settings, mailbox: SmtpSink, clock: FakeClock
) -> None:
    _sign_up(catalog, settings)
    clock.advance(3 * 86400)
    with pytest.raises(NotFound):
        auth.verify_email(catalog, link_token(mailbox.only()))
    user = accounts.find_user(catalog, "ada")
    assert user is not None
    auth.send_verification(catalog, settings, user, send=account_sender(settings))
    assert auth.verify_email(catalog, link_token(mailbox.messages[-1])).email_verified


def test_sign_up_with_a_taken_address_looks_the_same_and_tells_the_owner(
    catalog: Catalog, settings: Settings, mailbox: SmtpSink
) -> None:
    make_user(catalog, "ada")
    result = auth.sign_up(
        catalog,
        settings,
        username="mallory",
        email="ADA@example.org",
        password=PASSWORD,
        send=account_sender(settings),
    )
    assert result is None  # exactly what a new sign-up returns
    assert accounts.find_user(catalog, "mallory") is None
    message = mailbox.only()
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "You already have a paperwire account"
    assert "already belongs to the account ada" in text_of(message)


def test_sign_up_refuses_bad_input_loudly(
    catalog: Catalog, settings: Settings, mailbox: SmtpSink
) -> None:
    make_user(catalog, "ada")
    with pytest.raises(Conflict, match="taken"):
        _sign_up(catalog, settings, "ada", email="new@example.org")
    with pytest.raises(WeakPassword):
        _sign_up(catalog, settings, "bob", password="sunshine")
    with pytest.raises(CommunityError, match="email address"):
        _sign_up(catalog, settings, "bob", email="bob@localhost")
    assert mailbox.messages == []


def test_without_smtp_the_flows_go_on(
    catalog: Catalog, settings: Settings, mailbox: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    unmailed = settings.model_copy(update={"smtp_host": None})
    with caplog.at_level(logging.WARNING):
        _sign_up(catalog, unmailed)
        auth.request_password_reset(
            catalog, unmailed, "ada@example.org", send=account_sender(unmailed)
        )
    assert accounts.find_user(catalog, "ada") is not None and mailbox.messages == []
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 2 and all("mail is not configured" in text for text in warnings)


def test_a_custom_sender_gets_the_messages(catalog: Catalog, settings: Settings) -> None:
    sent: list[AccountMail] = []
    auth.sign_up(
        catalog,
        settings,
        username="ada",
        email="ada@example.org",
        password=PASSWORD,
        send=sent.append,
    )
    assert [message.subject for message in sent] == ["Confirm your email address"]
    assert sent[0].to == "ada@example.org" and "/account/verify?token=" in sent[0].text


def test_login_by_name_or_address_gives_a_new_session_each_time(
    catalog: Catalog, settings: Settings
) -> None:
    user = make_user(catalog, "ada")
    first = auth.log_in(catalog, settings, login="ADA", password=PASSWORD, ip="203.0.113.1")
    second = auth.log_in(catalog, settings, login="ada@EXAMPLE.org", password=PASSWORD)
    assert first.user == user == second.user and first.session_id != second.session_id
    assert auth.current_user(catalog, session_id=first.session_id) == user
    auth.log_out(catalog, first.session_id)
    assert auth.current_user(catalog, session_id=first.session_id) is None
    assert auth.current_user(catalog, session_id=second.session_id) == user


def test_bearer_tokens_identify_api_clients(catalog: Catalog) -> None:
    user = make_user(catalog, "ada")
    token, _ = tokens.create_token(catalog, user)
    assert auth.current_user(catalog, authorization=f"Bearer {token}") == user
    assert auth.current_user(catalog, authorization="Bearer pw_forged") is None
    assert auth.current_user(catalog) is None


def test_wrong_password_unknown_user_and_no_password_fail_alike(
    catalog: Catalog, settings: Settings
) -> None:
    make_user(catalog, "ada")
    make_user(catalog, "bob", password=None)
    messages = set()
    for login, password in (("ada", "wrong password!"), ("nobody", PASSWORD), ("bob", PASSWORD)):
        with pytest.raises(auth.LoginFailed) as failure:
            auth.log_in(catalog, settings, login=login, password=password)
        messages.add(str(failure.value))
    assert messages == {auth.LOGIN_FAILED}
    assert auth.LoginFailed.status == 401


def test_unknown_users_cost_as_much_time_as_wrong_passwords(
    catalog: Catalog, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The production hashing cost, so that the password check dominates the few database
    # round trips a known account adds (a busy CI machine makes those vary by milliseconds).
    monkeypatch.setattr(
        passwords,
        "HASHER",
        argon2.PasswordHasher(
            time_cost=passwords.TIME_COST,
            memory_cost=passwords.MEMORY_KIB,
            parallelism=passwords.PARALLELISM,
        ),
    )
    make_user(catalog, "ada")
    addresses = iter(range(100))

    def timed(login: str) -> float:
        ip = f"192.0.2.{next(addresses)}"  # fresh addresses: the throttle stays out of it
        start = time.perf_counter()
        with pytest.raises(auth.LoginFailed):
            auth.log_in(catalog, settings, login=login, password="wrong password!", ip=ip)
        return time.perf_counter() - start

    timed("nobody")  # warm-up (the dummy hash is made once)
    known: list[float] = []
    unknown: list[float] = []
    for _ in range(6):  # interleaved, so a burst of load on the machine hits both alike
        known.append(timed("ada"))
        unknown.append(timed("nobody"))
    ratio = statistics.median(unknown) / statistics.median(known)
    # Skipping the hash for unknown names would give a ratio near 0.05; the band leaves room
    # for noise without letting that through.
    assert 0.33 < ratio < 3.0, (known, unknown)


def test_login_rehashes_when_the_parameters_change(
    catalog: Catalog, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(catalog, "ada")
    old = accounts.password_hash_of(catalog, user.id)
    assert old is not None and ",t=1," in old
    monkeypatch.setattr(
        passwords, "HASHER", argon2.PasswordHasher(time_cost=2, memory_cost=64, parallelism=1)
    )
    auth.log_in(catalog, settings, login="ada", password=PASSWORD)
    new = accounts.password_hash_of(catalog, user.id)
    assert new is not None and new != old and ",t=2," in new
    auth.log_in(catalog, settings, login="ada", password=PASSWORD)
    assert accounts.password_hash_of(catalog, user.id) == new


def test_disabled_accounts_cannot_log_in(catalog: Catalog, settings: Settings) -> None:
    make_user(catalog, "ada")
    accounts.set_disabled(catalog, "ada")
    # The right password fails as a wrong one does: nothing tells it was right.
    with pytest.raises(auth.LoginFailed, match=auth.LOGIN_FAILED):
        auth.log_in(catalog, settings, login="ada", password=PASSWORD)
    with pytest.raises(auth.LoginFailed, match=auth.LOGIN_FAILED):
        auth.log_in(catalog, settings, login="ada", password="wrong password!")


def test_repeated_failures_answer_retry_after(
    catalog: Catalog, settings: Settings, clock: FakeClock
) -> None:
    make_user(catalog, "ada")
    for _ in range(4):
        with pytest.raises(auth.LoginFailed):
            auth.log_in(
                catalog, settings, login="ada", password="wrong password!", ip="198.51.100.7"
            )
    with pytest.raises(TooMany) as fifth:
        auth.log_in(catalog, settings, login="ada", password="wrong password!", ip="198.51.100.7")
    assert fifth.value.retry_after == 1 and fifth.value.status == 429
    with pytest.raises(TooMany, match="try again in 1 seconds"):
        auth.log_in(catalog, settings, login="ada", password=PASSWORD, ip="198.51.100.7")
    # The owner elsewhere is not slowed by what happened at that address.
    assert auth.log_in(catalog, settings, login="ada", password=PASSWORD, ip="192.0.2.1").user
    clock.advance(1)
    assert auth.log_in(catalog, settings, login="ada", password=PASSWORD, ip="198.51.100.7").user
    # Unknown names are throttled the same way (no hint that they do not exist).
    for _ in range(4):
        with pytest.raises(auth.LoginFailed):
            auth.log_in(catalog, settings, login="ghost", password="x" * 8, ip="198.51.100.7")
    with pytest.raises(TooMany):
        auth.log_in(catalog, settings, login="ghost", password="x" * 8, ip="198.51.100.7")


def test_password_reset_by_mail(
    catalog: Catalog, settings: Settings, mailbox: SmtpSink, clock: FakeClock
) -> None:
    user = make_user(catalog, "ada", verified=False)
    old_session = sessions.create_session(catalog, user)
    _reset(catalog, settings, "  ADA@example.org ")
    message = mailbox.only()
    assert message["Subject"] == "Reset your password"
    assert "https://papers.example.org/account/reset?token=" in text_of(message)
    token = link_token(message)
    with pytest.raises(WeakPassword):
        auth.reset_password(catalog, token, "password")
    changed = auth.reset_password(catalog, token, "a brand new phrase")  # the token survived
    assert changed.email_verified
    assert sessions.session_user(catalog, old_session) is None
    assert auth.log_in(catalog, settings, login="ada", password="a brand new phrase").user
    with pytest.raises(auth.LoginFailed):
        auth.log_in(catalog, settings, login="ada", password=PASSWORD)
    with pytest.raises(NotFound):
        auth.reset_password(catalog, token, "yet another phrase")
    _reset(catalog, settings, "ada@example.org")
    clock.advance(3601)
    with pytest.raises(NotFound):
        auth.reset_password(catalog, link_token(mailbox.messages[-1]), "yet another phrase")


def test_reset_for_unknown_or_disabled_addresses_does_nothing_visible(
    catalog: Catalog, settings: Settings, mailbox: SmtpSink
) -> None:
    make_user(catalog, "bob")
    accounts.set_disabled(catalog, "bob")
    _reset(catalog, settings, "nobody@example.org")
    _reset(catalog, settings, "bob@example.org")
    _reset(catalog, settings, "not an address")
    assert mailbox.messages == []


def test_passwordless_accounts_start_with_a_reset(
    catalog: Catalog, settings: Settings, mailbox: SmtpSink
) -> None:
    make_user(catalog, "ada", password=None)
    _reset(catalog, settings, "ada@example.org")
    auth.reset_password(catalog, link_token(mailbox.only()), "my first phrase")
    assert auth.log_in(catalog, settings, login="ada", password="my first phrase").user


def test_change_password_needs_the_current_one(catalog: Catalog, settings: Settings) -> None:
    user = make_user(catalog, "ada")
    with pytest.raises(auth.WrongPassword):
        auth.change_password(catalog, settings, user, "wrong password!", "a brand new phrase")
    auth.change_password(catalog, settings, user, PASSWORD, "a brand new phrase")
    assert auth.log_in(catalog, settings, login="ada", password="a brand new phrase").user


def test_an_unconfirmed_account_with_the_right_password_fails_as_a_wrong_one(
    catalog: Catalog, settings: Settings
) -> None:
    # Else signing up with someone's address and logging in would tell whether the address
    # had an account (a taken one makes none, a free one makes one that logs in).
    user = make_user(catalog, "newcomer", verified=False)
    with pytest.raises(auth.LoginFailed, match=auth.LOGIN_FAILED):
        auth.log_in(catalog, settings, login="newcomer", password=PASSWORD)
    with pytest.raises(auth.LoginFailed, match=auth.LOGIN_FAILED):
        auth.log_in(catalog, settings, login="nobody", password=PASSWORD)
    accounts.mark_email_verified(catalog, user.id)  # the mailed link was used
    assert auth.log_in(catalog, settings, login="newcomer", password=PASSWORD).user.id == user.id
