"""Messengers carry rendered messages out: SMTP for real, files for previews and tests.

SmtpMessenger keeps one connection open and reports each message's fate as a Delivery:
- sent: the server took it (250 after the data);
- temporary: a 4xx, or the connection failed before the data went out: safe to retry;
- permanent: a 5xx: never retried; a refused recipient or message counts as a bounce;
- uncertain: the connection broke after the data went out and before the server answered:
  it may have been delivered, so under the at-most-once policy it is not sent again.
The SMTP transaction is driven step by step (MAIL, RCPT, DATA, payload) to know which;
with a server that announces PIPELINING, MAIL, RCPT and DATA go in one write (two round
trips a message instead of four), their answers still read and judged one by one.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from paperwire.config import Settings
from paperwire.mail.mime import OutgoingMessage

Outcome = Literal["sent", "temporary", "permanent", "uncertain"]
SMTP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Delivery:
    outcome: Outcome
    detail: str = ""
    code: int | None = None
    bounce: bool = False  # the server refused this recipient or message for good


class Messenger(Protocol):
    def send(self, message: OutgoingMessage) -> Delivery: ...

    def accepts_8bit(self) -> bool:
        """Whether messages may carry 8bit parts (SMTP: the server announced 8BITMIME)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: Literal["none", "starttls", "tls"] = "starttls"
    user: str | None = None
    password: str | None = None
    timeout: float = SMTP_TIMEOUT_SECONDS
    ca_file: Path | None = None  # the CAs to trust instead of the system's (a private CA)

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name checked, against `ca_file` or the system's CAs."""
        return ssl.create_default_context(cafile=self.ca_file)

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        if not settings.smtp_host:
            raise ValueError("no SMTP server configured (PAPERWIRE_SMTP_HOST)")
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            ca_file=settings.smtp_ca_file,
        )


def _reply(code: int, text: bytes | str, where: str, *, bounce: bool) -> Delivery:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    detail = f"{where}: {code} {message}".strip()[:500]
    if 400 <= code < 500:
        return Delivery("temporary", detail, code)
    return Delivery("permanent", detail, code, bounce=bounce)


def _refusal(replies: list[tuple[int, bytes]]) -> Delivery | None:
    """The first refusal among pipelined MAIL, RCPT and DATA answers, if any."""
    (mail, mail_text), (rcpt, rcpt_text), (data, data_text) = replies
    if mail != 250:
        return _reply(mail, mail_text, "MAIL FROM", bounce=False)
    if rcpt not in (250, 251):
        return _reply(rcpt, rcpt_text, "RCPT TO", bounce=True)
    if data != 354:
        return _reply(data, data_text, "DATA", bounce=True)
    return None


def data_block(data: bytes) -> bytes:
    """The message as the DATA phase sends it: dot-stuffed, ending in CRLF . CRLF."""
    stuffed = data.replace(b"\r\n.", b"\r\n..")  # (messages are built with CRLF)
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"


class SmtpMessenger:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        smtp: smtplib.SMTP
        if config.security == "tls":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=config.tls_context()
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        smtp.ehlo()
        if config.security == "starttls":
            smtp.starttls(context=config.tls_context())
            smtp.ehlo()
        if config.user:
            smtp.login(config.user, config.password or "")
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(OSError):
                smtp.close()

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def accepts_8bit(self) -> bool:
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except (OSError, smtplib.SMTPException):
                self._drop()
                return False  # send() reports the failure; quoted-printable goes anywhere
        return bool(self._smtp.has_extn("8bitmime"))

    def send(self, message: OutgoingMessage) -> Delivery:
        # A connection the server closed while idle only shows at the next command: then
        # reconnect once and start over (nothing was sent on the dead one).
        for attempt in range(2):
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
            except smtplib.SMTPResponseException as error:
                self._drop()
                return _reply(error.smtp_code, error.smtp_error, "connect", bounce=False)
            except (OSError, smtplib.SMTPException) as error:
                self._drop()
                return Delivery("temporary", f"connect: {error!r}"[:500])
            smtp = self._smtp
            # Addresses were checked where they came in (plain ASCII, no brackets):
            # straight to the wire, without smtplib's address parsing.
            body = " BODY=8BITMIME" if message.eight_bit else ""
            commands = [f"MAIL FROM:<{message.sender}>{body}", f"RCPT TO:<{message.recipient}>"]
            stage = "MAIL"
            try:
                if smtp.has_extn("pipelining"):
                    # RFC 2920: MAIL, RCPT and DATA in one write, their answers read in
                    # order: one round trip instead of three.
                    smtp.send("".join(f"{command}\r\n" for command in [*commands, "DATA"]))
                    replies = []
                    for name in ("MAIL", "RCPT", "DATA"):
                        stage = name  # what a lost connection is reported at
                        replies.append(smtp.getreply())
                    refused = _refusal(replies)
                    if refused is not None:
                        if replies[2][0] == 354:  # a server taking DATA without a recipient:
                            self._drop()  # leave, rather than risk a message in data mode
                        else:
                            self._reset(smtp)
                        return refused
                else:
                    code, text = smtp.docmd(commands[0])
                    if code != 250:
                        self._reset(smtp)
                        return _reply(code, text, "MAIL FROM", bounce=False)
                    stage = "RCPT"
                    code, text = smtp.docmd(commands[1])
                    if code not in (250, 251):
                        self._reset(smtp)
                        return _reply(code, text, "RCPT TO", bounce=True)
                    stage = "DATA"
                    code, text = smtp.docmd("DATA")
                    if code != 354:
                        self._reset(smtp)
                        return _reply(code, text, "DATA", bounce=True)
            except (OSError, smtplib.SMTPException) as error:
                self._drop()
                if attempt == 0 and stage == "MAIL":
                    continue
                return Delivery("temporary", f"{stage}: connection lost: {error!r}"[:500])
            return self._payload(smtp, message)
        raise AssertionError("unreachable")

    def _payload(self, smtp: smtplib.SMTP, message: OutgoingMessage) -> Delivery:
        try:
            smtp.send(data_block(message.data))
        except (OSError, smtplib.SMTPException) as error:
            # Without the final "." the server discards a partial message.
            self._drop()
            return Delivery("temporary", f"data: connection lost: {error!r}"[:500])
        try:
            code, text = smtp.getreply()
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            return Delivery("uncertain", f"no answer after the data: {error!r}"[:500])
        if code == 250:
            return Delivery("sent", text.decode("utf-8", "replace")[:200], code)
        self._reset(smtp)
        return _reply(code, text, "end of data", bounce=True)

    def close(self) -> None:
        smtp = self._smtp
        if smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
        self._drop()


class FileMessenger:
    """Writes each message to `directory` as an .eml file (previews, dry runs)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def send(self, message: OutgoingMessage) -> Delivery:
        name = re.sub(r"[^A-Za-z0-9.@-]+", "_", message.message_id.strip("<>"))
        path = self.directory / f"{name}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(message.data)
        temporary.replace(path)
        return Delivery("sent", str(path))

    def accepts_8bit(self) -> bool:
        return True

    def close(self) -> None:
        pass
