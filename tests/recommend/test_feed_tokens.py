"""Feed tokens: shown once, stored hashed, revocable, another reader's look absent."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from paperwire.errors import NotFound
from paperwire.recommend import feed_tokens
from paperwire.recommend.readers import Reader
from paperwire.recommend.schema import reader_feed_tokens
from tests.recommend.corpus import Corpus

ALICE, BOB = Reader("user", 1), Reader("subscriber", 2)


def test_a_token_names_its_reader_until_revoked(corpus: Corpus) -> None:
    engine, clock = corpus.catalog.engine, corpus.clock
    token = feed_tokens.create(engine, clock, ALICE)
    assert token.startswith(feed_tokens.PREFIX)
    with engine.connect() as connection:
        stored = connection.execute(sa.select(reader_feed_tokens.c.token_hash)).scalars().all()
    assert token not in stored and len(stored) == 1  # only the hash is kept
    assert feed_tokens.reader_for(engine, token) == ALICE
    (listed,) = feed_tokens.list_tokens(engine, ALICE)
    assert listed.active and listed.created_at == clock.now()
    with pytest.raises(NotFound):
        feed_tokens.revoke(engine, BOB, listed.id)
    assert feed_tokens.reader_for(engine, token) == ALICE
    feed_tokens.revoke(engine, ALICE, listed.id, clock)
    assert feed_tokens.reader_for(engine, token) is None
    assert not feed_tokens.list_tokens(engine, ALICE)[0].active
    feed_tokens.revoke(engine, ALICE, listed.id, clock)  # again: nothing changes


@pytest.mark.parametrize("token", ["", "pwf_unknown", "not-a-token", "pwf_" + "x" * 300])
def test_unknown_tokens_name_nobody(corpus: Corpus, token: str) -> None:
    feed_tokens.create(corpus.catalog.engine, corpus.clock, ALICE)
    assert feed_tokens.reader_for(corpus.catalog.engine, token) is None
