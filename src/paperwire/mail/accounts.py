"""Account mails out: built by mail/mime.py and sent by mail/smtp.SmtpMessenger, the same
builder and client digests use, over one connection per mail.

`account_sender(settings)` is the `send` the account flows are given. Without
PAPERWIRE_SMTP_HOST it logs a warning and returns, so an instance without mail still works
(the account exists, the mail is not sent; docs/community.md). When delivery fails it
raises MailError. `deliver(settings, mail)` raises MailNotConfigured instead, for callers
that must say so (the admin page's test mail).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from collections.abc import Callable

from paperwire.accounts.mails import AccountMail
from paperwire.config import Settings
from paperwire.mail import mime
from paperwire.mail.mime import OutgoingMessage
from paperwire.mail.smtp import SmtpConfig, SmtpMessenger

log = logging.getLogger(__name__)
# RFC 3834: a machine wrote this mail; auto-responders should not answer it.
HEADERS = {"Auto-Submitted": "auto-generated"}


class MailNotConfigured(RuntimeError):
    """PAPERWIRE_SMTP_HOST is not set, so no mail can be sent."""


class MailError(RuntimeError):
    """The mail could not be built (an address that cannot go in a header) or delivered
    (the SMTP server could not be reached or refused it)."""


def account_message(
    settings: Settings, mail: AccountMail, *, date: dt.datetime | None = None
) -> OutgoingMessage:
    """The mail as bytes, with a plain text part and its HTML alternative. Raises
    mime.BadAddress when the recipient or PAPERWIRE_SMTP_FROM is not a plain address."""
    sender = mime.parse_from(settings.smtp_from)
    domain = sender.addr_spec.rpartition("@")[2]  # checked by parse_from
    message_id = email.utils.make_msgid("paperwire.account", domain=domain)
    data = mime.build(
        sender=sender,
        to=mail.to,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        message_id=message_id,
        date=date or dt.datetime.now(dt.UTC),
        headers=HEADERS,
    )
    return OutgoingMessage(0, message_id, sender.addr_spec, mail.to, data)


def deliver(settings: Settings, mail: AccountMail) -> None:
    """Send one mail through PAPERWIRE_SMTP_*. Raises MailNotConfigured without a host,
    MailError when it cannot be built or was not accepted."""
    if not settings.smtp_host:
        raise MailNotConfigured("PAPERWIRE_SMTP_HOST is not set: no mail can be sent")
    try:
        message = account_message(settings, mail)
    except mime.BadAddress as error:
        raise MailError(f"mail to {mail.to!r} not sent: {error}") from error
    messenger = SmtpMessenger(SmtpConfig.from_settings(settings))
    try:
        delivery = messenger.send(message)
    finally:
        messenger.close()
    if delivery.outcome != "sent":
        raise MailError(f"mail to {mail.to!r} not sent: {delivery.detail}")


def account_sender(settings: Settings) -> Callable[[AccountMail], None]:
    """`deliver`, except that a missing PAPERWIRE_SMTP_HOST is a logged warning."""

    def send(mail: AccountMail) -> None:
        try:
            deliver(settings, mail)
        except MailNotConfigured:
            log.warning("mail is not configured: %r to %r was not sent", mail.subject, mail.to)

    return send
