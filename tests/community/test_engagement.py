"""engagement_for: this instance's figures plus HF's, in one query for a page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from paperwire.catalog.store import Catalog
from paperwire.community import comments, votes
from paperwire.community.engagement import Engagement, engagement_for, engagement_from_extras
from paperwire.community.schema import submissions
from paperwire.db.connections import writing
from tests.support.community import add_paper, make_user

DAY = dt.date(2026, 3, 16)


def test_hf_figures_alone(catalog: Catalog) -> None:
    paper_id = add_paper(
        catalog,
        "2602.23229",
        listed_on=DAY,
        extras={"upvotes": 10, "numComments": 1, "githubStars": 9, "submitter": "akhaliq"},
    )
    [paper] = catalog.get_many([paper_id])
    expected = Engagement(upvotes=10, num_comments=1, submitted_by="akhaliq", github_stars=9)
    assert engagement_for(catalog, [paper]) == {paper_id: expected}
    assert engagement_from_extras(paper) == expected


def test_hf_daily_records_the_submitter_as_a_person(catalog: Catalog) -> None:
    submitter = {"name": "marco-garosi", "fullname": "Marco Garosi"}
    paper_id = add_paper(catalog, "2602.23229", listed_on=DAY, extras={"submitter": submitter})
    [paper] = catalog.get_many([paper_id])
    assert engagement_for(catalog, [paper])[paper_id].submitted_by == "marco-garosi"


def test_local_and_hf_figures_add_up_and_the_local_submitter_wins(catalog: Catalog) -> None:
    paper_id = add_paper(
        catalog,
        "2403.01234",
        listed_on=DAY,
        extras={"upvotes": 3, "numComments": 2, "submitter": "hf-person"},
    )
    plain = add_paper(catalog, "2403.05678", listed_on=DAY)
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    votes.upvote(catalog, ada, paper_id)
    votes.upvote(catalog, bob, paper_id)
    comments.add_comment(catalog, ada, paper_id, "nice")
    gone = comments.add_comment(catalog, bob, paper_id, "oops")
    comments.delete_comment(catalog, bob, gone.id)
    hidden = comments.add_comment(catalog, bob, paper_id, "spam")
    comments.set_hidden(catalog, make_user(catalog, "mod", role="moderator"), hidden.id, True)
    with writing(catalog) as connection:
        connection.execute(
            submissions.insert().values(
                paper_id=paper_id, user_id=ada.id, status="listed", attempts=1,
                created_at=catalog.clock.now(), updated_at=catalog.clock.now(),
            )
        )  # fmt: skip
    papers = catalog.get_many([paper_id, plain])
    found = engagement_for(catalog, papers)
    assert found[paper_id] == Engagement(upvotes=5, num_comments=3, submitted_by="ada")
    assert found[plain] == Engagement()


def test_a_page_costs_one_query(catalog: Catalog) -> None:
    ids = [
        add_paper(catalog, f"2403.{n:05d}", listed_on=DAY, extras={"upvotes": n})
        for n in range(1, 51)
    ]
    ada = make_user(catalog, "ada")
    for paper_id in ids[::3]:
        votes.upvote(catalog, ada, paper_id)
    papers = catalog.get_many(ids)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    sa.event.listen(catalog.engine, "before_cursor_execute", count)
    try:
        found = engagement_for(catalog, papers)
    finally:
        sa.event.remove(catalog.engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    assert [found[i].upvotes for i in ids[:4]] == [2, 2, 3, 5]
    assert engagement_for(catalog, []) == {}
