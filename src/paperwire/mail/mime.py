"""Mail messages as bytes: headers that no data can break, both parts as MIME alternatives.

Data reaches headers only through the Subject (paper titles) and the recipient. Headers are
written here rather than by the email package, which decodes RFC 2047 encoded words found
in the values it is handed and then writes out what they decode to, CR/LF included (a title
like "=?utf-8?q?x=0D=0ABcc:_y?=" would add a Bcc). So: every value is flattened to one
line of printable text, any "=?" in it is defused, non-ASCII text is sent as encoded words,
and the recipient must be a plain address. It is also ten times faster.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.header import Header

MAX_SUBJECT_CHARS = 200
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")
_CRLF = "\r\n"
# 45 bytes make 60 base64 characters: with "=?utf-8?b?" and "?=", a 72-character word.
_WORD_BYTES = 45
_MAX_LINE = 998


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message ready for a Messenger: envelope, bytes, and the outbox row it came from
    (0 for a mail that has none, such as an account mail)."""

    row_id: int
    message_id: str
    sender: str  # envelope sender
    recipient: str
    data: bytes
    eight_bit: bool = False  # parts in 8bit: send with BODY=8BITMIME


class BadAddress(ValueError):
    """An address that cannot be put in a header as it is."""


def one_line(text: str, max_chars: int = MAX_SUBJECT_CHARS) -> str:
    """Printable text on one line: controls, format characters and line or paragraph
    separators become spaces, runs of space collapse, "=?" (an encoded word's start) is
    split."""
    if not text.isprintable():  # str.isprintable: no C* or Z* character but " "
        text = "".join(c if c.isprintable() else " " for c in text)
    flat = " ".join(text.split()).replace("=?", "= ?")
    if len(flat) > max_chars:
        flat = flat[: max_chars - 1].rstrip() + "…"
    return flat


def address(addr_spec: str) -> str:
    """A plain ASCII address (no name, no comments), or BadAddress."""
    if not _ADDRESS.fullmatch(addr_spec) or len(addr_spec) > 254:
        raise BadAddress(f"refusing address {addr_spec[:80]!r}")
    return addr_spec


@dataclass(frozen=True, slots=True)
class Sender:
    addr_spec: str
    header: str  # the From value, display name encoded as needed

    def __str__(self) -> str:
        return self.header


def parse_from(value: str) -> Sender:
    """The From setting: `Name <addr@host>` or a bare address."""
    name, addr_spec = email.utils.parseaddr(value)
    address(addr_spec)
    name = one_line(name, 80)
    return Sender(addr_spec, email.utils.formataddr((name, addr_spec), charset="utf-8"))


def _encoded(name: str, value: str) -> str:
    """`value` as a header field body: folded ASCII, or UTF-8 encoded words (RFC 2047,
    base64, each at most 75 characters and holding whole characters)."""
    if value.isascii():
        return Header(value, "us-ascii", header_name=name).encode(linesep=_CRLF)
    # The chunk's UTF-8 size is counted character by character: re-encoding the whole
    # chunk at each character cost a tenth of a millisecond per subject.
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    for character in value:
        width = len(character.encode("utf-8"))
        if size + width > _WORD_BYTES:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(character)
        size += width
    words.append("".join(chunk))
    encoded = (base64.b64encode(word.encode("utf-8")).decode("ascii") for word in words)
    return (_CRLF + " ").join(f"=?utf-8?b?{text}?=" for text in encoded)


def build(
    *,
    sender: Sender,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    date: dt.datetime,
    headers: Mapping[str, str] | None = None,
    eight_bit: bool = False,
) -> bytes:
    """The whole message: multipart/alternative, the plain text part first (RFC 2046: the
    richest part last). `eight_bit`: the server takes 8BITMIME, so parts go as UTF-8 lines
    (a fifth of the size and CPU of quoted-printable, at both ends)."""
    boundary = "=_pw_" + hashlib.sha256(message_id.encode()).hexdigest()[:24]
    fields = [
        ("From", sender.header),
        ("To", address(to)),
        ("Subject", _encoded("Subject", one_line(subject))),
        ("Date", email.utils.format_datetime(date)),
        ("Message-ID", one_line(message_id, 250)),
    ]
    for name, value in (headers or {}).items():
        # One URL each (List-Unsubscribe...): kept on one line, which some validators need;
        # 998 is RFC 5322's hard limit.
        flat = one_line(value, 900)
        if not flat.isascii():
            raise ValueError(f"header {name} must be ASCII")
        fields.append((name, flat))
    fields += [
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    head = "".join(f"{name}: {value}{_CRLF}" for name, value in fields).encode("ascii")
    marker = f"--{boundary}".encode("ascii")
    return b"".join(
        [
            head,
            b"\r\n",
            marker + b"\r\n",
            _part("text/plain", text, eight_bit),
            marker + b"\r\n",
            _part("text/html", html, eight_bit),
            marker + b"--\r\n",
        ]
    )


def _part(content_type: str, body: str, eight_bit: bool) -> bytes:
    normalised = body.replace("\r\n", "\n").replace("\r", "\n")
    if not normalised.endswith("\n"):
        normalised += "\n"
    data = normalised.encode("utf-8")
    # 8bit needs lines of at most 998 octets (RFC 5322); else quoted-printable. binascii's
    # encoder is C; the email package's is Python (~5 ms a mail).
    if eight_bit and max(map(len, data.split(b"\n"))) <= _MAX_LINE:
        encoding, encoded = "8bit", data
    else:
        encoding, encoded = "quoted-printable", binascii.b2a_qp(data, istext=True)
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode("ascii") + encoded.replace(b"\n", b"\r\n")
