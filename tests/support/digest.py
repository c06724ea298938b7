"""A catalog, settings pointing at a real SMTP sink, and subscriptions, for sending tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.config import Settings
from paperwire.digest import service
from paperwire.digest.compose import Composer
from paperwire.digest.engine import SendPolicy, SendReport
from paperwire.digest.subscriptions import Subscriptions
from tests.support.factories import settings_for, subscriptions
from tests.support.smtp import SmtpSink, smtp_sink

MONDAY_8AM = dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC)


@dataclass
class Mail:
    catalog: Catalog
    settings: Settings
    sink: SmtpSink
    subs: Subscriptions
    clock: FakeClock

    def send(self, **policy: object) -> SendReport:
        options: dict[str, object] = {"rate": 1000.0, "concurrency": 1} | policy
        engine = service.sender(
            self.catalog,
            self.settings,
            clock=self.clock,
            policy=SendPolicy(**options),  # type: ignore[arg-type]
        )
        return engine.run(wait_for_retries=True)

    def compose(self, force: bool = True) -> int:
        report = Composer(self.catalog).compose_due(self.clock.now(), force=force)
        return report.composed


@pytest.fixture
def mail(sqlite_catalog: Catalog, tmp_path: Path, clock: FakeClock) -> Iterator[Mail]:
    clock.advance((MONDAY_8AM - clock.now()).total_seconds())
    with smtp_sink(tmp_path / "smtp.log") as sink:
        settings = settings_for(tmp_path / "data", sink.port)
        yield Mail(sqlite_catalog, settings, sink, subscriptions(sqlite_catalog, settings), clock)
