"""Identity tables: users, login sessions, API tokens, mailed single-use tokens, login
throttling. Migration 0003 creates them. Secrets (session ids, API tokens, mail tokens) are
stored only as SHA-256 hashes.
"""

from __future__ import annotations

import sqlalchemy as sa

from paperwire.db.metadata import metadata

_MOMENT = sa.DateTime(timezone=True)


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

# Failed logins per throttle key (see accounts/throttle.py).
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

# Mails asked for (sign-up, verification, reset, digest confirmation...), one row per
# request, keyed by a hash of the address or of the client's IP (accounts/mail_limits.py).
mail_rate_events = sa.Table(
    "mail_rate_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(100), nullable=False),
    sa.Column("at", _MOMENT, nullable=False, index=True),
    sa.Index("ix_mail_rate_events_key_at", "key", "at"),
)
