"""The recommender's tables, registered on the shared metadata (migration 0007 creates them).

Readers are stored by key ("user:12", "subscriber:7", recommend/readers.py), not by foreign
key: a reader is either kind, and each kind's account deletion removes its rows itself.
"""

from __future__ import annotations

import sqlalchemy as sa

from paperwire.catalog.schema import paper_id_column
from paperwire.db.metadata import metadata

READER = sa.String(40)
_MOMENT = sa.DateTime(timezone=True)

# What a reader told us about one paper: +1 or -1, per source ("digest", "card", "for_you",
# "seed"). Upvotes and collection items are read live from the community tables instead.
reader_signals = sa.Table(
    "reader_signals",
    metadata,
    sa.Column("reader", READER, primary_key=True),
    paper_id_column(primary_key=True, index=True),
    sa.Column("source", sa.String(16), primary_key=True),
    sa.Column("value", sa.SmallInteger, nullable=False),
    sa.Column("created_at", _MOMENT, nullable=False),
)

# Followed categories and authors, and saved queries: the cold-start ranking's input.
reader_interests = sa.Table(
    "reader_interests",
    metadata,
    sa.Column("reader", READER, primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),  # category | author | query
    sa.Column("value", sa.String(300), primary_key=True),
)

# Each reader's precomputed ranking (orjson of the ranked list, engine.py); replaced whole.
reader_recommendations = sa.Table(
    "reader_recommendations",
    metadata,
    sa.Column("reader", READER, primary_key=True),
    sa.Column("computed_at", _MOMENT, nullable=False),
    sa.Column("basis", sa.String(16), nullable=False),  # personal | cold_start
    sa.Column("payload", sa.LargeBinary, nullable=False),
)

# Private feed links (/for-you feeds): only the sha256 of each secret is kept.
reader_feed_tokens = sa.Table(
    "reader_feed_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reader", READER, nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", _MOMENT, nullable=False),
    sa.Column("revoked_at", _MOMENT, nullable=True),
)
