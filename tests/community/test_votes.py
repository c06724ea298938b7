"""Upvotes: one per account and paper, even when 50 arrive at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from paperwire.catalog.store import Catalog
from paperwire.community import votes
from paperwire.community.engagement import engagement_for
from paperwire.errors import Forbidden, NotFound
from tests.support.community import add_paper, make_user

DAY = dt.date(2026, 3, 16)


def test_upvote_and_take_it_back(catalog: Catalog) -> None:
    paper_id = add_paper(catalog, "2403.01234", listed_on=DAY, extras={"upvotes": 10})
    ada = make_user(catalog, "ada")
    assert votes.upvote(catalog, ada, paper_id) is True
    assert votes.upvote(catalog, ada, paper_id) is False
    assert votes.vote_count(catalog, paper_id) == 1
    [paper] = catalog.get_many([paper_id])
    assert engagement_for(catalog, [paper])[paper_id].upvotes == 11
    assert votes.upvoted_among(catalog, ada, [paper_id, "2403.09999"]) == {paper_id}
    assert votes.upvoted_by(catalog, ada.id) == [paper_id]
    assert votes.remove_upvote(catalog, ada, paper_id) is True
    assert votes.remove_upvote(catalog, ada, paper_id) is False
    assert engagement_for(catalog, [paper])[paper_id].upvotes == 10


def test_votes_need_an_account_and_a_paper(catalog: Catalog) -> None:
    ada = make_user(catalog, "ada")
    with pytest.raises(Forbidden):
        votes.upvote(catalog, None, "2403.01234")
    with pytest.raises(NotFound):
        votes.upvote(catalog, ada, "2403.01234")
    assert votes.upvoted_among(catalog, None, ["2403.01234"]) == set()


def test_fifty_parallel_upvotes_by_one_account_count_once(catalog: Catalog) -> None:
    paper_id = add_paper(catalog, "2403.01234", listed_on=DAY)
    ada = make_user(catalog, "ada")
    barrier = threading.Barrier(50)
    results: list[bool] = []
    errors: list[BaseException] = []

    def vote() -> None:
        try:
            barrier.wait()
            results.append(votes.upvote(catalog, ada, paper_id))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=vote) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False] * 49 + [True]
    assert votes.vote_count(catalog, paper_id) == 1


def test_votes_by_many_accounts_add_up(catalog: Catalog) -> None:
    paper_id = add_paper(catalog, "2403.01234", listed_on=DAY)
    for name in ("ada", "bob", "cy"):
        votes.upvote(catalog, make_user(catalog, name), paper_id)
    assert votes.vote_count(catalog, paper_id) == 3


def test_a_vote_through_an_old_alias_lands_on_the_paper(catalog: Catalog) -> None:
    slug = add_paper(catalog, "some-listing-paper", listed_on=DAY, title="Some Listing Paper")
    with catalog.engine.begin() as connection:
        from paperwire.catalog.schema import paper_aliases

        connection.execute(paper_aliases.insert().values(alias="old-slug", paper_id=slug))
    votes.upvote(catalog, make_user(catalog), "old-slug")
    assert votes.vote_count(catalog, slug) == 1
