"""The JSON shapes of /api/v1/me/recommendations (api/recommendations.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from paperwire.web.api.models import PaperOut


class ReasonOut(BaseModel):
    kind: Literal["similar", "topic", "author", "trending"]
    text: str = Field(description="Why, in words: “Like your upvoted “…””, “In cs.CL, …”.")
    paper_id: str | None = Field(description="The liked paper it resembles (kind similar).")


class RecommendationOut(BaseModel):
    paper: PaperOut
    score: float = Field(
        description="The ranking's score (higher first); not comparable between readers."
    )
    reasons: list[ReasonOut]


class RecommendationsOut(BaseModel):
    """The reader's recommendations, best first, and what they rest on."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "basis": "cold_start",
                    "basis_text": "Starting point: your topics and what's trending.",
                    "liked": 1,
                    "computed_at": "2026-03-14T09:30:00Z",
                    "items": [],
                }
            ]
        }
    )
    basis: Literal["personal", "cold_start", "empty"] = Field(
        description="personal: a model of the papers you liked; cold_start: your topics "
        "and trending; empty: nothing to go on yet."
    )
    basis_text: str
    liked: int = Field(description="Papers you liked (upvotes, saves, ratings, imports).")
    computed_at: dt.datetime | None
    items: list[RecommendationOut]


class SignalIn(BaseModel):
    """A rating: +1 (more like this) or -1 (not interested)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"paper_id": "2602.23229", "value": 1}]}
    )
    paper_id: str = Field(min_length=1, max_length=300)
    value: Literal[1, -1]
    source: Literal["for_you", "card"] = Field(
        default="for_you", description="for_you: a 👍/👎 on /for-you; card: a card's action."
    )


class SignalOut(BaseModel):
    paper_id: str
    source: Literal["for_you", "card"]
    value: Literal[1, -1]


class SignalRecord(BaseModel):
    paper_id: str
    source: str = Field(description="digest, card, for_you, seed, upvote or collection.")
    value: int
    created_at: str


class InterestRecord(BaseModel):
    kind: Literal["category", "author", "query"]
    value: str


class FeedTokenRecord(BaseModel):
    id: int
    created_at: str
    revoked_at: str | None


class StoredRanking(BaseModel):
    computed_at: str
    basis: str
    items: list[dict[str, Any]]


class ExportOut(BaseModel):
    """Everything stored about you for recommendations (feed secrets are never stored)."""

    reader: str
    signals: list[SignalRecord]
    interests: list[InterestRecord]
    recommendations: StoredRanking | None
    feed_tokens: list[FeedTokenRecord]
