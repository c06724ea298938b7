"""Housekeeping for the worker: what the community tables no longer need."""

from __future__ import annotations

from paperwire.accounts import sessions, throttle
from paperwire.catalog.store import Catalog


def prune(catalog: Catalog) -> dict[str, int]:
    """Delete long-ended sessions and mail tokens, and forgotten login counters."""
    return {
        "sessions_and_mail_tokens": sessions.prune_expired(catalog),
        "login_counters": throttle.prune(catalog),
    }
