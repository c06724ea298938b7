"""Transactional mail: safe headers, and delivery to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.mail import transactional as mail
from tests.support.mailserver import SMTP_LOGIN, Mailbox, running_mailbox, text_of


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


def _settings(tmp_path: Path, port: int, **changes: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_from": "paperwire <noreply@papers.example.org>",
    }
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


def test_header_text_is_one_line() -> None:
    assert mail.header_text("Hi\r\nBcc: victim@example.org") == "Hi Bcc: victim@example.org"
    assert mail.header_text("a\u2028b\x00c\x85d\te") == "a b c d e"
    assert mail.header_text("x" * 500) == "x" * mail.SUBJECT_MAX


def test_built_messages_are_safe_and_complete(tmp_path: Path) -> None:
    settings = _settings(tmp_path, 25)
    when = dt.datetime(2026, 3, 16, 12, tzinfo=dt.UTC)
    message = mail.build_message(
        settings,
        to="ada@example.org",
        subject="Welcome\r\nBcc: victim@example.org",
        text="Hello\n",
        html_body="<p>Hello</p>",
        when=when,
    )
    assert message["Subject"] == "Welcome Bcc: victim@example.org"
    assert message["Bcc"] is None
    assert message["From"] == "paperwire <noreply@papers.example.org>"
    assert message["Date"] == "Mon, 16 Mar 2026 12:00:00 +0000"
    assert message["Message-ID"].endswith("@papers.example.org>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert text_of(message) == "Hello\n"
    for bad in ("ada@example.org\r\nBcc: x@example.org", "a@example.org, b@example.org", "nobody"):
        with pytest.raises(ValueError, match="single mail address"):
            mail.build_message(settings, to=bad, subject="s", text="t")


def test_account_mails_escape_their_html(tmp_path: Path) -> None:
    settings = _settings(tmp_path, 25)
    message = mail.reset_message(
        settings, to="ada@example.org", username="ada", link='https://p.example.org/r?token=a"b<c'
    )
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert 'href="https://p.example.org/r?token=a&quot;b&lt;c"' in str(html.get_content())
    assert 'token=a"b<c' in text_of(message)


def test_send_delivers_over_smtp(tmp_path: Path, mailbox: Mailbox) -> None:
    settings = _settings(tmp_path, mailbox.port)
    mail.send(
        settings,
        mail.verification_message(
            settings, to="ada@example.org", username="ada", link="https://x/v?token=t"
        ),
    )
    received = mailbox.only()
    assert received["To"] == "ada@example.org"
    assert received["Subject"] == "Confirm your email address"
    assert "https://x/v?token=t" in text_of(received)
    assert mailbox.logins == []


def test_send_logs_in_when_a_user_is_set(tmp_path: Path, mailbox: Mailbox) -> None:
    user, password = SMTP_LOGIN
    settings = _settings(tmp_path, mailbox.port, smtp_user=user, smtp_password=password)
    mail.send(settings, mail.build_message(settings, to="ada@example.org", subject="s", text="t"))
    assert mailbox.logins == [SMTP_LOGIN] and len(mailbox.messages) == 1
    wrong = _settings(tmp_path, mailbox.port, smtp_user=user, smtp_password="nope")
    with pytest.raises(mail.MailError, match="not sent"):
        mail.send(wrong, mail.build_message(wrong, to="ada@example.org", subject="s", text="t"))
    assert len(mailbox.messages) == 1


def test_starttls_is_required_when_asked_for(tmp_path: Path, mailbox: Mailbox) -> None:
    settings = _settings(tmp_path, mailbox.port, smtp_security="starttls")
    with pytest.raises(mail.MailError, match="not sent"):  # this server offers no STARTTLS
        mail.send(
            settings, mail.build_message(settings, to="ada@example.org", subject="s", text="t")
        )
    assert mailbox.messages == []


def test_implicit_tls_refuses_a_plain_server(tmp_path: Path, mailbox: Mailbox) -> None:
    settings = _settings(tmp_path, mailbox.port, smtp_security="tls")
    with pytest.raises(mail.MailError):
        mail.send(
            settings, mail.build_message(settings, to="ada@example.org", subject="s", text="t")
        )


def test_unreachable_server_and_missing_configuration(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = _settings(tmp_path, port)
    message = mail.build_message(settings, to="ada@example.org", subject="s", text="t")
    with pytest.raises(mail.MailError):
        mail.send(settings, message)
    with pytest.raises(mail.MailNotConfigured, match="PAPERWIRE_SMTP_HOST"):
        mail.send(Settings(data_dir=tmp_path), message)
    assert threading.active_count() >= 1
