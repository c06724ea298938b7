"""A catalog of papers in a few topics, with stored vectors: what the recommender reads."""

from __future__ import annotations

import pytest

from paperwire.accounts.model import User
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from tests.recommend.corpus import Corpus, build_corpus
from tests.support.community import make_user


@pytest.fixture
def corpus(sqlite_catalog: Catalog, clock: FakeClock) -> Corpus:
    return build_corpus(sqlite_catalog, clock)


@pytest.fixture
def alice_user(sqlite_catalog: Catalog) -> User:
    return make_user(sqlite_catalog, "alice", password=None)


@pytest.fixture
def any_corpus(catalog: Catalog, clock: FakeClock) -> Corpus:
    """The corpus on SQLite and on PostgreSQL."""
    return build_corpus(catalog, clock)
