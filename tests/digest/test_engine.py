"""Sending to a real SMTP server (aiosmtpd): what arrives, and what each fault leads to."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from email.message import EmailMessage

import sqlalchemy as sa

from paperwire.clock import SystemClock
from paperwire.digest import schema, service
from paperwire.digest.engine import SendPolicy
from tests.support.digest import MONDAY_8AM, Mail
from tests.support.factories import BASE_URL, paper

TODAY = MONDAY_8AM.date()
TOKEN = r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"


def outbox(mail: Mail) -> list[sa.Row[tuple[object, ...]]]:
    table = schema.outbox
    with mail.catalog.engine.connect() as connection:
        return list(connection.execute(sa.select(table).order_by(table.c.id)))


def one_reader(mail: Mail, email: str = "reader@example.org") -> int:
    mail.catalog.upsert([paper(1, TODAY, upvotes=7, code="https://github.com/org/repo")])
    mail.subs.add(email, confirmed=True)
    return mail.compose()


def bodies(message: EmailMessage) -> tuple[str, str]:
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


def test_a_digest_arrives_whole(mail: Mail) -> None:
    nasty = 'Attention <script>alert("x")</script> & "quotes"\r\nBcc: victim@example.org'
    mail.catalog.upsert(
        [
            paper(1, TODAY, title=nasty, upvotes=7, code="https://github.com/org/repo"),
            paper(2, TODAY, title="=?utf-8?q?Hi=0D=0ABcc:_victim@example.org?="),
        ]
    )
    subscriber = mail.subs.add("reader@example.org", confirmed=True)
    assert mail.compose() == 1
    report = mail.send()
    assert report.counts["sent"] == 1
    [received] = mail.sink.received
    assert received.recipients == ["reader@example.org"]
    message = received.parsed()
    [row] = outbox(mail)
    assert (
        message["Message-ID"] == f"<paperwire.digest.{row.id}.{subscriber.id}@papers.example.org>"
    )
    assert message["To"] == "reader@example.org"
    assert message["From"] == "paperwire <paperwire@localhost>"
    assert message["Date"] is not None and message["Bcc"] is None
    subject = str(message["Subject"])
    assert "\n" not in subject and "\r" not in subject and subject.endswith("· paperwire")
    unsubscribe = re.fullmatch(rf"<({BASE_URL}/unsubscribe/{TOKEN})>", message["List-Unsubscribe"])
    assert unsubscribe is not None
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    assert b"Content-Transfer-Encoding: 8bit" in received.data  # aiosmtpd takes 8BITMIME
    text, html = bodies(message)
    for body in (text, html):
        assert unsubscribe[1] in body  # a visible unsubscribe link in both parts
        assert re.search(rf"{BASE_URL}/digest/preferences/{TOKEN}", body)
        assert re.search(rf"{BASE_URL}/digest/feedback/{TOKEN}", body)
        assert f"{BASE_URL}/papers/2603.00001" in body
        assert "https://github.com/org/repo" in body
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<style" not in html and 'style="' in html  # CSS inlined for Gmail and Outlook
    assert "max-width: 600px" in html
    assert "7 upvotes" in text and "▲ 7 upvotes" in html


def test_a_temporary_failure_is_retried_until_it_goes_through_once(mail: Mail) -> None:
    one_reader(mail)
    mail.sink.fail("reader@example.org", "451", "451")
    started = mail.clock.now()
    report = mail.send()
    assert (report.counts["retry"], report.counts["sent"]) == (2, 1)
    assert len(mail.sink.received) == 1 and mail.sink.attempts["reader@example.org"] == 3
    [row] = outbox(mail)
    assert (row.state, row.attempts) == ("sent", 3)
    # Backoff 60 s, then 120 s (the clock is the test's).
    assert mail.clock.now() - started >= dt.timedelta(seconds=180)


def test_a_refused_recipient_is_a_bounce_never_retried_and_suppressed(mail: Mail) -> None:
    one_reader(mail)
    mail.sink.fail("reader@example.org", "550-rcpt")
    report = mail.send()
    assert report.counts["bounced"] == 1 and mail.sink.received == []
    [row] = outbox(mail)
    assert row.state == "failed" and "550" in str(row.last_error)
    subscriber = mail.subs.by_email("reader@example.org")
    assert subscriber is not None
    assert (subscriber.status, subscriber.bounces) == ("suppressed", 1)
    mail.catalog.upsert([paper(2, TODAY)])
    assert mail.compose() == 0  # a suppressed address gets no more digests


def test_a_message_refused_after_the_data_is_a_bounce_too(mail: Mail) -> None:
    one_reader(mail)
    mail.sink.fail("reader@example.org", "550")
    assert mail.send().counts["bounced"] == 1
    assert mail.subs.by_email("reader@example.org").status == "suppressed"  # type: ignore[union-attr]


def test_a_connection_lost_after_the_data_is_uncertain_and_never_resent(mail: Mail) -> None:
    one_reader(mail)
    mail.sink.fail("reader@example.org", "drop")
    report = mail.send()
    assert report.counts["uncertain"] == 1
    [row] = outbox(mail)
    assert row.state == "uncertain"
    assert mail.send().counts["sent"] == 0
    assert len(mail.sink.received) == 1  # it had arrived: at most once holds


def test_temporary_failures_stop_at_the_deadline(mail: Mail) -> None:
    one_reader(mail)
    mail.sink.fail("reader@example.org", *["451"] * 50)
    report = mail.send()
    assert report.counts["failed"] == 1 and mail.sink.received == []
    [row] = outbox(mail)
    assert row.state == "failed" and "gave up" in str(row.last_error)
    # Not the address's fault: it stays subscribed.
    assert mail.subs.by_email("reader@example.org").status == "confirmed"  # type: ignore[union-attr]


def test_an_unreachable_server_means_retry_later(mail: Mail) -> None:
    one_reader(mail)
    from tests.support.servers import free_port

    mail.settings = mail.settings.model_copy(update={"smtp_port": free_port()})
    engine = service.sender(mail.catalog, mail.settings, clock=mail.clock)
    report = engine.run()
    assert report.counts["retry"] == 1
    assert outbox(mail)[0].state == "retry"


def test_the_rate_limit_spaces_messages(mail: Mail) -> None:
    real = SystemClock()
    mail.clock.advance((real.now() - mail.clock.now()).total_seconds())  # deadlines are real
    mail.catalog.upsert([paper(1, real.now().date())])
    for number in range(12):
        mail.subs.add(f"r{number}@example.org", confirmed=True)
    mail.compose()
    engine = service.sender(
        mail.catalog,
        mail.settings,
        clock=real,
        policy=SendPolicy(rate=40.0, concurrency=3),
    )
    started = time.monotonic()
    assert engine.run().counts["sent"] == 12
    assert time.monotonic() - started >= 11 / 40 - 0.02
    assert len(mail.sink.received) == 12


def test_sigterm_stops_claiming_and_finishes_the_message_in_flight(mail: Mail) -> None:
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    real = SystemClock()
    mail.clock.advance((real.now() - mail.clock.now()).total_seconds())
    mail.catalog.upsert([paper(1, real.now().date())])
    for number in range(40):
        mail.subs.add(f"r{number}@example.org", confirmed=True)
    env = os.environ | {
        "PAPERWIRE_DATA_DIR": str(mail.settings.data_dir),
        "PAPERWIRE_DATABASE_URL": str(mail.catalog.engine.url),
        "PAPERWIRE_SECRET_KEY": str(mail.settings.secret_key),
        "PAPERWIRE_SMTP_HOST": "127.0.0.1",
        "PAPERWIRE_SMTP_PORT": str(mail.settings.smtp_port),
        "PAPERWIRE_SMTP_SECURITY": "none",
        "PAPERWIRE_SMTP_RATE": "10",
    }
    command = [
        str(Path(sys.executable).with_name("paperwire")),
        "digest",
        "run",
        "--now",
        "--force",
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while len(mail.sink.received) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    stopped_at = time.monotonic()
    stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr
    assert time.monotonic() - stopped_at < 3  # no waiting for the other 35
    states = [row.state for row in outbox(mail)]
    assert "sending" not in states  # in-flight messages finished and were recorded
    assert states.count("sent") == len(mail.sink.received) >= 5
    assert states.count("pending") >= 20  # the rest waits for the next run
    assert b"released" in stdout


def test_each_outcome_is_heard_as_it_happens(mail: Mail) -> None:
    """What the CLI's progress bar counts: one call per row, from every sender thread."""
    real = SystemClock()
    mail.clock.advance((real.now() - mail.clock.now()).total_seconds())
    mail.catalog.upsert([paper(1, real.now().date())])
    for number in range(6):
        mail.subs.add(f"h{number}@example.org", confirmed=True)
    mail.compose()
    heard: list[str] = []
    engine = service.sender(
        mail.catalog, mail.settings, clock=real, policy=SendPolicy(rate=1000.0, concurrency=2)
    )
    report = engine.run(on_outcome=heard.append)
    assert heard == ["sent"] * 6 and report.counts["sent"] == 6


def test_batched_claims_send_each_row_once_and_give_back_what_a_stop_leaves(
    mail: Mail,
) -> None:
    mail.catalog.upsert([paper(1, TODAY, upvotes=7)])
    for number in range(7):
        mail.subs.add(f"reader{number}@example.org", confirmed=True)
    assert mail.compose() == 7
    stop = threading.Event()
    engine = service.sender(
        mail.catalog,
        mail.settings,
        clock=mail.clock,
        policy=SendPolicy(rate=1000.0, batch=4),
    )
    # Stop after the second message: the rest of its batch goes back to pending, unsent.
    report = engine.run(
        stop, on_outcome=lambda _: stop.set() if len(mail.sink.received) >= 2 else None
    )
    assert (report.counts["sent"], report.counts["released"]) == (2, 2)
    assert [row.state for row in outbox(mail)] == ["sent"] * 2 + ["pending"] * 5
    report = engine.run()  # a new run takes the rest, in batches of 4 and 1
    assert report.counts["sent"] == 5
    recipients = sorted(r for m in mail.sink.received for r in m.recipients)
    assert recipients == sorted(f"reader{n}@example.org" for n in range(7))  # each once
