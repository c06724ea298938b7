"""The sending engine: claims outbox rows from a Store, renders them, pushes them through a
Messenger, and records each outcome (listmonk's shape, see docs/digests.md).

- Throttle: every claim reserves a send slot in the database, so `rate` messages/second
  holds across all senders together; each sender thread keeps one SMTP connection.
- Temporary failures are retried with exponential backoff until the row's deadline;
  permanent ones never; a refused address is suppressed (outbox.SqlStore.mark_failed).
- At most once: rows a dead sender left in `sending` become `uncertain` at start-up and
  while idle, and are never resent (one per sender thread; `SendPolicy.batch` per thread
  when rows are claimed in batches).
- Graceful stop: once `stop` is set, no new row is claimed, a claimed row still waiting for
  its slot is given back, and the message on the wire finishes and is recorded.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from paperwire.clock import Clock
from paperwire.digest.outbox import Claim, Finished, OutboxRow, Outcome, Store
from paperwire.mail.mime import OutgoingMessage
from paperwire.mail.smtp import Delivery, Messenger
from paperwire.process_identity import is_dead, worker_id

log = logging.getLogger(__name__)
_STOP_CHECK_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class SendPolicy:
    rate: float = 20.0  # messages per second, all senders together
    concurrency: int = 1  # sender threads (and SMTP connections) in this process
    backoff_base: float = 60.0  # seconds before the first retry; doubles each time
    backoff_max: float = 3600.0
    # A claim older than this is abandoned even when we cannot see its process (another
    # host): far above the SMTP timeouts of one attempt.
    stale_after: dt.timedelta = dt.timedelta(minutes=15)
    idle_poll: float = 5.0  # seconds between looks at an empty outbox (continuous mode)
    # Rows a sender thread claims in one transaction (their outcomes are recorded together
    # in the next). One commit per `batch` mails instead of one per mail; the price: a
    # sender killed mid-batch leaves up to `batch` rows uncertain (never resent), not one.
    batch: int = 1

    def backoff(self, attempts: int) -> float:
        return float(min(self.backoff_max, self.backoff_base * 2 ** max(0, attempts - 1)))


@dataclass
class SendReport:
    counts: Counter[str] = field(default_factory=Counter)
    abandoned: int = 0  # rows of dead senders marked uncertain
    # Called with each outcome as it happens (the CLI's progress bar).
    on_outcome: Callable[[str], None] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str) -> None:
        with self._lock:
            self.counts[name] += 1
        if self.on_outcome is not None:
            self.on_outcome(name)

    def as_dict(self) -> dict[str, int]:
        names = ("sent", "retry", "failed", "bounced", "uncertain", "released", "render_errors")
        return {name: self.counts[name] for name in names} | {"abandoned": self.abandoned}


Render = Callable[[OutboxRow, bool], OutgoingMessage]  # (row, 8bit allowed)


class Engine:
    def __init__(
        self,
        store: Store,
        render: Render,
        messengers: Callable[[], Messenger],
        *,
        clock: Clock,
        policy: SendPolicy | None = None,
        worker: str | None = None,
    ) -> None:
        self.store = store
        self.render = render
        self.messengers = messengers
        self.clock = clock
        self.policy = policy or SendPolicy()
        self.worker = worker or worker_id()

    def resolve_abandoned(self) -> int:
        return self.store.resolve_abandoned(self.clock.now(), is_dead, self.policy.stale_after)

    def run(
        self,
        stop: threading.Event | None = None,
        *,
        until_idle: bool = True,
        wait_for_retries: bool = False,
        on_outcome: Callable[[str], None] | None = None,
    ) -> SendReport:
        """Send until the outbox has nothing due (`until_idle`; with `wait_for_retries`,
        until no row is waiting for a retry either), or until `stop` is set. `on_outcome`
        hears of each row's outcome (sent, retry, bounced...) as it happens."""
        stop = stop or threading.Event()
        report = SendReport(on_outcome=on_outcome)
        report.abandoned = self.resolve_abandoned()
        threads = [
            threading.Thread(
                target=self._loop,
                args=(stop, report, until_idle, wait_for_retries),
                name=f"digest-sender-{index}",
                daemon=True,
            )
            for index in range(max(1, self.policy.concurrency))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return report

    def _loop(
        self, stop: threading.Event, report: SendReport, until_idle: bool, wait_retries: bool
    ) -> None:
        messenger = self.messengers()
        interval = 1.0 / self.policy.rate if self.policy.rate > 0 else 0.0
        # The outcomes of a batch are recorded in the transaction that claims the next one
        # (one commit per batch); whatever is left is recorded, or given back unsent, on
        # the way out.
        claimed: deque[Claim] = deque()
        finished: list[Finished] = []
        try:
            while not stop.is_set():
                if not claimed:
                    now = self.clock.now()
                    batch = max(1, self.policy.batch)
                    claimed.extend(
                        self.store.claim_batch(self.worker, now, interval, finished, batch)
                    )
                    finished = []
                    if not claimed:
                        if not self._idle(stop, until_idle, wait_retries, report):
                            return
                        continue
                done = self._send(claimed.popleft(), messenger, stop, report)
                if done is not None:
                    finished.append(done)
        finally:
            for row_id, outcome in finished:
                self.store.finish(row_id, self.worker, self.clock.now(), outcome)
            for claim in claimed:  # claimed but never put on the wire
                self.store.release(claim.row.id, self.worker)
                report.add("released")
            messenger.close()

    def _idle(
        self, stop: threading.Event, until_idle: bool, wait_retries: bool, report: SendReport
    ) -> bool:
        """Wait for work; False when this run is over."""
        if until_idle and not wait_retries:
            return False
        pause = self.policy.idle_poll
        if until_idle:
            upcoming = self.store.next_retry_at()
            if upcoming is None:
                return False
            pause = max(0.0, (upcoming - self.clock.now()).total_seconds())
        else:
            report.abandoned += self.resolve_abandoned()
        self._pause(stop, pause)
        return True

    def _pause(self, stop: threading.Event, seconds: float) -> None:
        """Sleep on the engine's clock, in short steps, so that `stop` is seen soon."""
        end = self.clock.monotonic() + seconds
        while not stop.is_set():
            left = end - self.clock.monotonic()
            if left <= 0:
                return
            self.clock.sleep(min(left, _STOP_CHECK_SECONDS))

    def _send(
        self, claim: Claim, messenger: Messenger, stop: threading.Event, report: SendReport
    ) -> Finished | None:
        row = claim.row
        self._pause(stop, (claim.send_at - self.clock.now()).total_seconds())
        if stop.is_set():
            self.store.release(row.id, self.worker)
            report.add("released")
            return None
        try:
            message = self.render(row, messenger.accepts_8bit())
        except Exception as error:  # a bug or bad data in one row must not stop the rest
            log.exception("digest: cannot render outbox row %s", row.id)
            report.add("render_errors")
            return row.id, Outcome("failed", f"render: {error!r}")
        return row.id, self._outcome(row, messenger.send(message), report)

    def _outcome(self, row: OutboxRow, delivery: Delivery, report: SendReport) -> Outcome:
        if delivery.outcome == "sent":
            report.add("sent")
            return Outcome("sent")
        if delivery.outcome == "temporary":
            retry_at = self.clock.now() + dt.timedelta(
                seconds=self.policy.backoff(row.attempts + 1)
            )
            if retry_at > row.deadline_at:
                report.add("failed")
                detail = f"gave up after {row.attempts + 1} attempts: {delivery.detail}"
                return Outcome("failed", detail)
            report.add("retry")
            return Outcome("retry", delivery.detail, retry_at=retry_at)
        if delivery.outcome == "permanent":
            report.add("bounced" if delivery.bounce else "failed")
            return Outcome("failed", delivery.detail, bounce=delivery.bounce)
        report.add("uncertain")
        return Outcome("uncertain", delivery.detail)


def stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """Set `stop` on SIGTERM and SIGINT (main thread only); returns a function that puts
    the previous handlers back."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("digest: signal %s, finishing the messages in flight", signum)
        stop.set()

    previous: dict[int, Any] = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, handler)

    def restore() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    return restore
