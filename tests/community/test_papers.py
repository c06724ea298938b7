"""Community rows follow a paper when the catalog folds a slug into its arXiv id."""

from __future__ import annotations

import datetime as dt

from paperwire.catalog.store import Catalog
from paperwire.community import collections, comments, votes
from paperwire.community.papers import reassign_paper, resolve_paper_id
from paperwire.community.schema import star_counts
from paperwire.db.connections import writing
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
