"""The submitter filter: papers submitted on Hugging Face or on this site, by name."""

from __future__ import annotations

import datetime as dt

from paperwire.accounts.users import create_user
from paperwire.catalog.listing import ListQuery
from paperwire.catalog.model import Authority
from paperwire.catalog.periods import parse_day
from paperwire.catalog.store import Catalog
from paperwire.community.schema import submissions
from paperwire.community.submissions import submit_paper
from paperwire.community.submitters import submitted_by
from paperwire.config import Settings
from paperwire.ingest.records import build_record
from tests.catalog.test_listing import _fill


def by(name: str, **query: object) -> ListQuery:
    return ListQuery(submitter=name, submitter_filter=submitted_by, **query)  # type: ignore[arg-type]


def _submitted_here(catalog: Catalog, username: str, arxiv_id: str) -> str:
    """`username` submits `arxiv_id` on this site. The catalog has arXiv's metadata already
    (and the fixture's clock says 2026-03-16), so nothing is fetched."""
    catalog.upsert(
        [
            build_record(
                source="arxiv",
                source_record_id=arxiv_id,
                authority=Authority.ARXIV,
                raw_id=arxiv_id,
                title=f"Submitted by {username}",
                abstract="Words.",
                categories=["cs.LG"],
                submitted=dt.date(2026, 3, 14),
            )
        ]
    )
    user = create_user(
        catalog, username=username, email=f"{username}@example.org", password=None, verified=True
    )
    result = submit_paper(catalog, Settings(), user, arxiv_id)
    assert result.outcome == "listed"
    return result.paper_id


def test_submitter_matches_papers_submitted_here_too(catalog: Catalog) -> None:
    _fill(catalog)
    mine = _submitted_here(catalog, "Carol", "2603.01234")
    for name in ("Carol", "carol"):  # local usernames are unique whatever their case
        carol = catalog.list_page(by(name), limit=50)
        assert carol.total == 1 and [paper.id for paper in carol.papers] == [mine]
    today = catalog.list_page(by("carol", period=parse_day("2026-03-16")))
    assert [paper.id for paper in today.papers] == [mine]
    assert catalog.list_page(by("carol", period=parse_day("2024-03-05"))).total == 0
    # An account named like an HF submitter: both kinds of paper answer to the name.
    alices = _submitted_here(catalog, "alice", "2603.04321")
    alice = catalog.list_page(by("alice"), limit=50)
    assert alice.total == 7 and alices in {paper.id for paper in alice.papers}
    # HF names stay exact: "Alice" is nobody on Hugging Face, but the local alice here.
    assert [p.id for p in catalog.list_page(by("Alice"), limit=50).papers] == [alices]


def test_a_rejected_submission_is_not_the_submitters(catalog: Catalog) -> None:
    mine = _submitted_here(catalog, "carol", "2603.01234")
    with catalog.engine.begin() as connection:
        connection.execute(
            submissions.update()
            .where(submissions.c.paper_id == mine)
            .values(status="rejected", reason="a test")
        )
    assert catalog.list_page(by("carol")).total == 0
    assert catalog.list_page(ListQuery()).total == 1
    assert catalog.list_page(by("nobody")).total == 0


def test_without_the_filter_only_hugging_face_submitters_count(catalog: Catalog) -> None:
    _fill(catalog)
    _submitted_here(catalog, "carol", "2603.01234")
    assert catalog.list_page(ListQuery(submitter="carol")).total == 0
    assert catalog.list_page(ListQuery(submitter="alice")).total == 6
