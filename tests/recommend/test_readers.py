"""Reader keys round-trip; a subscriber with an account is that user."""

from __future__ import annotations

import pytest

from paperwire.recommend.readers import Reader, RecommendInputError, for_subscriber


def test_keys_round_trip() -> None:
    for reader in (Reader("user", 12), Reader("subscriber", 7)):
        assert Reader.parse(reader.key) == reader
    assert Reader("user", 12).key == "user:12"


@pytest.mark.parametrize("key", ["", "user", "user:", "admin:1", "user:x", "user:١"])
def test_bad_keys_are_refused(key: str) -> None:
    with pytest.raises(RecommendInputError):
        Reader.parse(key)


def test_a_subscriber_with_an_account_is_that_user() -> None:
    assert for_subscriber(7, 12) == Reader("user", 12)
    assert for_subscriber(7, None) == Reader("subscriber", 7)
