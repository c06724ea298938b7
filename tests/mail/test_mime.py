"""Messages: data can never add a header, both parts survive a round trip."""

from __future__ import annotations

import datetime as dt
import email
import re
from email import policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperwire.mail import mime

SENDER = mime.parse_from("paperwire digest <digest@papers.example.org>")
HEADERS = {
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "MIME-Version",
    "Content-Type",
}
TRICKS = [
    "A title\r\nBcc: victim@example.org",
    "=?utf-8?q?Hi=0D=0ABcc:_victim@example.org?=",
    "=?utf-8?b?SGkNCkJjYzogdmljdGltQGV4YW1wbGUub3Jn?= and more",
    "Line\u2028separator\u0085next\x0bline\x0cfeed",
    "Title\n\nBody injection",
]


def _build(subject: str, text: str = "text", html: str = "<p>html</p>") -> bytes:
    return mime.build(
        sender=SENDER,
        to="reader@example.org",
        subject=subject,
        text=text,
        html=html,
        message_id="<paperwire.digest.1.1@papers.example.org>",
        date=dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC),
        headers={"List-Unsubscribe": "<https://papers.example.org/unsubscribe/abc.def>"},
    )


def _header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0] for line in head.split("\r\n") if not line[:1].isspace()]


def _check(subject: str) -> None:
    raw = _build(subject)
    names = _header_names(raw)
    assert sorted(names) == sorted(HEADERS)
    parsed = email.message_from_bytes(raw, policy=policy.default)
    decoded = str(parsed["Subject"])
    assert "\r" not in decoded and "\n" not in decoded
    assert decoded == mime.one_line(subject)
    assert parsed["Bcc"] is None


@pytest.mark.parametrize("subject", TRICKS)
def test_titles_cannot_add_headers(subject: str) -> None:
    _check(subject)


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_no_text_can_add_a_header(subject: str) -> None:
    _check(subject)


def test_both_parts_round_trip_and_lines_stay_short() -> None:
    text = "First line\n.starts with a dot\n" + "é" * 500
    html = "<p>" + "ü" * 3000 + "</p>"
    raw = _build("Ünïcode — title", text=text, html=html)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert raw.isascii()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    plain, rich = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and rich is not None
    assert plain.get_content().replace("\r\n", "\n").rstrip("\n") == text
    assert rich.get_content().replace("\r\n", "\n").rstrip("\n") == html
    assert str(parsed["Subject"]) == "Ünïcode — title"


def test_list_unsubscribe_stays_on_one_line() -> None:
    raw = _build("x")
    line = next(line for line in raw.split(b"\r\n") if line.startswith(b"List-Unsubscribe:"))
    assert re.fullmatch(rb"List-Unsubscribe: <https://[^>]+>", line)


@pytest.mark.parametrize(
    "bad", ["a@example.org\r\nBcc: b@example.org", "a@example.org, b@example.org", "x"]
)
def test_bad_recipients_are_refused(bad: str) -> None:
    with pytest.raises(mime.BadAddress):
        mime.build(
            sender=SENDER,
            to=bad,
            subject="s",
            text="t",
            html="h",
            message_id="<1@x>",
            date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )


def test_eight_bit_parts_when_the_server_takes_them_and_lines_fit() -> None:
    def built(html: str) -> bytes:
        return mime.build(
            sender=SENDER,
            to="reader@example.org",
            subject="s",
            text="plain ü\n.dot line",
            html=html,
            message_id="<1@example.org>",
            date=dt.datetime(2026, 3, 16, tzinfo=dt.UTC),
            eight_bit=True,
        )

    raw = built("<p>ü</p>")
    assert raw.count(b"Content-Transfer-Encoding: 8bit") == 2
    parsed = email.message_from_bytes(raw, policy=policy.default)
    rich = parsed.get_body(("html",))
    assert rich is not None and rich.get_content().strip() == "<p>ü</p>"
    # A line over RFC 5322's 998 octets cannot go as 8bit: that part falls back.
    raw = built("<p>" + "x" * 1200 + "</p>")
    assert b"Content-Transfer-Encoding: 8bit" in raw
    assert b"Content-Transfer-Encoding: quoted-printable" in raw
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
