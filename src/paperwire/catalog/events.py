"""What the catalog tells the rooms above it, through listeners they register.

The catalog knows nothing of votes or comments; when it folds a title-slug paper into its
arXiv paper, the rows other rooms keep under the old id must move along in the same
transaction. Rooms register a listener once, at import (community/papers.py does), and the
catalog calls every listener inside the fold's transaction.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

# (connection, old id, new id): called inside the transaction that folds `old` into `new`.
MergeListener = Callable[[sa.Connection, str, str], None]

_merge_listeners: list[MergeListener] = []


def on_paper_merged(listener: MergeListener) -> MergeListener:
    """Register `listener` (idempotent); usable as a decorator."""
    if listener not in _merge_listeners:
        _merge_listeners.append(listener)
    return listener


def paper_merged(connection: sa.Connection, old_id: str, new_id: str) -> None:
    """Tell every listener that `old_id` was folded into `new_id`."""
    for listener in list(_merge_listeners):
        listener(connection, old_id, new_id)
