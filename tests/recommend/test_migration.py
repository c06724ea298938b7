"""Migration 0007: the four tables, and digest ratings carried over as reader signals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from paperwire.db.engine import alembic_config, create_engine

MOMENT = dt.datetime(2026, 3, 1, 12, 0)


def _upgrade(engine: sa.Engine, revision: str) -> None:
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), revision)
        connection.commit()


def test_ratings_become_digest_signals_of_the_right_reader(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _upgrade(engine, "0006")
    subscriber = (
        "INSERT INTO digest_subscribers (id, email, email_key, user_id, status, frequency, weekday,"
        " hour, timezone, paper_count, topics, link_key, bounces, created_at, status_changed_at)"
        " VALUES (:id, :e, :e, :u, 'confirmed', 'daily', 0, 8, 'UTC', 10, '[]', 'k', 0, :t, :t)"
    )
    paper = (
        "INSERT INTO papers (id, title, abstract, authors, categories, links, extras, authority,"
        " withdrawn, listed_from_feed, change_seq, created_at, modified_at)"
        " VALUES (:id, 't', '', '[]', '[]', '[]', '{}', 1, 0, 0, 1, :t, :t)"
    )
    rating = (
        "INSERT INTO digest_ratings (subscriber_id, paper_id, user_id, rating, rated_at)"
        " VALUES (:s, :p, :u, :r, :t)"
    )
    later = MOMENT + dt.timedelta(hours=1)
    with engine.begin() as connection:
        for number, user in ((1, None), (2, 7), (3, 7)):
            connection.execute(
                sa.text(subscriber), {"id": number, "e": f"{number}@x.org", "u": user, "t": MOMENT}
            )
        for paper_id in ("2401.00001", "2401.00002"):
            connection.execute(sa.text(paper), {"id": paper_id, "t": MOMENT})
        for values in (
            {"s": 1, "p": "2401.00001", "u": None, "r": -1, "t": MOMENT},
            {"s": 2, "p": "2401.00001", "u": 7, "r": 1, "t": MOMENT},
            # the same account from a second subscription, later: this one wins
            {"s": 3, "p": "2401.00001", "u": 7, "r": -1, "t": later},
            {"s": 2, "p": "2401.00002", "u": 7, "r": 1, "t": MOMENT},
            {"s": 1, "p": "2401.09999", "u": None, "r": 1, "t": MOMENT},  # left the catalog
        ):
            connection.execute(sa.text(rating), values)
    _upgrade(engine, "head")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT reader, paper_id, source, value FROM reader_signals"
                " ORDER BY reader, paper_id"
            )
        ).all()
        tables = set(sa.inspect(connection).get_table_names())
    assert [tuple(row) for row in rows] == [
        ("subscriber:1", "2401.00001", "digest", -1),
        ("user:7", "2401.00001", "digest", -1),
        ("user:7", "2401.00002", "digest", 1),
    ]
    assert {"reader_interests", "reader_recommendations", "reader_feed_tokens"} <= tables
    with engine.connect() as connection:
        command.downgrade(alembic_config(connection), "0006")
        connection.commit()
        assert "reader_signals" not in set(sa.inspect(connection).get_table_names())
    engine.dispose()
