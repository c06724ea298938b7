"""A person's public page: who they are, what they submitted, upvoted and collected."""

from __future__ import annotations

from dataclasses import dataclass

from paperwire.accounts.model import User
from paperwire.accounts.users import find_user
from paperwire.catalog.store import Catalog
from paperwire.community.collections import Collection, collections_of
from paperwire.community.submissions import Submission, submissions_of
from paperwire.community.votes import upvoted_by
from paperwire.errors import NotFound


@dataclass(frozen=True, slots=True)
class Profile:
    user: User  # render user.public() for anybody but the owner (it leaves out the email)
    is_self: bool
    submissions: list[Submission]
    upvoted: list[str]  # paper ids, latest vote first (load them with Catalog.get_many)
    collections: list[Collection]


def profile(
    catalog: Catalog, username: str, viewer: User | None = None, *, limit: int = 50
) -> Profile:
    """A profile as `viewer` may see it: pending or rejected submissions and private
    collections only for the owner. Disabled accounts have no profile (NotFound)."""
    user = find_user(catalog, username)
    if user is None or user.disabled:
        raise NotFound(f"no user {username!r}")
    return Profile(
        user=user,
        is_self=viewer is not None and viewer.id == user.id,
        submissions=submissions_of(catalog, user.id, viewer=viewer, limit=limit),
        upvoted=upvoted_by(catalog, user.id, limit=limit),
        collections=collections_of(catalog, user.username, viewer),
    )
