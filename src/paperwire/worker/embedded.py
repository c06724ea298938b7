"""The worker inside another process: `paperwire serve --worker` (the embedded default).

DESIGN's embedded mode lets one process host both the web and the worker, so `make run`
does what the pages promise (a pending submission is retried, digests go out) without a
second terminal. The worker runs in a background thread with its own catalog connection;
a larger deployment runs `paperwire worker` as a process of its own instead.
"""

from __future__ import annotations

import logging
import threading

from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.worker.runner import POLL_SECONDS, Worker

log = logging.getLogger(__name__)


def start_worker_thread(
    settings: Settings, stop: threading.Event, *, poll_seconds: float = POLL_SECONDS
) -> threading.Thread:
    """Run the worker's jobs in a daemon thread until `stop` is set; the thread is started."""

    def work() -> None:
        catalog = Catalog.open(settings.catalog_url())
        try:
            Worker(catalog, settings).run(stop, poll_seconds=poll_seconds)
        except Exception:  # the web keeps serving; say why the jobs stopped
            log.exception("the in-process worker stopped")
        finally:
            catalog.close()

    thread = threading.Thread(target=work, name="paperwire-worker", daemon=True)
    thread.start()
    return thread
