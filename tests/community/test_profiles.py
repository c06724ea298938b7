"""Profiles: what a person shows others, and what only they see."""

from __future__ import annotations

import datetime as dt

import pytest

from paperwire.accounts import users as accounts
from paperwire.catalog.store import Catalog
from paperwire.community import collections, votes
from paperwire.community.profiles import profile
from paperwire.community.schema import submissions
from paperwire.db.connections import writing
from paperwire.errors import NotFound
from tests.support.community import add_paper, make_user


def test_profile_for_the_owner_and_for_others(catalog: Catalog) -> None:
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    listed = add_paper(catalog, "2403.01234", listed_on=dt.date(2026, 3, 16))
    votes.upvote(catalog, ada, listed)
    collections.create_collection(catalog, ada, "Public", public=True)
    collections.create_collection(catalog, ada, "Private")
    now = catalog.clock.now()
    with writing(catalog) as connection:
        for paper_id, status in ((listed, "listed"), ("2403.09999", "pending")):
            connection.execute(
                submissions.insert().values(
                    paper_id=paper_id, user_id=ada.id, status=status, attempts=1,
                    created_at=now, updated_at=now,
                )
            )  # fmt: skip
    own = profile(catalog, "ADA", ada)
    assert own.is_self and own.upvoted == [listed]
    assert sorted(s.status for s in own.submissions) == ["listed", "pending"]
    assert [c.name for c in own.collections] == ["Private", "Public"]
    seen = profile(catalog, "ada", bob)
    assert not seen.is_self
    assert [s.status for s in seen.submissions] == ["listed"]
    assert [c.name for c in seen.collections] == ["Public"]
    assert "email" not in seen.user.public()
    assert profile(catalog, "ada").collections == seen.collections


def test_no_profile_for_unknown_or_disabled_accounts(catalog: Catalog) -> None:
    make_user(catalog, "ada")
    accounts.set_disabled(catalog, "ada")
    for name in ("ada", "nobody"):
        with pytest.raises(NotFound):
            profile(catalog, name)
