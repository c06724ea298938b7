"""A Hypothesis state machine over subscribe / confirm / unsubscribe / bounce / time passing
/ composing and sending over real SMTP: nobody ineligible is ever sent a digest."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.digest import service
from paperwire.digest.compose import Composer
from paperwire.digest.engine import SendPolicy
from paperwire.digest.subscriptions import Subscriptions
from tests.support.factories import paper, settings_for, subscriptions
from tests.support.smtp import SmtpSink, smtp_sink

EMAILS = ["ann@example.org", "bob@example.org", "cy@example.org"]
_CONFIRM = re.compile(r"/digest/confirm/([A-Za-z0-9_-]+)")
_SERVER: list[SmtpSink] = []


def _server() -> SmtpSink:
    """One SMTP server for every example, started on first use (it dies with the process)."""
    if not _SERVER:
        _SERVER.append(smtp_sink().__enter__())
    return _SERVER[0]


class Eligibility(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.sink = _server()
        self.tmp = tempfile.TemporaryDirectory()
        data = Path(self.tmp.name)
        self.clock = FakeClock(dt.datetime(2026, 3, 16, 7, 0, tzinfo=dt.UTC))
        self.settings = settings_for(data, self.sink.port)
        self.catalog = Catalog.open(self.settings.catalog_url(), clock=self.clock)
        self.subs: Subscriptions = subscriptions(self.catalog, self.settings)
        self.status: dict[str, str] = {}  # the model: what each address should be
        self.bouncing: set[str] = set()
        self.number = 0
        self.seen = len(self.sink.received)
        self.sink.faults.clear()

    def teardown(self) -> None:
        self.catalog.close()
        self.tmp.cleanup()

    @rule(email=st.sampled_from(EMAILS))
    def subscribe(self, email: str) -> None:
        outcome = self.subs.subscribe(email)
        if outcome == "queued" and self.status.get(email) in (None, "unsubscribed"):
            self.status[email] = "pending"
        self._send()  # the confirmation mail goes out at once (no digest is composed)

    def _send(self) -> None:
        eligible = {e for e, s in self.status.items() if s == "confirmed"}
        reachable = {e for e, s in self.status.items() if s != "suppressed"}
        start = len(self.sink.received)
        policy = SendPolicy(rate=1000.0, concurrency=1)
        service.sender(self.catalog, self.settings, clock=self.clock, policy=policy).run()
        for message in self.sink.received[start:]:
            [recipient] = message.recipients
            if ".digest." in message.message_id:
                assert recipient in eligible, f"digest to ineligible {recipient}"
                event("a digest was sent")
            else:
                assert recipient in reachable, f"confirmation to suppressed {recipient}"
        for email in EMAILS:
            subscriber = self.subs.by_email(email)
            newly = self.status.get(email) != "suppressed"
            if subscriber is not None and subscriber.status == "suppressed" and newly:
                assert email in self.bouncing  # only a refused mail suppresses
                self.status[email] = "suppressed"
        self.bouncing = {email for email in self.bouncing if self.sink.faults.get(email)}

    @rule(email=st.sampled_from(EMAILS))
    def confirm(self, email: str) -> None:
        mails = [m for m in self.sink.received[self.seen :] if email in m.recipients]
        links = [_CONFIRM.search(m.data.decode().replace("=\r\n", "")) for m in mails]
        tokens = [link[1] for link in links if link]
        if not tokens:
            return
        result = self.subs.confirm(tokens[-1])
        if result.outcome == "confirmed":
            assert self.status.get(email) == "pending"
            self.status[email] = "confirmed"

    @rule(email=st.sampled_from(EMAILS))
    def unsubscribe(self, email: str) -> None:
        subscriber = self.subs.by_email(email)
        if subscriber is not None and self.subs.unsubscribe(subscriber.id):
            self.status[email] = "unsubscribed"

    @rule(email=st.sampled_from(EMAILS))
    def bounce_next(self, email: str) -> None:
        if email not in self.bouncing:
            self.sink.fail(email, "550-rcpt")
            self.bouncing.add(email)

    @initialize()
    def one_reader_signed_up(self) -> None:
        self.subscribe(EMAILS[0])
        self.confirm(EMAILS[0])

    @rule(hours=st.integers(min_value=0, max_value=30))
    def time_passes_and_digests_go_out(self, hours: int) -> None:
        self.clock.advance(hours * 3600)
        self.number += 1
        self.catalog.upsert([paper(self.number, self.clock.now().date())])
        Composer(self.catalog).compose_due(self.clock.now())
        self._send()

    @invariant()
    def storage_agrees_with_the_model(self) -> None:
        for email, expected in self.status.items():
            subscriber = self.subs.by_email(email)
            assert subscriber is not None
            if expected != "suppressed" and subscriber.status == "suppressed":
                continue  # learned at the next run
            assert subscriber.status == expected


Eligibility.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_nobody_ineligible_gets_a_digest = Eligibility.TestCase
