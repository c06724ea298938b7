"""The account mails' words: each carries its link, in text and (escaped) in HTML."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from paperwire.accounts.mails import (
    AccountMail,
    account_exists_mail,
    reset_mail,
    verification_mail,
)

LINK = 'https://p.example.org/r?token=a"b<c&d'


@pytest.mark.parametrize(
    ("make", "subject", "words"),
    [
        (verification_mail, "Confirm your email address", "Hello <ada>, please confirm"),
        (reset_mail, "Reset your password", "Hello <ada>, somebody asked to reset"),
        (account_exists_mail, "You already have a paperwire account", "the account <ada>."),
    ],
)
def test_each_mail_says_who_and_links_in_text_and_html(
    make: Callable[..., AccountMail], subject: str, words: str
) -> None:
    mail = make(to="ada@example.org", username="<ada>", link=LINK)
    assert (mail.to, mail.subject) == ("ada@example.org", subject)
    assert words in mail.text and LINK in mail.text  # plain text: as it is
    assert 'href="https://p.example.org/r?token=a&quot;b&lt;c&amp;d"' in mail.html
    assert "&lt;ada&gt;" in mail.html and "<ada>" not in mail.html
    assert mail.html.startswith("<!doctype html>")
