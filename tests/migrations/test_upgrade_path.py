"""The migrations, upward from the first released schema with data in it, on SQLite and
PostgreSQL: rows written under revision 0001 (and 0003) with plain SQL survive every step
to head, and the later revisions' constraints hold on the upgraded database."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from paperwire.catalog.listing import ORDER_INDEXES
from paperwire.catalog.store import Catalog
from paperwire.db.engine import alembic_config, create_engine, dispose, write_connection
from paperwire.migrations.tables import all_tables

NOW = dt.datetime(2024, 3, 5, 12, 0, tzinfo=dt.UTC)
PAPERS = [
    {"id": "2401.00001", "title": "Attention, again", "old": False},
    {"id": "hep-th/9901001", "title": "An old-style id", "old": True},
]


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    made = create_engine(database_url)
    yield made
    dispose(made)


def revisions() -> list[str]:
    """Every revision from the first to head, in order."""
    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def upgrade(engine: sa.Engine, revision: str) -> None:
    with write_connection(engine) as connection:
        command.upgrade(alembic_config(connection), revision)
        connection.commit()


def seed_0001(connection: sa.Connection) -> None:
    for seq, paper in enumerate(PAPERS, start=1):
        connection.execute(
            sa.text(
                "INSERT INTO papers (id, title, abstract, authors, categories, primary_category,"
                " title_key, version, submitted, links, listed_on, listed_from_feed, extras,"
                " authority, withdrawn, change_seq, created_at, modified_at) VALUES (:id,"
                " :title, 'An abstract.', :authors, :categories, 'cs.CL', :key, 1, :day,"
                " :links, :day, :feed, :extras, 3, :withdrawn, :seq, :now, :now)"
            ),
            {
                "id": paper["id"],
                "title": paper["title"],
                "authors": json.dumps(["Ada Lovelace", "Émilie du Châtelet"]),
                "categories": json.dumps(["cs.CL", "cs.LG"]),
                "key": paper["title"].lower(),
                "day": dt.date(2024, 1, 2),
                "links": json.dumps([["pdf", f"https://arxiv.org/pdf/{paper['id']}"]]),
                "feed": True,
                "extras": json.dumps({"hf": {"upvotes": 7}}),
                "withdrawn": bool(paper["old"]),
                "seq": seq,
                "now": NOW,
            },
        )
        connection.execute(
            sa.text(
                "INSERT INTO paper_sources (paper_id, source, source_record_id, first_seen,"
                " last_seen) VALUES (:id, 'arxiv-oai', :record, :now, :now)"
            ),
            {"id": paper["id"], "record": f"oai:arXiv.org:{paper['id']}", "now": NOW},
        )
    connection.execute(
        sa.text("INSERT INTO paper_aliases (alias, paper_id) VALUES ('doi:10.1/x', '2401.00001')")
    )
    connection.execute(
        sa.text(
            "INSERT INTO ingest_checkpoints (key, value, updated_at)"
            " VALUES ('oai:cs', :value, :now)"
        ),
        {"value": json.dumps({"token": "abc", "done": 2}), "now": NOW},
    )
    connection.execute(sa.text("UPDATE counters SET value = 2 WHERE name = 'change_seq'"))


def seed_0003(connection: sa.Connection) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO users (id, username, username_key, email, email_key, role,"
            " display_name, bio, created_at, updated_at) VALUES (1, 'Ada', 'ada',"
            " 'ada@example.org', 'ada@example.org', 'user', 'Ada', '', :now, :now)"
        ),
        {"now": NOW},
    )
    connection.execute(
        sa.text("INSERT INTO votes (user_id, paper_id, created_at) VALUES (1, '2401.00001', :now)"),
        {"now": NOW},
    )


def test_data_written_at_0001_survives_every_step_to_head(
    engine: sa.Engine, database_url: str
) -> None:
    steps = revisions()
    assert steps[0] == "0001" and len(steps) >= 6
    upgrade(engine, "0001")
    with engine.begin() as connection:
        seed_0001(connection)
    for revision in steps[1:]:
        upgrade(engine, revision)
        if revision == "0003":
            with engine.begin() as connection:
                seed_0003(connection)
        with engine.connect() as connection:
            count = connection.execute(sa.text("SELECT count(*) FROM papers")).scalar_one()
            assert count == 2, f"papers lost at {revision}"

    with engine.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
        assert [row[0] for row in version] == [steps[-1]]
        counters = dict(connection.execute(sa.text("SELECT name, value FROM counters")).all())
        assert counters["change_seq"] == 2
        assert {"vector_seq", "digest_send_slot"} <= set(counters)  # 0002, 0004
        assert connection.execute(
            sa.text("SELECT value FROM ingest_checkpoints WHERE key = 'oai:cs'")
        ).scalar_one() in ({"token": "abc", "done": 2}, json.dumps({"token": "abc", "done": 2}))
        assert connection.execute(sa.text("SELECT count(*) FROM votes")).scalar_one() == 1

    # The upgraded schema is the one the code declares: nothing missing, nothing extra.
    # (The list-order expression indexes of 0005 are left out, as in tests/db/test_engine.py:
    # reflection cannot compare expressions; their names are checked instead.)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda _obj, name, kind, *_: (
                    not (kind == "index" and name in ORDER_INDEXES)
                ),
            },
        )
        differences = compare_metadata(context, all_tables())
        if connection.dialect.name == "sqlite":
            indexes = set(
                connection.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'index'"
                ).scalars()
            )
        else:
            indexes = {i["name"] for i in sa.inspect(connection).get_indexes("papers")}
    assert differences == []
    assert set(ORDER_INDEXES) <= indexes

    # The library reads the old rows as it reads new ones.
    catalog = Catalog.open(database_url)
    try:
        paper = catalog.get("2401.00001")
        assert paper is not None and paper.title == "Attention, again"
        assert paper.authors[1] == "Émilie du Châtelet"
        assert [link.url for link in paper.links] == ["https://arxiv.org/pdf/2401.00001"]
        old = catalog.get("hep-th/9901001")
        assert old is not None and old.withdrawn
    finally:
        catalog.close()


def test_later_constraints_hold_on_the_upgraded_database(engine: sa.Engine) -> None:
    upgrade(engine, "0001")
    with engine.begin() as connection:
        seed_0001(connection)
    upgrade(engine, "0003")
    with engine.begin() as connection:
        seed_0003(connection)
    upgrade(engine, "head")

    def fails(statement: str, **values: object) -> bool:
        try:
            with engine.begin() as connection:
                connection.execute(sa.text(statement), {"now": NOW, **values})
        except sa.exc.IntegrityError:
            return True
        return False

    # 0003: usernames are unique whatever their case; a vote needs its user.
    assert fails(
        "INSERT INTO users (id, username, username_key, email, email_key, role, display_name,"
        " bio, created_at, updated_at) VALUES (2, 'ADA', 'ada', 'b@example.org',"
        " 'b@example.org', 'user', 'B', '', :now, :now)"
    )
    assert fails("INSERT INTO votes (user_id, paper_id, created_at) VALUES (99, 'x', :now)")
    # 0004: one subscriber per address.
    subscriber = (
        "INSERT INTO digest_subscribers (email, email_key, status, frequency, weekday, hour,"
        " timezone, paper_count, topics, link_key, bounces, created_at, status_changed_at)"
        " VALUES ('r@example.org', 'r@example.org', 'active', 'daily', 0, 8, 'UTC', 10, '[]',"
        " :key, 0, :now, :now)"
    )
    assert not fails(subscriber, key="k1")
    assert fails(subscriber, key="k2")
    # Deleting a user takes their votes with them (the cascade of 0003's foreign keys).
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM users WHERE id = 1"))
        assert connection.execute(sa.text("SELECT count(*) FROM votes")).scalar_one() == 0
