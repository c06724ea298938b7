"""Addresses and preferences are checked where they come in."""

from __future__ import annotations

import pytest

from paperwire.digest.model import InvalidInput, Preferences, normalise_email


def test_addresses_are_trimmed_and_their_domain_lowercased() -> None:
    assert (
        normalise_email("  Ada.Lovelace+papers@Example.ORG ") == "Ada.Lovelace+papers@example.org"
    )


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "no-at-sign",
        "a@b",
        "a@@b.org",
        "a b@example.org",
        "a@example.org\r\nBcc: x@evil.org",
        "a@example.org, b@example.org",
        "<a@example.org>",
        "ünï@example.org",
        ".a@example.org",
        "a..b@example.org",
        "x" * 65 + "@example.org",
        "a@" + "b" * 250 + ".org",
    ],
)
def test_anything_else_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_email(raw)


def test_preferences_are_validated() -> None:
    built = Preferences.build(
        frequency="weekly",
        weekday=4,
        hour=7,
        timezone="Asia/Tokyo",
        paper_count=5,
        topics=["  medical image\tsegmentation ", "", "cat:cs.CL", "cat:cs.CL"],
    )
    assert built.topics == ("medical image segmentation", "cat:cs.CL")
    for bad in (
        {"frequency": "hourly"},
        {"hour": 24},
        {"weekday": 7},
        {"timezone": "Nowhere/Land"},
        {"paper_count": 0},
        {"paper_count": 31},
        {"topics": ["x" * 201]},
        {"topics": ["-"]},
        {"topics": [f"topic {n}" for n in range(11)]},
    ):
        with pytest.raises(InvalidInput):
            Preferences.build(**bad)  # type: ignore[arg-type]
