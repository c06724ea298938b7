"""The community's value types: users and roles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from paperwire.db.values import as_utc

Role = Literal["user", "moderator", "admin"]
ROLES: tuple[Role, ...] = ("user", "moderator", "admin")
# Each role can do what the ones before it can.
ROLE_RANK: dict[str, int] = {role: rank for rank, role in enumerate(ROLES)}


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    email: str
    role: Role
    display_name: str
    bio: str
    email_verified: bool
    disabled: bool
    has_password: bool
    created_at: dt.datetime

    @property
    def is_moderator(self) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK["moderator"]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def public(self) -> dict[str, Any]:
        """What anybody may see of an account (no email)."""
        return {
            "username": self.username,
            "display_name": self.display_name or self.username,
            "bio": self.bio,
            "role": self.role,
            "created_at": self.created_at.isoformat(),
        }


def user_from_row(row: Any) -> User:
    return User(
        id=int(row.id),
        username=row.username,
        email=row.email,
        role=row.role,
        display_name=row.display_name,
        bio=row.bio,
        email_verified=row.email_verified_at is not None,
        disabled=row.disabled_at is not None,
        has_password=row.password_hash is not None,
        created_at=as_utc(row.created_at),
    )
