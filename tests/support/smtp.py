"""A real SMTP server (aiosmtpd) on a free loopback port, for every test that sends mail.

It keeps every message it accepts, as bytes with its envelope (`received`, `to`) and parsed
(`messages`, `only`, `messages_to`); appends each Message-ID to a log file when given one;
takes SMTP logins (SMTP_LOGIN succeeds, anything else gets 535); and injects faults per
recipient: "451" / "550" at the end of the data, "550-rcpt" at RCPT, "drop" (take the
message, then cut the connection without answering).
"""

from __future__ import annotations

import email
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.servers import free_port

SMTP_LOGIN = ("mailer", "s3cret-pass")
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)


@dataclass
class Received:
    """One accepted message: its envelope recipients and its bytes as they came."""

    recipients: list[str]
    data: bytes

    @property
    def message_id(self) -> str:
        match = _MESSAGE_ID.search(self.data)
        return match[1].decode() if match else ""

    @cached_property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def parsed(self) -> EmailMessage:
        return self.message


@dataclass
class SmtpSink:
    port: int = 0
    log_path: Path | None = None
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- what came -----------------------------------------------------------------

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            received = list(self.received)
        return [message.message for message in received]

    def only(self) -> EmailMessage:
        messages = self.messages
        assert len(messages) == 1, [m["Subject"] for m in messages]
        return messages[0]

    def to(self, recipient: str) -> list[Received]:
        """What came for `recipient` (the envelope's RCPT TO)."""
        with self._lock:
            return [message for message in self.received if recipient in message.recipients]

    def messages_to(self, recipient: str) -> list[EmailMessage]:
        return [message.message for message in self.to(recipient)]

    # -- faults --------------------------------------------------------------------

    def fail(self, recipient: str, *faults: str) -> None:
        """Answer `recipient`'s next messages with these faults, in order."""
        self.faults.setdefault(recipient, []).extend(faults)

    def _fault(self, recipient: str, stage: str) -> str | None:
        with self._lock:
            queue = self.faults.get(recipient)
            if queue and (queue[0] == "550-rcpt") == (stage == "rcpt"):
                return queue.pop(0)
        return None

    # -- aiosmtpd handler and authenticator -----------------------------------------

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self._fault(address, "rcpt"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        recipients = list(envelope.rcpt_tos)
        for recipient in recipients:
            with self._lock:
                self.attempts[recipient] = self.attempts.get(recipient, 0) + 1
        fault = next((f for r in recipients if (f := self._fault(r, "data"))), None)
        if fault == "451":
            return "451 4.3.0 try again later"
        if fault == "550":
            return "550 5.7.1 message refused"
        self._keep(Received(recipients, bytes(envelope.content)))
        if fault == "drop":
            server.transport.abort()  # the message got here; the client never hears so
        return "250 OK"

    def _keep(self, message: Received) -> None:
        with self._lock:
            self.received.append(message)
            if self.log_path is not None:
                with self.log_path.open("a") as log:
                    log.write(f"{message.message_id}\n")

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
    ) -> AuthResult:
        assert isinstance(auth, LoginPassword)
        login = (auth.login.decode(), auth.password.decode())
        with self._lock:
            self.logins.append(login)
        # handled=False: aiosmtpd answers a refusal with 535 itself.
        return AuthResult(success=login == SMTP_LOGIN, handled=False)


def controller(sink: SmtpSink) -> Controller:
    """An aiosmtpd server for `sink` on its port (not started), AUTH offered without TLS."""
    return Controller(
        sink,
        hostname="127.0.0.1",
        port=sink.port,
        authenticator=sink.authenticate,
        auth_require_tls=False,
    )


@contextmanager
def smtp_sink(log_path: Path | None = None) -> Iterator[SmtpSink]:
    sink = SmtpSink(free_port(), log_path)
    server = controller(sink)
    server.start()
    try:
        yield sink
    finally:
        server.stop()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_token(message: EmailMessage) -> str:
    """The token of the link in a mail (what a person would click)."""
    found = re.search(r"\?token=([A-Za-z0-9_\-%]+)", text_of(message))
    assert found, text_of(message)
    return found.group(1)
