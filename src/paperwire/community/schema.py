"""The community's tables (SQLAlchemy Core), on the catalog's shared metadata.

Migration 0003 creates exactly these. Rows refer to papers by id without a foreign key: a
pending submission names a paper the catalog does not have yet, and a title-slug paper can be
folded into its arXiv paper (see `reassign_paper` in community/papers.py).
Secrets (session ids, API tokens, mail tokens) are stored only as SHA-256 hashes.
"""

from __future__ import annotations

import sqlalchemy as sa

from paperwire.catalog.schema import metadata

_MOMENT = sa.DateTime(timezone=True)
PAPER_ID = sa.String(200)


def _user_fk(ondelete: str | None = "CASCADE") -> sa.ForeignKey:
    return sa.ForeignKey("users.id", ondelete=ondelete)


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(32), nullable=False),
    # Lower-cased copies: names and addresses are unique whatever their case.
    sa.Column("username_key", sa.String(32), nullable=False, unique=True),
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("email_key", sa.String(254), nullable=False, unique=True),
    # NULL: no usable password (made by `paperwire users create` without one): reset first.
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("bio", sa.Text, nullable=False),
    sa.Column("email_verified_at", _MOMENT, nullable=True),
    sa.Column("disabled_at", _MOMENT, nullable=True),
    sa.Column("created_at", _MOMENT, nullable=False),
    sa.Column("updated_at", _MOMENT, nullable=False),
)

user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, _user_fk(), nullable=False, index=True),
    sa.Column("created_at", _MOMENT, nullable=False),
    sa.Column("last_seen_at", _MOMENT, nullable=False),
    sa.Column("expires_at", _MOMENT, nullable=False),
    sa.Column("revoked_at", _MOMENT, nullable=True),
    sa.Column("ip", sa.String(64), nullable=True),
    sa.Column("user_agent", sa.String(300), nullable=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, _user_fk(), nullable=False, index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    # The first characters of the token, so a list can tell tokens apart.
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("created_at", _MOMENT, nullable=False),
    sa.Column("last_used_at", _MOMENT, nullable=True),
    sa.Column("revoked_at", _MOMENT, nullable=True),
)

# Single-use links sent by mail: email verification and password reset.
mail_tokens = sa.Table(
    "mail_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, _user_fk(), nullable=False, index=True),
    sa.Column("purpose", sa.String(16), nullable=False),
    # The address the link went to: verifying proves this address, not a later one.
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("created_at", _MOMENT, nullable=False),
    sa.Column("expires_at", _MOMENT, nullable=False),
    sa.Column("used_at", _MOMENT, nullable=True),
)

# Failed logins per throttle key (see community/throttle.py).
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", _MOMENT, nullable=False),
    sa.Column("blocked_until", _MOMENT, nullable=True),
)

# Clients (a keyed hash of the IP address) that logged in to an account before.
known_clients = sa.Table(
    "known_clients",
    metadata,
    sa.Column("user_id", sa.Integer, _user_fk(), primary_key=True),
    sa.Column("client_hash", sa.String(64), primary_key=True),
    sa.Column("last_success_at", _MOMENT, nullable=False),
)

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
