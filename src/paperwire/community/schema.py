"""The community's tables (SQLAlchemy Core): votes, comments, submissions, collections and
star counts. Migration 0003 creates them.

Rows refer to papers by id without a foreign key: a pending submission names a paper the
catalog does not have yet, and a title-slug paper can be folded into its arXiv paper (see
`reassign_paper` in community/papers.py). They refer to accounts (accounts/schema.py) by
foreign key.
"""

from __future__ import annotations

import sqlalchemy as sa

from paperwire.db.metadata import metadata

_MOMENT = sa.DateTime(timezone=True)
PAPER_ID = sa.String(200)


def _user_fk(ondelete: str | None = "CASCADE") -> sa.ForeignKey:
    return sa.ForeignKey("users.id", ondelete=ondelete)


votes = sa.Table(
    "votes",
    metadata,
    sa.Column("user_id", sa.Integer, _user_fk(), primary_key=True),
    sa.Column("paper_id", PAPER_ID, primary_key=True, index=True),
    sa.Column("created_at", _MOMENT, nullable=False, index=True),
)

comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("paper_id", PAPER_ID, nullable=False, index=True),
    # Comments outlive nothing: accounts are disabled, never deleted.
    sa.Column("user_id", sa.Integer, _user_fk(None), nullable=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("comments.id"), nullable=True, index=True),
    sa.Column("depth", sa.SmallInteger, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    # Rendered and sanitised once, when written (community/markdown.py).
    sa.Column("body_html", sa.Text, nullable=False),
    sa.Column("created_at", _MOMENT, nullable=False, index=True),
    sa.Column("edited_at", _MOMENT, nullable=True),
    sa.Column("deleted_at", _MOMENT, nullable=True),
    sa.Column("hidden_at", _MOMENT, nullable=True),
    sa.Column("hidden_by", sa.Integer, _user_fk(None), nullable=True),
)

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # One submission per paper: a second one becomes an upvote.
    sa.Column("paper_id", PAPER_ID, nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, _user_fk(None), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    # Why it was rejected, or the last error while arXiv could not be reached.
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", _MOMENT, nullable=False, index=True),
    sa.Column("updated_at", _MOMENT, nullable=False),
    sa.Column("listed_at", _MOMENT, nullable=True),
)

collections = sa.Table(
    "collections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, _user_fk(), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("slug", sa.String(100), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("is_public", sa.Boolean, nullable=False),
    sa.Column("created_at", _MOMENT, nullable=False),
    sa.Column("updated_at", _MOMENT, nullable=False),
    sa.UniqueConstraint("user_id", "slug", name="uq_collections_user_id_slug"),
)

collection_items = sa.Table(
    "collection_items",
    metadata,
    sa.Column(
        "collection_id",
        sa.Integer,
        sa.ForeignKey("collections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("paper_id", PAPER_ID, primary_key=True, index=True),
    sa.Column("added_at", _MOMENT, nullable=False),
)

# GitHub star counts as sources reported them, one row per paper and day: trending uses
# the growth over its window (community/stars.py).
star_counts = sa.Table(
    "star_counts",
    metadata,
    sa.Column("paper_id", PAPER_ID, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True, index=True),
    sa.Column("stars", sa.Integer, nullable=False),
)
