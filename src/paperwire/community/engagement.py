"""What the community made of each paper: upvotes, comments, who submitted it.

Every view (pages, both JSON APIs, feeds) asks here, so a count is the same everywhere.
Until paperwire has its own accounts, the figures are the ones the feeds carried (HF's
upvotes, numComments and submitter, kept in a paper's extras).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from paperwire.catalog.model import Paper
from paperwire.catalog.store import Catalog


@dataclass(frozen=True, slots=True)
class Engagement:
    upvotes: int = 0
    num_comments: int = 0
    # The submitter's user name (HF's submittedBy.name), when anybody submitted the paper.
    submitted_by: str | None = None
    github_stars: int | None = None


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def engagement_from_extras(paper: Paper) -> Engagement:
    extras = paper.extras
    stars = extras.get("githubStars")
    submitter = extras.get("submitter")
    # HF daily items record the submitter as {"name", "fullname"} (ingest/hf_daily.py).
    if isinstance(submitter, dict):
        submitter = submitter.get("name")
    return Engagement(
        upvotes=_count(extras.get("upvotes")),
        num_comments=_count(extras.get("numComments")),
        submitted_by=submitter if isinstance(submitter, str) and submitter else None,
        github_stars=_count(stars) if stars is not None else None,
    )


def engagement_for(catalog: Catalog, papers: Sequence[Paper]) -> dict[str, Engagement]:
    """Engagement of each paper, by paper id."""
    del catalog  # the community issue adds paperwire's own votes and comments from here
    return {paper.id: engagement_from_extras(paper) for paper in papers}
