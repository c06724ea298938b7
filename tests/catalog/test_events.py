"""The catalog's merge event: listeners run inside the fold's transaction, with old and new id."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from paperwire.catalog import events
from paperwire.catalog.store import Catalog
from tests.catalog.test_matching import arxiv, listing

SLUG = "unixcoder-unified-cross-modal-pre-training-for-code-representation"


@pytest.fixture
def heard() -> Iterator[list[tuple[str, str, bool]]]:
    calls: list[tuple[str, str, bool]] = []

    def listener(connection: sa.Connection, old_id: str, new_id: str) -> None:
        calls.append((old_id, new_id, connection.in_transaction()))

    events.on_paper_merged(listener)
    yield calls
    events._merge_listeners.remove(listener)


def test_a_fold_tells_every_listener_inside_its_transaction(
    catalog: Catalog, heard: list[tuple[str, str, bool]]
) -> None:
    catalog.upsert([listing()])
    assert heard == []
    catalog.upsert([arxiv()])
    assert heard == [(SLUG, "2203.03850", True)]
    catalog.upsert([listing(), arxiv()])  # nothing left to fold
    assert len(heard) == 1


def test_a_failing_listener_undoes_the_fold(catalog: Catalog) -> None:
    def refuse(connection: sa.Connection, old_id: str, new_id: str) -> None:
        raise RuntimeError("listener failed")

    catalog.upsert([listing()])
    events.on_paper_merged(refuse)
    try:
        with pytest.raises(RuntimeError, match="listener failed"):
            catalog.upsert([arxiv()])
    finally:
        events._merge_listeners.remove(refuse)
    # The transaction rolled back: the slug paper is still there, the arXiv paper is not.
    assert catalog.get(SLUG) is not None and catalog.get(SLUG).id == SLUG  # type: ignore[union-attr]
    assert catalog.count() == 1


def test_registering_twice_registers_once() -> None:
    def listener(connection: sa.Connection, old_id: str, new_id: str) -> None: ...

    before = len(events._merge_listeners)
    events.on_paper_merged(listener)
    events.on_paper_merged(listener)
    assert len(events._merge_listeners) == before + 1
    events._merge_listeners.remove(listener)


def test_the_community_listener_is_registered_by_importing_the_community() -> None:
    import paperwire.community  # noqa: F401
    from paperwire.community.papers import reassign_paper

    assert reassign_paper in events._merge_listeners
