"""Signals: upserts, forgetting, live upvotes and collections, export, merges."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from paperwire.accounts.model import User
from paperwire.catalog import events
from paperwire.community import collections, votes
from paperwire.db.engine import write_connection
from paperwire.recommend import feed_tokens, signals
from paperwire.recommend.interests import set_interests
from paperwire.recommend.readers import Reader, RecommendInputError
from tests.recommend.corpus import Corpus

READER = Reader("subscriber", 3)


def test_record_replaces_and_forget_removes(corpus: Corpus) -> None:
    engine, clock = corpus.catalog.engine, corpus.clock
    paper = corpus.by_topic["cs.CL"][0]
    signals.record(engine, clock, READER, paper, "digest", 1)
    clock.advance(5)
    signals.record(engine, clock, READER, paper, "digest", -1)
    signals.record(engine, clock, READER, paper, "card", 1)
    found = signals.reader_signals(engine, READER)
    assert [(s.paper_id, s.source, s.value) for s in found] == [
        (paper, "card", 1),
        (paper, "digest", -1),
    ]
    assert found[0].created_at == clock.now()
    signals.forget(engine, READER, paper, "digest")
    assert [s.source for s in signals.reader_signals(engine, READER)] == ["card"]


@pytest.mark.parametrize(
    ("paper", "source", "value"),
    [("2603.00001", "digest", 2), ("2603.00001", "likes", 1), ("9999.99999", "card", 1)],
)
def test_bad_signals_are_refused(corpus: Corpus, paper: str, source: str, value: int) -> None:
    with pytest.raises(RecommendInputError):
        signals.record(corpus.catalog.engine, corpus.clock, READER, paper, source, value)
    assert signals.reader_signals(corpus.catalog.engine, READER) == []


def test_upvotes_and_collection_items_are_read_live(corpus: Corpus, alice_user: User) -> None:
    engine = corpus.catalog.engine
    reader = Reader("user", alice_user.id)
    paper, other = corpus.by_topic["cs.CV"][:2]
    votes.upvote(corpus.catalog, alice_user, paper)
    box = collections.create_collection(corpus.catalog, alice_user, "Later")
    collections.add_paper(corpus.catalog, alice_user, box.id, other)
    assert {(s.paper_id, s.source, s.value) for s in signals.reader_signals(engine, reader)} == {
        (paper, "upvote", 1),
        (other, "collection", 1),
    }
    assert reader in signals.readers_with_signals(engine)
    votes.remove_upvote(corpus.catalog, alice_user, paper)
    assert [s.source for s in signals.reader_signals(engine, reader)] == ["collection"]


def test_readers_with_signals_include_those_with_only_interests(corpus: Corpus) -> None:
    set_interests(corpus.catalog.engine, Reader("user", 8), categories=["cs.CL"])
    assert signals.readers_with_signals(corpus.catalog.engine) == [Reader("user", 8)]


def test_export_has_everything_and_delete_reader_removes_it(corpus: Corpus) -> None:
    engine, clock = corpus.catalog.engine, corpus.clock
    signals.record(engine, clock, READER, corpus.by_topic["cs.CL"][0], "seed", 1)
    set_interests(engine, READER, categories=["cs.CL"], authors=["Ada"], queries=["speech"])
    feed_tokens.create(engine, clock, READER)
    exported = signals.export(engine, READER)
    assert exported["reader"] == "subscriber:3"
    assert [s["source"] for s in exported["signals"]] == ["seed"]
    assert {(i["kind"], i["value"]) for i in exported["interests"]} == {
        ("category", "cs.CL"),
        ("author", "Ada"),
        ("query", "speech"),
    }
    assert len(exported["feed_tokens"]) == 1 and "token_hash" not in exported["feed_tokens"][0]
    assert exported["recommendations"] is None
    signals.delete_reader(engine, READER)
    empty = signals.export(engine, READER)
    assert empty["signals"] == [] and empty["interests"] == [] and empty["feed_tokens"] == []


def test_a_merged_paper_keeps_its_signals(corpus: Corpus) -> None:
    engine, clock = corpus.catalog.engine, corpus.clock
    old, new = corpus.by_topic["cs.CL"][:2]
    signals.record(engine, clock, READER, old, "card", 1)
    signals.record(engine, clock, READER, old, "digest", 1)
    signals.record(engine, clock, READER, new, "digest", -1)
    with write_connection(engine) as connection, connection.begin():
        events.paper_merged(connection, old, new)
        connection.execute(sa.text("DELETE FROM papers WHERE id = :id"), {"id": old})
    found = {(s.paper_id, s.source, s.value) for s in signals.reader_signals(engine, READER)}
    assert found == {(new, "card", 1), (new, "digest", -1)}
