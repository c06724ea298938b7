"""Deleting an account: what the accounts room keeps and forgets.

Comments and submissions point at their author's row (community/schema.py, foreign keys
without ON DELETE), so the row stays, emptied: the name becomes "deleted-<id>", the shown
name "deleted user", the address a placeholder no mail can reach, with no password, no
role above "user", and disabled. Sessions, API tokens, mailed links, remembered clients
and login counters of the account are deleted. What other rooms hold (collections, the
digest subscription) is theirs to remove: the web layer calls them first
(web/pages/account_security.py; docs/community.md, "Deleting an account").
"""

from __future__ import annotations

from paperwire.accounts import throttle
from paperwire.accounts.model import User
from paperwire.accounts.schema import (
    api_tokens,
    known_clients,
    login_throttle,
    mail_tokens,
    user_sessions,
    users,
)
from paperwire.accounts.users import DELETED_PREFIX
from paperwire.catalog.store import Catalog
from paperwire.db.connections import now, writing

DELETED_NAME = "deleted user"
# RFC 2606: .invalid never resolves, so nothing can be mailed to the placeholder.
PLACEHOLDER_DOMAIN = "deleted.invalid"


def anonymise(catalog: Catalog, user: User) -> None:
    """Forget the person behind `user`, keeping the row that community content points at."""
    name = f"{DELETED_PREFIX}{user.id}"
    address = f"{name}@{PLACEHOLDER_DOMAIN}"
    moment = now(catalog)
    with writing(catalog) as connection:
        for table in (user_sessions, api_tokens, mail_tokens, known_clients):
            connection.execute(table.delete().where(table.c.user_id == user.id))
        for login in (user.username, user.email):  # its counters are keyed by login
            account = throttle.login_key(login)
            connection.execute(
                login_throttle.delete().where(
                    login_throttle.c.key.startswith(f"pair:{account}:", autoescape=True)
                    | (login_throttle.c.key == f"account:{account}")
                )
            )
        connection.execute(
            users.update()
            .where(users.c.id == user.id)
            .values(
                username=name,
                username_key=name,
                email=address,
                email_key=address,
                password_hash=None,
                role="user",
                display_name=DELETED_NAME,
                bio="",
                email_verified_at=None,
                disabled_at=moment,
                updated_at=moment,
            )
        )


def is_deleted(user: User) -> bool:
    return user.email.endswith("@" + PLACEHOLDER_DOMAIN) and user.disabled
