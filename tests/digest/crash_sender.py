"""The sender process the crash test kills: kept tiny and preloaded by a fork server, so a
restart costs milliseconds instead of a Python start-up."""

from __future__ import annotations

from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.db.engine import create_engine, dispose
from paperwire.digest import service
from paperwire.digest.engine import SendPolicy


def send_all(database_url: str, settings: Settings, rate: float, concurrency: int) -> None:
    catalog = Catalog(create_engine(database_url))
    try:
        policy = SendPolicy(rate=rate, concurrency=concurrency)
        service.sender(catalog, settings, policy=policy).run()
    finally:
        dispose(catalog.engine)
