"""The mails the account flows send, as plain data: who, subject, text and HTML.

accounts/ says what a mail says; mail/ (a higher room) turns an AccountMail into bytes and
delivers it, through the `send` callable the flows are given (mail.accounts.account_sender).
Links come in ready-made; the HTML part escapes them and every other value.
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AccountMail:
    to: str
    subject: str
    text: str
    html: str


def _html(paragraphs: list[str], link: str, label: str) -> str:
    body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    button = f'<p><a href="{html.escape(link, quote=True)}">{html.escape(label)}</a></p>'
    return f"<!doctype html><html><body>{body}{button}</body></html>"


def verification_mail(*, to: str, username: str, link: str) -> AccountMail:
    intro = f"Hello {username}, please confirm that this is your email address for paperwire."
    outro = "The link works once, for 3 days. If you did not sign up, ignore this mail."
    return AccountMail(
        to=to,
        subject="Confirm your email address",
        text=f"{intro}\n\n{link}\n\n{outro}\n",
        html=_html([intro, outro], link, "Confirm my address"),
    )


def reset_mail(*, to: str, username: str, link: str) -> AccountMail:
    intro = f"Hello {username}, somebody asked to reset your paperwire password."
    outro = "The link works once, for 1 hour. If it was not you, ignore this mail."
    return AccountMail(
        to=to,
        subject="Reset your password",
        text=f"{intro}\n\n{link}\n\n{outro}\n",
        html=_html([intro, outro], link, "Choose a new password"),
    )


def account_exists_mail(*, to: str, username: str, link: str) -> AccountMail:
    """Sent instead of a second account when somebody signs up with a taken address."""
    intro = (
        f"Somebody tried to sign up to paperwire with your address, which already belongs "
        f"to the account {username}."
    )
    outro = "If it was you and you forgot your password, reset it here. Otherwise ignore this."
    return AccountMail(
        to=to,
        subject="You already have a paperwire account",
        text=f"{intro}\n\n{outro}\n{link}\n",
        html=_html([intro, outro], link, "Reset my password"),
    )
