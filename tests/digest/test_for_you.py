"""The digest's "For you" part: 👍 in one digest shapes the next, mailed to a real SMTP sink."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from paperwire.digest import schema
from paperwire.digest.for_you import sent_papers
from paperwire.digest.model import Preferences
from paperwire.digest.sections import SECTIONS
from paperwire.recommend import signals
from paperwire.recommend.readers import Reader
from paperwire.recommend.schema import reader_recommendations
from tests.recommend.corpus import build_corpus
from tests.support.digest import Mail


def _digests(mail: Mail, subscriber_id: int) -> list[tuple[int, dict[str, Any]]]:
    outbox = schema.outbox
    with mail.catalog.engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox.c.id, outbox.c.payload)
            .where(outbox.c.subscriber_id == subscriber_id, outbox.c.kind == "digest")
            .order_by(outbox.c.id)
        )
        return [(int(row.id), dict(row.payload)) for row in rows]


def test_the_section_comes_right_after_trending() -> None:
    assert list(SECTIONS)[:2] == ["trending", "for_you"]


def test_ratings_in_one_digest_bring_a_for_you_part_in_the_next(mail: Mail) -> None:
    build_corpus(mail.catalog, mail.clock)
    reader = mail.subs.add(
        "reader@example.org", confirmed=True, preferences=Preferences(paper_count=3)
    )
    other = mail.subs.add(
        "other@example.org", confirmed=True, preferences=Preferences(paper_count=3)
    )
    assert mail.compose() == 2
    assert mail.send().counts["sent"] == 2
    [(digest_id, payload)] = _digests(mail, reader.id)
    assert [part["key"] for part in payload["parts"]] == ["trending"]  # no signals yet
    first = payload["parts"][0]["papers"]
    for paper_id in first:
        assert mail.subs.rate(reader, digest_id, paper_id, 1)
    key = Reader("subscriber", reader.id)
    stored = signals.reader_signals(mail.catalog.engine, key)
    assert {(s.paper_id, s.source, s.value) for s in stored} == {(p, "digest", 1) for p in first}
    with mail.catalog.engine.connect() as connection:
        basis = connection.execute(
            sa.select(reader_recommendations.c.basis).where(
                reader_recommendations.c.reader == key.key
            )
        ).scalar_one()
    assert basis == "personal"  # rating refreshed the reader's ranking at once

    mail.clock.advance(dt.timedelta(days=1).total_seconds())
    mail.sink.received.clear()
    assert mail.compose() == 2
    [_, (_, second)] = _digests(mail, reader.id)
    keys = [part["key"] for part in second["parts"]]
    assert keys == ["trending", "for_you"]
    for_you = second["parts"][1]
    assert for_you["title"] == "For you" and 1 <= len(for_you["papers"]) <= 3
    assert not set(for_you["papers"]) & set(first)  # never a paper mailed before
    [(_, other_second)] = _digests(mail, other.id)[1:]
    assert [part["key"] for part in other_second["parts"]] == ["trending"]

    assert mail.send().counts["sent"] == 2
    by_recipient = {m.recipients[0]: m.parsed() for m in mail.sink.received}
    body = by_recipient["reader@example.org"].get_body(("plain",))
    assert body is not None and "== For you ==" in str(body.get_content())
    other_body = by_recipient["other@example.org"].get_body(("plain",))
    assert other_body is not None and "For you" not in str(other_body.get_content())


def test_the_exclude_hook_knows_each_readers_sent_papers(mail: Mail) -> None:
    build_corpus(mail.catalog, mail.clock)
    linked = mail.subs.add("user@example.org", confirmed=True, user_id=42)
    alone = mail.subs.add("alone@example.org", confirmed=True)
    mail.compose()
    sent = sent_papers(mail.catalog.engine)([Reader("user", 42), Reader("subscriber", alone.id)])
    with mail.catalog.engine.connect() as connection:
        rows = connection.execute(
            sa.select(schema.sent_papers.c.subscriber_id, schema.sent_papers.c.paper_id)
        ).all()
    expected = {linked.id: Reader("user", 42), alone.id: Reader("subscriber", alone.id)}
    assert sent == {
        reader: {str(p) for s, p in rows if s == subscriber_id}
        for subscriber_id, reader in expected.items()
    }
