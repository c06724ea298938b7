"""A real SMTP server (aiosmtpd) on a free loopback port, and reading what it received."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.servers import free_port

SMTP_LOGIN = ("mailer", "s3cret-pass")


@dataclass
class Mailbox:
    """What the server received (and the logins it was offered)."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
    ) -> AuthResult:
        assert isinstance(auth, LoginPassword)
        login = (auth.login.decode(), auth.password.decode())
        self.logins.append(login)
        # handled=False: aiosmtpd answers a refusal with 535 itself.
        return AuthResult(success=login == SMTP_LOGIN, handled=False)

    def only(self) -> EmailMessage:
        with self.lock:
            assert len(self.messages) == 1, [m["Subject"] for m in self.messages]
            return self.messages[0]

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


@contextmanager
def running_mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=box.port,
        authenticator=box.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_token(message: EmailMessage) -> str:
    """The token of the link in a mail (what a person would click)."""
    found = re.search(r"\?token=([A-Za-z0-9_\-%]+)", text_of(message))
    assert found, text_of(message)
    return found.group(1)
