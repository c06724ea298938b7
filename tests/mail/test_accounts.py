"""Account mails: built by the digests' builder (mime.py), delivered by their SMTP client,
to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import email
import logging
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from paperwire.accounts.mails import AccountMail, reset_mail, verification_mail
from paperwire.config import Settings
from paperwire.mail import accounts as mail
from paperwire.mail import mime
from tests.support.servers import free_port
from tests.support.smtp import SMTP_LOGIN, SmtpSink, smtp_sink, text_of

ACCOUNT_HEADERS = {
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "MIME-Version",
    "Content-Type",
}
HELLO = AccountMail(to="ada@example.org", subject="s", text="Hello\n", html="<p>Hello</p>")


@pytest.fixture
def mailbox() -> Iterator[SmtpSink]:
    with smtp_sink() as box:
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


def _parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_built_messages_are_safe_and_complete(tmp_path: Path) -> None:
    settings = _settings(tmp_path, 25)
    when = dt.datetime(2026, 3, 16, 12, tzinfo=dt.UTC)
    welcome = AccountMail(
        to="ada@example.org",
        subject="Welcome\r\nBcc: victim@example.org",
        text="Hello\n",
        html="<p>Hello</p>",
    )
    outgoing = mail.account_message(settings, welcome, date=when)
    assert (outgoing.row_id, outgoing.sender, outgoing.recipient) == (
        0,
        "noreply@papers.example.org",
        "ada@example.org",
    )
    message = _parsed(outgoing.data)
    assert message["Subject"] == "Welcome Bcc: victim@example.org"
    assert message["Bcc"] is None
    assert message["From"] == "paperwire <noreply@papers.example.org>"
    assert message["To"] == "ada@example.org"
    assert message["Date"] == "Mon, 16 Mar 2026 12:00:00 +0000"
    assert message["Message-ID"] == outgoing.message_id
    assert outgoing.message_id.endswith("@papers.example.org>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    # (A part's last line break belongs to the boundary that follows it: RFC 2046.)
    assert text_of(message) == "Hello"
    html = message.get_body(preferencelist=("html",))
    assert html is not None and str(html.get_content()) == "<p>Hello</p>"
    other = mail.account_message(settings, welcome, date=when)
    assert other.message_id != outgoing.message_id  # one id per mail


@pytest.mark.parametrize(
    "bad", ["ada@example.org\r\nBcc: x@example.org", "a@example.org, b@example.org", "nobody"]
)
def test_a_recipient_that_is_not_one_plain_address_is_refused(tmp_path: Path, bad: str) -> None:
    bad_mail = AccountMail(to=bad, subject="s", text="t", html="h")
    with pytest.raises(mime.BadAddress):
        mail.account_message(_settings(tmp_path, 25), bad_mail)
    with pytest.raises(mail.MailError, match="not sent"):  # before any connection
        mail.deliver(_settings(tmp_path, free_port()), bad_mail)


def test_an_encoded_word_in_the_subject_adds_no_header_on_the_way(
    tmp_path: Path, mailbox: SmtpSink
) -> None:
    """The email package, which account mails used to be built with, decodes encoded
    words it is handed: this subject became a Bcc header. mime.py defuses it."""
    trick = "=?utf-8?q?Hi=0D=0ABcc:_victim@example.org?="
    mail.deliver(_settings(tmp_path, mailbox.port), AccountMail("ada@example.org", trick, "t", "h"))
    [received] = mailbox.to("ada@example.org")
    assert received.recipients == ["ada@example.org"]
    head = received.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    names = {line.split(":", 1)[0] for line in head.split("\r\n") if not line[:1].isspace()}
    assert names == ACCOUNT_HEADERS
    message = received.message
    assert message["Bcc"] is None and "victim@example.org" in message["Subject"]


def test_deliver_sends_over_smtp(tmp_path: Path, mailbox: SmtpSink) -> None:
    settings = _settings(tmp_path, mailbox.port)
    sent = verification_mail(to="ada@example.org", username="ada", link="https://x/v?token=t")
    mail.deliver(settings, sent)
    received = mailbox.only()
    assert received["To"] == "ada@example.org"
    assert received["Subject"] == "Confirm your email address"
    assert "https://x/v?token=t" in text_of(received)
    assert mailbox.logins == []


def test_non_ascii_text_arrives_intact(tmp_path: Path, mailbox: SmtpSink) -> None:
    text = "Grüße, Zoë: " + "ü" * 300 + "\n"  # one long line: quoted-printable folds it
    sent = AccountMail("ada@example.org", "Bienvenue, Zoë", text, "<p>Zoë</p>")
    mail.deliver(_settings(tmp_path, mailbox.port), sent)
    received = mailbox.only()
    assert received["Subject"] == "Bienvenue, Zoë" and text_of(received) == text.rstrip("\n")


def test_deliver_logs_in_when_a_user_is_set(tmp_path: Path, mailbox: SmtpSink) -> None:
    user, password = SMTP_LOGIN
    mail.deliver(_settings(tmp_path, mailbox.port, smtp_user=user, smtp_password=password), HELLO)
    assert mailbox.logins == [SMTP_LOGIN] and len(mailbox.messages) == 1
    wrong = _settings(tmp_path, mailbox.port, smtp_user=user, smtp_password="nope")
    with pytest.raises(mail.MailError, match="not sent: connect: 535"):
        mail.deliver(wrong, HELLO)
    assert len(mailbox.messages) == 1


def test_starttls_is_required_when_asked_for(tmp_path: Path, mailbox: SmtpSink) -> None:
    settings = _settings(tmp_path, mailbox.port, smtp_security="starttls")
    with pytest.raises(mail.MailError, match="not sent"):  # this server offers no STARTTLS
        mail.deliver(settings, HELLO)
    assert mailbox.messages == []


def test_implicit_tls_refuses_a_plain_server(tmp_path: Path, mailbox: SmtpSink) -> None:
    with pytest.raises(mail.MailError):
        mail.deliver(_settings(tmp_path, mailbox.port, smtp_security="tls"), HELLO)
    assert mailbox.messages == []


def test_a_refused_recipient_is_an_error(tmp_path: Path, mailbox: SmtpSink) -> None:
    mailbox.fail("ada@example.org", "550-rcpt")
    with pytest.raises(mail.MailError, match="RCPT TO: 550"):
        mail.deliver(_settings(tmp_path, mailbox.port), HELLO)
    assert mailbox.messages == []


def test_unreachable_server_and_missing_configuration(tmp_path: Path) -> None:
    with pytest.raises(mail.MailError, match="connect"):
        mail.deliver(_settings(tmp_path, free_port()), HELLO)
    with pytest.raises(mail.MailNotConfigured, match="PAPERWIRE_SMTP_HOST"):
        mail.deliver(Settings(data_dir=tmp_path), HELLO)


def test_the_account_sender_warns_without_smtp_and_raises_when_delivery_fails(
    tmp_path: Path, mailbox: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="paperwire.mail.accounts"):
        unmailed = mail.account_sender(Settings(data_dir=tmp_path))
        unmailed(reset_mail(to="ada@example.org", username="ada", link="https://x/r"))
    assert "mail is not configured: 'Reset your password'" in caplog.text
    with pytest.raises(mail.MailError):
        mail.account_sender(_settings(tmp_path, free_port()))(HELLO)
    mail.account_sender(_settings(tmp_path, mailbox.port))(HELLO)
    assert mailbox.only()["Subject"] == "s"
