"""Digests as one call: compose what is due, then send the outbox (CLI, worker, tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperwire.catalog.store import Catalog
from paperwire.clock import Clock
from paperwire.community.trending import TrendingParams, trending_scorer
from paperwire.config import Settings
from paperwire.digest.compose import Composer, ComposeReport
from paperwire.digest.engine import Engine, SendPolicy, SendReport
from paperwire.digest.model import Preferences, Subscriber, normalise_email
from paperwire.digest.outbox import OutboxRow, SqlStore
from paperwire.digest.render import Renderer
from paperwire.digest.subscriptions import Subscriptions
from paperwire.digest.tokens import new_link_key
from paperwire.mail.smtp import FileMessenger, Messenger, SmtpConfig, SmtpMessenger
from paperwire.signing import secret_key

if TYPE_CHECKING:
    from paperwire.search.searcher import Searcher

# Sender threads per process (one SMTP connection each). Proposed setting:
# PAPERWIRE_SMTP_CONCURRENCY.
SMTP_CONCURRENCY = 2
# `paperwire digest run` without --now looks for due digests this often.
RUN_INTERVAL_SECONDS = 60.0


def open_searcher(catalog: Catalog, settings: Settings) -> Searcher | None:
    """The searcher topic sections use; None when no index has been built yet."""
    from paperwire.search.handle import SearcherHandle, SearchUnavailable

    try:
        scorer = trending_scorer(catalog, TrendingParams.from_settings(settings))
        handle = SearcherHandle(
            catalog, settings, semantic=settings.semantic_search, trending_scorer=scorer
        )
        return handle.get()
    except SearchUnavailable:
        return None


def send_policy(settings: Settings, **overrides: Any) -> SendPolicy:
    values: dict[str, Any] = {"rate": settings.smtp_rate, "concurrency": SMTP_CONCURRENCY}
    return SendPolicy(**(values | overrides))


def smtp_messengers(settings: Settings) -> Callable[[], Messenger]:
    config = SmtpConfig.from_settings(settings)
    return lambda: SmtpMessenger(config)


def sender(
    catalog: Catalog,
    settings: Settings,
    *,
    clock: Clock | None = None,
    policy: SendPolicy | None = None,
    messengers: Callable[[], Messenger] | None = None,
) -> Engine:
    clock = clock or catalog.clock
    renderer = Renderer(catalog, settings, secret_key(settings), clock)
    return Engine(
        SqlStore(catalog.engine),
        renderer.message,
        messengers or smtp_messengers(settings),
        clock=clock,
        policy=policy or send_policy(settings),
    )


@dataclass
class RunReport:
    composed: ComposeReport
    sent: SendReport

    def as_dict(self) -> dict[str, Any]:
        return {"compose": self.composed.as_dict(), "send": self.sent.as_dict()}


def run_once(
    catalog: Catalog,
    settings: Settings,
    *,
    searcher: Searcher | None,
    force: bool = False,
    clock: Clock | None = None,
    engine: Engine | None = None,
    stop: threading.Event | None = None,
    on_outcome: Callable[[str], None] | None = None,
) -> RunReport:
    """Compose the digests due now (all of today's with `force`; topic sections need
    `searcher`), then send until the outbox has nothing due."""
    clock = clock or catalog.clock
    trending = TrendingParams.from_settings(settings)
    composed = Composer(catalog, searcher, trending).compose_due(clock.now(), force=force)
    engine = engine or sender(catalog, settings, clock=clock)
    return RunReport(composed, engine.run(stop, on_outcome=on_outcome))


@dataclass(frozen=True, slots=True)
class Preview:
    subject: str
    text: str
    html: str
    path: Path  # the whole message, as an .eml file


def preview(
    catalog: Catalog, settings: Settings, email: str, *, clock: Clock | None = None
) -> Preview | None:
    """The digest `email` would get if composed now, written as an .eml file (through the
    FileMessenger) under data_dir/previews; nothing is recorded. An address that is not
    subscribed gets the default preferences. None: nothing new to send."""
    clock = clock or catalog.clock
    key = secret_key(settings)
    subscriber = Subscriptions(catalog, key).by_email(email)
    if subscriber is None:
        subscriber = Subscriber(0, normalise_email(email), "pending", Preferences(), new_link_key())
    now = clock.now()
    trending = TrendingParams.from_settings(settings)
    digest = Composer(catalog, open_searcher(catalog, settings), trending).preview(subscriber, now)
    if not digest.parts:
        return None
    renderer = Renderer(catalog, settings, key, clock)
    row = OutboxRow(0, "digest", digest.slot.key, digest.payload(), 0, now, subscriber)
    content = renderer.content(row)
    delivery = FileMessenger(settings.data_dir / "previews").send(renderer.message(row))
    return Preview(content.subject, content.text, content.html, Path(delivery.detail))
