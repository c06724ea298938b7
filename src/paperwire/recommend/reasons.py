"""Why a paper is recommended, in words: computed when a page is read, from live titles.

Personal picks name the liked paper nearest by cosine ("Like your upvoted “…”") and a
category or author the paper shares with what the reader liked or follows. Cold-start picks
say which followed interest matched, or that the paper is trending and that personal picks
start after MIN_POSITIVES liked papers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from paperwire.catalog.model import Paper
from paperwire.recommend.interests import Interests
from paperwire.recommend.model import normalise_rows
from paperwire.recommend.ranking import MIN_POSITIVES

ReasonKind = Literal["similar", "topic", "author", "trending"]

_VERBS = {
    "upvote": "upvoted",
    "collection": "saved",
    "digest": "liked",
    "card": "liked",
    "for_you": "liked",
    "seed": "imported",
}


@dataclass(frozen=True, slots=True)
class Reason:
    kind: ReasonKind
    text: str
    paper_id: str | None = None


@dataclass(frozen=True, slots=True)
class Liked:
    """The reader's liked papers, as the reasons need them."""

    papers: Mapping[str, Paper]
    sources: Mapping[str, str]  # paper id -> the source of its latest +1
    ids: Sequence[str]  # row order of `vectors`
    vectors: npt.NDArray[np.float32]


def personal(
    paper: Paper, vector: npt.NDArray[np.float32] | None, liked: Liked, follows: Interests
) -> list[Reason]:
    nearest = similar(vector, liked)
    reasons: list[Reason] = [nearest] if nearest is not None else []
    reasons += _followed(paper, follows)
    if not any(reason.kind == "topic" for reason in reasons):
        shared = Counter(
            category
            for other in liked.papers.values()
            for category in other.categories
            if category in paper.categories
        )
        if shared:
            category, count = shared.most_common(1)[0]
            noun = "paper" if count == 1 else "papers"
            reasons.append(Reason("topic", f"In {category}, like {count} {noun} you liked", None))
    if not any(reason.kind == "author" for reason in reasons):
        mine = {author.casefold(): author for author in paper.authors}
        for other in liked.papers.values():
            common = [mine[a.casefold()] for a in other.authors if a.casefold() in mine]
            if common:
                reasons.append(
                    Reason("author", f"By {common[0]}, an author of “{other.title}”", other.id)
                )
                break
    return reasons


def similar(vector: npt.NDArray[np.float32] | None, liked: Liked) -> Reason | None:
    """The liked paper nearest by cosine."""
    if vector is None or not len(liked.ids):
        return None
    similarity = normalise_rows(liked.vectors) @ normalise_rows(vector[None, :])[0]
    nearest = liked.ids[int(np.argmax(similarity))]
    title = liked.papers[nearest].title if nearest in liked.papers else nearest
    verb = _VERBS.get(liked.sources.get(nearest, ""), "liked")
    return Reason("similar", f"Like your {verb} “{title}”", nearest)


def cold_start(
    paper: Paper, follows: Interests, query: str | None, liked_count: int
) -> list[Reason]:
    reasons = _followed(paper, follows)
    if query is not None:
        reasons.append(Reason("topic", f"Matches your saved search “{query}”", None))
    needed = MIN_POSITIVES - liked_count
    noun = "paper" if needed == 1 else "papers"
    reasons.append(
        Reason(
            "trending",
            f"Popular this week; like or save {needed} more {noun} for picks of your own",
            None,
        )
    )
    return reasons


def _followed(paper: Paper, follows: Interests) -> list[Reason]:
    reasons: list[Reason] = []
    for category in follows.categories:
        if category in paper.categories:
            reasons.append(Reason("topic", f"In {category}, a topic you follow", None))
            break
    followed = {author.casefold() for author in follows.authors}
    for author in paper.authors:
        if author.casefold() in followed:
            reasons.append(Reason("author", f"By {author}, an author you follow", None))
            break
    return reasons
