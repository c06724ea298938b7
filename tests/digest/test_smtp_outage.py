"""The SMTP server gone for an hour, then back on the same port (a real aiosmtpd server,
stopped and started again; time on the fake clock): digests wait and retry with backoff,
go out once the server is back, never twice; gone past the deadline, they are given up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.digest import schema, service
from paperwire.digest.compose import SEND_DEADLINE
from paperwire.digest.engine import SendPolicy, SendReport
from tests.support.digest import MONDAY_8AM, Mail
from tests.support.factories import paper, settings_for, subscriptions
from tests.support.servers import free_port
from tests.support.smtp import SmtpSink, controller

READERS = ("ada@example.org", "alan@example.org", "grace@example.org")


class Server:
    """One aiosmtpd sink that can be stopped and started again on the same port."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink
        self._running: Controller | None = None

    def start(self) -> None:
        self._running = controller(self.sink)  # a fresh controller, the same port
        self._running.start()

    def stop(self) -> None:
        if self._running is not None:
            self._running.stop()
            self._running = None


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server(SmtpSink(free_port()))
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def digests(sqlite_catalog: Catalog, tmp_path: Path, clock: FakeClock, server: Server) -> Mail:
    clock.advance((MONDAY_8AM - clock.now()).total_seconds())
    settings = settings_for(tmp_path / "data", server.sink.port)
    mail = Mail(
        sqlite_catalog, settings, server.sink, subscriptions(sqlite_catalog, settings), clock
    )
    mail.catalog.upsert([paper(1, MONDAY_8AM.date(), upvotes=5)])
    for reader in READERS:
        mail.subs.add(reader, confirmed=True)
    assert mail.compose() == len(READERS)
    return mail


def one_pass(mail: Mail) -> SendReport:
    """What a sender run does now: every due row once, then it returns (rows waiting for a
    retry stay for a later run)."""
    engine = service.sender(
        mail.catalog, mail.settings, clock=mail.clock, policy=SendPolicy(rate=1000.0)
    )
    return engine.run()


def rows(mail: Mail) -> list[sa.Row[tuple[object, ...]]]:
    table = schema.outbox
    with mail.catalog.engine.connect() as connection:
        return list(connection.execute(sa.select(table).order_by(table.c.id)))


def wait_for_next_retry(mail: Mail) -> None:
    waiting = [row.next_attempt_at for row in rows(mail) if row.state == "retry"]
    assert waiting, "nothing is waiting for a retry"
    due = min(waiting)
    due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
    mail.clock.advance(max(0.0, (due - mail.clock.now()).total_seconds()))


def test_digests_wait_out_an_hour_without_smtp_then_go_once(digests: Mail, server: Server) -> None:
    server.stop()
    gone_until = digests.clock.now() + dt.timedelta(hours=1)
    attempts = 0
    while digests.clock.now() < gone_until:
        report = one_pass(digests)
        assert report.counts["sent"] == 0 and report.counts["failed"] == 0
        attempts += report.counts["retry"]
        assert {row.state for row in rows(digests)} == {"retry"}
        wait_for_next_retry(digests)
    # Backoff, not hammering: a handful of tries per digest in the hour, each one later.
    tries = [row.attempts for row in rows(digests)]
    assert attempts == sum(tries) and all(3 <= count <= 8 for count in tries)
    assert server.sink.received == []

    server.start()
    back_at = digests.clock.now()
    sent = 0
    while any(row.state == "retry" for row in rows(digests)):
        wait_for_next_retry(digests)
        sent += one_pass(digests).counts["sent"]
    assert sent == len(READERS) and {row.state for row in rows(digests)} == {"sent"}
    assert digests.clock.now() - back_at < dt.timedelta(hours=1)  # at the next retry, at most
    # Later runs find nothing to do: each reader got exactly one digest.
    digests.clock.advance(SEND_DEADLINE.total_seconds())
    assert one_pass(digests).counts["sent"] == 0
    received = sorted(recipient for got in server.sink.received for recipient in got.recipients)
    assert received == sorted(READERS)
    assert len({got.message_id for got in server.sink.received}) == len(READERS)


def test_digests_give_up_at_their_deadline_and_stay_unsent(digests: Mail, server: Server) -> None:
    server.stop()
    deadline = max(row.deadline_at for row in rows(digests))
    deadline = deadline if deadline.tzinfo else deadline.replace(tzinfo=dt.UTC)
    one_pass(digests)
    while any(row.state == "retry" for row in rows(digests)):
        wait_for_next_retry(digests)
        one_pass(digests)
    # Tried until the next retry would have come after the deadline (backoff tops at 1 h).
    assert deadline - dt.timedelta(hours=1) < digests.clock.now() <= deadline
    failed = rows(digests)
    assert {row.state for row in failed} == {"failed"}
    assert all("gave up" in str(row.last_error) for row in failed)
    # The server is back after the deadline: a stale digest is not sent then.
    server.start()
    digests.clock.advance(3600)
    assert one_pass(digests).counts["sent"] == 0
    assert server.sink.received == []
