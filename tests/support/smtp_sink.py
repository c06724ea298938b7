"""A real SMTP server for the digest tests: aiosmtpd on a free loopback port that keeps every
message it accepts (and appends its Message-ID to a log file), with faults to inject per
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
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.servers import free_port

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)


@dataclass
class Received:
    recipients: list[str]
    data: bytes

    @property
    def message_id(self) -> str:
        match = _MESSAGE_ID.search(self.data)
        return match[1].decode() if match else ""

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.data, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class Sink:
    log_path: Path | None = None
    received: list[Received] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, recipient: str, *faults: str) -> None:
        """Answer `recipient`'s next messages with these faults, in order."""
        self.faults.setdefault(recipient, []).extend(faults)

    def _fault(self, recipient: str, stage: str) -> str | None:
        with self._lock:
            queue = self.faults.get(recipient)
            if queue and (queue[0] == "550-rcpt") == (stage == "rcpt"):
                return queue.pop(0)
        return None

    def to(self, recipient: str) -> list[Received]:
        return [message for message in self.received if recipient in message.recipients]

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
        return "250 OK"

    def _keep(self, message: Received) -> None:
        with self._lock:
            self.received.append(message)
            if self.log_path is not None:
                with self.log_path.open("a") as log:
                    log.write(f"{message.message_id}\n")


@contextmanager
def smtp_sink(log_path: Path | None = None) -> Iterator[tuple[Sink, int]]:
    sink = Sink(log_path)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
