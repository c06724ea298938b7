"""Community rows follow a paper when the catalog folds a slug into its arXiv id."""

from __future__ import annotations

import datetime as dt

import pytest

from paperwire.catalog.store import Catalog
from paperwire.community import collections, comments, votes
from paperwire.community.papers import reassign_paper, resolve_paper_id
from paperwire.community.schema import star_counts
from paperwire.community.submissions import get_submission
from paperwire.db.connections import writing
from paperwire.errors import NotFound
from tests.support.community import add_paper, make_user

DAY = dt.date(2026, 3, 16)


def test_reassign_moves_everything_and_drops_duplicates(catalog: Catalog) -> None:
    slug = add_paper(catalog, "a-listing-paper", listed_on=DAY, title="A Listing Paper")
    target = add_paper(catalog, "2403.01234", listed_on=DAY)
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    votes.upvote(catalog, ada, slug)
    votes.upvote(catalog, bob, slug)
    votes.upvote(catalog, bob, target)  # bob voted for both: one vote remains
    comment = comments.add_comment(catalog, ada, slug, "on the slug")
    shelf = collections.create_collection(catalog, ada, "Shelf")
    collections.add_paper(catalog, ada, shelf.id, slug)
    collections.add_paper(catalog, ada, shelf.id, target)
    with writing(catalog) as connection:
        connection.execute(star_counts.insert().values(paper_id=slug, day=DAY, stars=5))
        connection.execute(star_counts.insert().values(paper_id=target, day=DAY, stars=7))
        reassign_paper(connection, slug, target)
        assert resolve_paper_id(connection, target) == target
        assert resolve_paper_id(connection, "nope") is None
    assert votes.vote_count(catalog, slug) == 0 and votes.vote_count(catalog, target) == 2
    assert [c.id for c in comments.thread(catalog, target)] == [comment.id]
    found = collections.get_collection(catalog, "ada", "shelf", ada)
    assert collections.collection_paper_ids(catalog, found) == [target]


def test_an_ingest_that_folds_a_slug_carries_its_votes_and_comments(catalog: Catalog) -> None:
    """The catalog itself calls reassign_paper when an arXiv record claims a listing paper."""
    from paperwire.catalog.model import Authority
    from paperwire.ingest.records import build_record

    title = "Folding Listing Papers Into Their Arxiv Records"
    listing = build_record(
        source="hf-listing",
        source_record_id="fold",
        authority=Authority.LISTING,
        raw_id=None,
        title=title,
        abstract="Words.",
        listed_on=DAY,
    )
    catalog.upsert([listing])
    slug = listing.paper_id
    ada = make_user(catalog, "ada")
    votes.upvote(catalog, ada, slug)
    comment = comments.add_comment(catalog, ada, slug, "said on the listing paper")
    catalog.upsert(
        [
            build_record(
                source="arxiv-oai",
                source_record_id="oai:arXiv.org:2603.01234",
                authority=Authority.ARXIV,
                raw_id="2603.01234",
                title=title,
                abstract="Words.",
                submitted=DAY,
            )
        ]
    )
    assert catalog.get(slug) is not None and catalog.get(slug).id == "2603.01234"  # type: ignore[union-attr]
    assert votes.vote_count(catalog, "2603.01234") == 1
    assert [c.id for c in comments.thread(catalog, "2603.01234")] == [comment.id]


HOSTILE_IDS = ("2403.01234\x00", "\x00", "a\nb", "x" * 301, "")


def test_hostile_ids_name_no_paper_on_either_database(catalog: Catalog) -> None:
    """A NUL makes PostgreSQL refuse the statement (an API caller found it as a 500): ids
    no paper can have are answered as unknown before any query, on both databases."""
    paper = add_paper(catalog, "2403.01234", listed_on=DAY)
    ada = make_user(catalog, "ada")
    shelf = collections.create_collection(catalog, ada, "Shelf")
    collections.add_paper(catalog, ada, shelf.id, paper)
    votes.upvote(catalog, ada, paper)
    for hostile in HOSTILE_IDS:
        with writing(catalog) as connection:
            assert resolve_paper_id(connection, hostile) is None
        assert catalog.get(hostile) is None
        assert [p.id for p in catalog.get_many([hostile, paper])] == [paper]
        assert get_submission(catalog, hostile) is None
        with pytest.raises(NotFound):
            collections.add_paper(catalog, ada, shelf.id, hostile)
        with pytest.raises(NotFound):
            votes.upvote(catalog, ada, hostile)
        with pytest.raises(NotFound):
            comments.add_comment(catalog, ada, hostile, "hello")
        assert collections.remove_paper(catalog, ada, shelf.id, hostile) is False
        assert votes.remove_upvote(catalog, ada, hostile) is False
    # Nothing the refused ids touched changed what is there.
    found = collections.get_collection(catalog, "ada", "shelf", ada)
    assert collections.collection_paper_ids(catalog, found) == [paper]
    assert votes.vote_count(catalog, paper) == 1
