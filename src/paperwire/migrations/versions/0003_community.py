"""Community tables: accounts, sessions, tokens, votes, comments, submissions, collections.

See paperwire.community.schema (the declared tables these match).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_MOMENT = sa.DateTime(timezone=True)


def _moment(name: str, nullable: bool = False) -> sa.Column[dt.datetime]:
    return sa.Column(name, _MOMENT, nullable=nullable)


def _user_fk(table: str, column: str = "user_id", cascade: bool = True) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["users.id"],
        name=f"fk_{table}_{column}_users",
        ondelete="CASCADE" if cascade else None,
    )


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("username_key", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_key", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("bio", sa.Text, nullable=False),
        _moment("email_verified_at", nullable=True),
        _moment("disabled_at", nullable=True),
        _moment("created_at"),
        _moment("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username_key", name="uq_users_username_key"),
        sa.UniqueConstraint("email_key", name="uq_users_email_key"),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        _moment("created_at"),
        _moment("last_seen_at"),
        _moment("expires_at"),
        _moment("revoked_at", nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(300), nullable=True),
        _user_fk("user_sessions"),
        sa.PrimaryKeyConstraint("id_hash", name="pk_user_sessions"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        _moment("created_at"),
        _moment("last_used_at", nullable=True),
        _moment("revoked_at", nullable=True),
        _user_fk("api_tokens"),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "mail_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        _moment("created_at"),
        _moment("expires_at"),
        _moment("used_at", nullable=True),
        _user_fk("mail_tokens"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_mail_tokens"),
    )
    op.create_index("ix_mail_tokens_user_id", "mail_tokens", ["user_id"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        _moment("last_failure_at"),
        _moment("blocked_until", nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_login_throttle"),
    )
    op.create_table(
        "known_clients",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("client_hash", sa.String(64), nullable=False),
        _moment("last_success_at"),
        _user_fk("known_clients"),
        sa.PrimaryKeyConstraint("user_id", "client_hash", name="pk_known_clients"),
    )
    op.create_table(
        "votes",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("paper_id", sa.String(200), nullable=False),
        _moment("created_at"),
        _user_fk("votes"),
        sa.PrimaryKeyConstraint("user_id", "paper_id", name="pk_votes"),
    )
    op.create_index("ix_votes_paper_id", "votes", ["paper_id"])
    op.create_index("ix_votes_created_at", "votes", ["created_at"])
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("paper_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("parent_id", sa.Integer, nullable=True),
        sa.Column("depth", sa.SmallInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        _moment("created_at"),
        _moment("edited_at", nullable=True),
        _moment("deleted_at", nullable=True),
        _moment("hidden_at", nullable=True),
        sa.Column("hidden_by", sa.Integer, nullable=True),
        _user_fk("comments", cascade=False),
        _user_fk("comments", "hidden_by", cascade=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["comments.id"], name="fk_comments_parent_id_comments"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
    )
    op.create_index("ix_comments_paper_id", "comments", ["paper_id"])
    op.create_index("ix_comments_parent_id", "comments", ["parent_id"])
    op.create_index("ix_comments_created_at", "comments", ["created_at"])
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("paper_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        _moment("created_at"),
        _moment("updated_at"),
        _moment("listed_at", nullable=True),
        _user_fk("submissions", cascade=False),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.UniqueConstraint("paper_id", name="uq_submissions_paper_id"),
    )
    op.create_index("ix_submissions_user_id", "submissions", ["user_id"])
    op.create_index("ix_submissions_status", "submissions", ["status"])
    op.create_index("ix_submissions_created_at", "submissions", ["created_at"])
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("is_public", sa.Boolean, nullable=False),
        _moment("created_at"),
        _moment("updated_at"),
        _user_fk("collections"),
        sa.PrimaryKeyConstraint("id", name="pk_collections"),
        sa.UniqueConstraint("user_id", "slug", name="uq_collections_user_id_slug"),
    )
    op.create_table(
        "collection_items",
        sa.Column("collection_id", sa.Integer, nullable=False),
        sa.Column("paper_id", sa.String(200), nullable=False),
        _moment("added_at"),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name="fk_collection_items_collection_id_collections",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("collection_id", "paper_id", name="pk_collection_items"),
    )
    op.create_index("ix_collection_items_paper_id", "collection_items", ["paper_id"])
    op.create_table(
        "star_counts",
        sa.Column("paper_id", sa.String(200), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("stars", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("paper_id", "day", name="pk_star_counts"),
    )
    op.create_index("ix_star_counts_day", "star_counts", ["day"])


def downgrade() -> None:
    for table in (
        "star_counts",
        "collection_items",
        "collections",
        "submissions",
        "comments",
        "votes",
        "known_clients",
        "login_throttle",
        "mail_tokens",
        "api_tokens",
        "user_sessions",
        "users",
    ):
        op.drop_table(table)
