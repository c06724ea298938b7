"""Transactional mail: building safe messages and sending them over SMTP.

`send(settings, message)` raises MailNotConfigured when PAPERWIRE_SMTP_HOST is unset: the
caller decides what that means (the account flows log a warning and go on, so an instance
without mail still works; see docs/community.md). Header values never carry CR/LF or other
control characters from user data: they are replaced by spaces before a header is set.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from paperwire.config import Settings

SUBJECT_MAX = 200
SMTP_TIMEOUT_SECONDS = 30.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")


class MailNotConfigured(RuntimeError):
    """PAPERWIRE_SMTP_HOST is not set, so no mail can be sent."""


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused the message."""


def header_text(value: str, limit: int = SUBJECT_MAX) -> str:
    """One line of header text: control characters (CR, LF, ...) become spaces, runs of
    space collapse, and the result is cut to `limit` characters."""
    return " ".join(_CONTROL.sub(" ", value).split())[:limit]


def build_message(
    settings: Settings,
    *,
    to: str,
    subject: str,
    text: str,
    html_body: str | None = None,
    when: dt.datetime | None = None,
) -> EmailMessage:
    """A plain-text message, with an HTML alternative when given."""
    address = header_text(to, 320)
    if parseaddr(address)[1] != address or "@" not in address:
        raise ValueError(f"not a single mail address: {address!r}")
    message = EmailMessage()
    message["From"] = header_text(settings.smtp_from, 320)
    message["To"] = address
    message["Subject"] = header_text(subject)
    message["Date"] = format_datetime((when or dt.datetime.now(dt.UTC)).astimezone(dt.UTC))
    message["Message-ID"] = make_msgid(domain=_from_domain(settings.smtp_from))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(text)
    if html_body is not None:
        message.add_alternative(html_body, subtype="html")
    return message


def _from_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2]
    return domain if re.fullmatch(r"[A-Za-z0-9.-]{1,253}", domain or "") else "localhost"


def send(settings: Settings, message: EmailMessage) -> None:
    """Deliver through PAPERWIRE_SMTP_* (security none, starttls or tls; login when a user is
    set). Raises MailNotConfigured without a host, MailError when delivery fails."""
    if not settings.smtp_host:
        raise MailNotConfigured("PAPERWIRE_SMTP_HOST is not set: no mail can be sent")
    context = ssl.create_default_context()
    try:
        if settings.smtp_security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host,
                settings.smtp_port,
                timeout=SMTP_TIMEOUT_SECONDS,
                context=context,
            )
        else:
            client = smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS
            )
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=context)
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password or "")
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"mail to {message['To']} not sent: {error}") from error


def _html(paragraphs: list[str], link: str, label: str) -> str:
    body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    button = f'<p><a href="{html.escape(link, quote=True)}">{html.escape(label)}</a></p>'
    return f"<!doctype html><html><body>{body}{button}</body></html>"


def verification_message(settings: Settings, *, to: str, username: str, link: str) -> EmailMessage:
    intro = f"Hello {username}, please confirm that this is your email address for paperwire."
    outro = "The link works once, for 3 days. If you did not sign up, ignore this mail."
    return build_message(
        settings,
        to=to,
        subject="Confirm your email address",
        text=f"{intro}\n\n{link}\n\n{outro}\n",
        html_body=_html([intro, outro], link, "Confirm my address"),
    )


def reset_message(settings: Settings, *, to: str, username: str, link: str) -> EmailMessage:
    intro = f"Hello {username}, somebody asked to reset your paperwire password."
    outro = "The link works once, for 1 hour. If it was not you, ignore this mail."
    return build_message(
        settings,
        to=to,
        subject="Reset your password",
        text=f"{intro}\n\n{link}\n\n{outro}\n",
        html_body=_html([intro, outro], link, "Choose a new password"),
    )


def account_exists_message(
    settings: Settings, *, to: str, username: str, link: str
) -> EmailMessage:
    """Sent instead of a second account when somebody signs up with a taken address."""
    intro = (
        f"Somebody tried to sign up to paperwire with your address, which already belongs "
        f"to the account {username}."
    )
    outro = "If it was you and you forgot your password, reset it here. Otherwise ignore this."
    return build_message(
        settings,
        to=to,
        subject="You already have a paperwire account",
        text=f"{intro}\n\n{outro}\n{link}\n",
        html_body=_html([intro, outro], link, "Reset my password"),
    )
