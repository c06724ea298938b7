"""Accounts: the rules for names and addresses, creating, finding and administering users.

Flows that send mail or check passwords (sign-up, login, reset) live in accounts/auth.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from paperwire.accounts import passwords
from paperwire.accounts.model import ROLES, Role, User, user_from_row
from paperwire.accounts.schema import api_tokens, mail_tokens, user_sessions, users
from paperwire.catalog.store import Catalog
from paperwire.db.connections import now, reading, writing
from paperwire.errors import CommunityError, Conflict, NotFound

USERNAME = re.compile(r"[A-Za-z0-9_-]{2,32}")
# Names that would read as a page or a system account in /users/<name> URLs and messages.
RESERVED_USERNAMES = frozenset(
    {"me", "new", "settings", "login", "logout", "signup", "register", "api", "static",
     "feeds", "papers", "paperwire", "deleted", "anonymous", "system", "root", "null"}
)  # fmt: skip
# RFC 5322 atext for the local part (no quotes, spaces, commas or angle brackets, so an
# address can never break a mail header) and an ASCII host name with a dotted TLD.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
EMAIL_MAX = 254
DISPLAY_NAME_MAX = 100
BIO_MAX = 1000
# A deleted account keeps its row (comments and submissions point at it), renamed
# "deleted-<id>" (deletion.py); nobody may sign up with such a name.
DELETED_PREFIX = "deleted-"
# What a person may change about themselves; everything else in a request is ignored.
PROFILE_FIELDS = ("display_name", "bio")


class EmailTaken(Conflict):
    """Another account has this address (never shown to a person signing up: see auth.py)."""


def validate_username(name: str) -> str:
    if not USERNAME.fullmatch(name):
        raise CommunityError(
            "a username has 2 to 32 characters: ASCII letters, digits, '-' and '_'"
        )
    if name.lower() in RESERVED_USERNAMES or name.lower().startswith(DELETED_PREFIX):
        raise CommunityError(f"the username {name!r} is reserved")
    return name


def normalise_email(address: str) -> str:
    """The address as stored: surrounding space removed, the domain lower-cased."""
    address = address.strip()
    if len(address) > EMAIL_MAX or not _EMAIL.fullmatch(address):
        raise CommunityError("that does not look like an email address")
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def email_key(address: str) -> str:
    return address.lower()


def validate_role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise CommunityError(f"a role is one of {', '.join(ROLES)}")


def create_user(
    catalog: Catalog,
    *,
    username: str,
    email: str,
    password: str | None,
    role: str = "user",
    verified: bool = False,
) -> User:
    """A new account. password=None makes one with no usable password (it must be reset).
    Raises CommunityError/WeakPassword for bad input, Conflict or EmailTaken when taken."""
    username = validate_username(username)
    email = normalise_email(email)
    checked_role = validate_role(role)
    password_hash = None
    if password is not None:
        passwords.check_strength(password, username=username, email=email)
        password_hash = passwords.hash_password(password)
    moment = now(catalog)
    values = {
        "username": username,
        "username_key": username.lower(),
        "email": email,
        "email_key": email_key(email),
        "password_hash": password_hash,
        "role": checked_role,
        "display_name": "",
        "bio": "",
        "email_verified_at": moment if verified else None,
        "disabled_at": None,
        "created_at": moment,
        "updated_at": moment,
    }
    try:
        with writing(catalog) as connection:
            user_id = connection.execute(
                users.insert().values(**values).returning(users.c.id)
            ).scalar_one()
    except sa.exc.IntegrityError:
        if find_user(catalog, username) is not None:
            raise Conflict(f"the username {username!r} is taken") from None
        raise EmailTaken("an account with this email exists") from None
    found = get_user(catalog, int(user_id))
    assert found is not None
    return found


def get_user(catalog: Catalog, user_id: int) -> User | None:
    with reading(catalog) as connection:
        row = connection.execute(sa.select(users).where(users.c.id == user_id)).first()
    return user_from_row(row) if row is not None else None


def find_user(catalog: Catalog, username: str) -> User | None:
    """An account by username, whatever its case."""
    with reading(catalog) as connection:
        row = connection.execute(
            sa.select(users).where(users.c.username_key == username.lower())
        ).first()
    return user_from_row(row) if row is not None else None


def find_by_email(catalog: Catalog, address: str) -> User | None:
    with reading(catalog) as connection:
        row = connection.execute(
            sa.select(users).where(users.c.email_key == email_key(address.strip()))
        ).first()
    return user_from_row(row) if row is not None else None


def require_user(catalog: Catalog, username: str) -> User:
    user = find_user(catalog, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def list_users(catalog: Catalog, *, limit: int = 100, offset: int = 0) -> list[User]:
    with reading(catalog) as connection:
        rows = connection.execute(
            sa.select(users).order_by(users.c.username_key).limit(limit).offset(offset)
        ).all()
    return [user_from_row(row) for row in rows]


def _update(catalog: Catalog, user_id: int, **values: Any) -> User:
    with writing(catalog) as connection:
        connection.execute(
            users.update().where(users.c.id == user_id).values(updated_at=now(catalog), **values)
        )
    found = get_user(catalog, user_id)
    if found is None:
        raise NotFound("no such user")
    return found


def grant_role(catalog: Catalog, username: str, role: str) -> User:
    checked = validate_role(role)
    return _update(catalog, require_user(catalog, username).id, role=checked)


def set_disabled(catalog: Catalog, username: str, disabled: bool = True) -> User:
    """Disable (or enable) an account. Disabling also revokes its sessions and API tokens,
    so enabling it later does not bring them back."""
    user = require_user(catalog, username)
    moment = now(catalog)
    if disabled:
        revoke_all_credentials(catalog, user.id)
    return _update(catalog, user.id, disabled_at=moment if disabled else None)


def revoke_all_credentials(catalog: Catalog, user_id: int, *, keep_tokens: bool = False) -> None:
    """End every session and (unless keep_tokens) every API token of the account, and
    spend every outstanding password-reset link: whoever held one of them is out."""
    moment = now(catalog)
    with writing(catalog) as connection:
        connection.execute(
            mail_tokens.update()
            .where(
                mail_tokens.c.user_id == user_id,
                mail_tokens.c.purpose == "reset",
                mail_tokens.c.used_at.is_(None),
            )
            .values(used_at=moment)
        )
        connection.execute(
            user_sessions.update()
            .where(user_sessions.c.user_id == user_id, user_sessions.c.revoked_at.is_(None))
            .values(revoked_at=moment)
        )
        if not keep_tokens:
            connection.execute(
                api_tokens.update()
                .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=moment)
            )


def mark_email_verified(catalog: Catalog, user_id: int) -> User:
    return _update(catalog, user_id, email_verified_at=now(catalog))


def password_hash_of(catalog: Catalog, user_id: int) -> str | None:
    with reading(catalog) as connection:
        value = connection.execute(
            sa.select(users.c.password_hash).where(users.c.id == user_id)
        ).scalar_one_or_none()
    return str(value) if value is not None else None


def store_password_hash(catalog: Catalog, user_id: int, password_hash: str) -> None:
    """Replace the stored hash (a re-hash with new parameters at login)."""
    with writing(catalog) as connection:
        connection.execute(
            users.update().where(users.c.id == user_id).values(password_hash=password_hash)
        )


def set_password(catalog: Catalog, user_id: int, password: str) -> User:
    """Set a new password (rules checked) and end every session, API token and reset link
    of the account: a password change is what one does when somebody else may know it."""
    user = get_user(catalog, user_id)
    if user is None:
        raise NotFound("no such user")
    passwords.check_strength(password, username=user.username, email=user.email)
    revoke_all_credentials(catalog, user_id)
    return _update(catalog, user_id, password_hash=passwords.hash_password(password))


def update_profile(catalog: Catalog, user: User, changes: Mapping[str, Any]) -> User:
    """Apply the profile fields a person may change (PROFILE_FIELDS); any other key (role,
    is_admin, email, username...) is ignored, so a form or PATCH cannot grant anything."""
    values: dict[str, str] = {}
    for name in PROFILE_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if not isinstance(value, str):
            raise CommunityError(f"{name} must be text")
        values[name] = _clean_profile_text(name, value)
    if not values:
        return user
    return _update(catalog, user.id, **values)


def _clean_profile_text(name: str, value: str) -> str:
    limit = DISPLAY_NAME_MAX if name == "display_name" else BIO_MAX
    if name == "display_name":
        value = " ".join(value.split())  # one line: no newlines in a name
    else:
        value = value.replace("\r\n", "\n").strip()
    value = "".join(ch for ch in value if ch == "\n" or ch.isprintable())
    if len(value) > limit:
        raise CommunityError(f"{name} may have at most {limit} characters")
    return value
