"""API tokens: shown once, stored hashed, listed, revoked."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from paperwire.accounts import tokens
from paperwire.accounts.schema import api_tokens
from paperwire.catalog.store import Catalog
from paperwire.clock import FakeClock
from paperwire.errors import NotFound
from tests.support.community import make_user


def test_create_use_list_revoke(catalog: Catalog, clock: FakeClock) -> None:
    ada = make_user(catalog, "ada")
    token, made = tokens.create_token(catalog, ada, "  nightly\nscript ")
    assert token.startswith("pw_") and len(token) >= 3 + 43
    assert (made.name, made.prefix) == ("nightly script", token[:8])
    with catalog.engine.connect() as connection:
        stored = connection.execute(sa.select(api_tokens.c.token_hash)).scalar_one()
    assert stored == tokens.token_hash(token) and token not in stored
    assert tokens.token_user(catalog, token) == ada
    [listed] = tokens.list_tokens(catalog, ada)
    assert listed.last_used_at == clock.now() and listed.prefix == made.prefix
    tokens.revoke_token(catalog, ada, made.id)
    assert tokens.token_user(catalog, token) is None
    assert tokens.list_tokens(catalog, ada) == []
    with pytest.raises(NotFound):
        tokens.revoke_token(catalog, ada, made.id)


def test_nobody_revokes_another_accounts_token(catalog: Catalog) -> None:
    ada, bob = make_user(catalog, "ada"), make_user(catalog, "bob")
    token, made = tokens.create_token(catalog, ada)
    with pytest.raises(NotFound):
        tokens.revoke_token(catalog, bob, made.id)
    assert tokens.token_user(catalog, token) == ada


def test_bearer_header_parsing() -> None:
    assert tokens.bearer_token("Bearer pw_abc") == "pw_abc"
    assert tokens.bearer_token("bearer   pw_abc ") == "pw_abc"
    assert tokens.bearer_token("Basic pw_abc") is None
    assert tokens.bearer_token("Bearer abc") is None
    assert tokens.bearer_token(None) is None


def test_unknown_and_malformed_tokens(catalog: Catalog) -> None:
    make_user(catalog)
    assert tokens.token_user(catalog, "pw_" + "x" * 43) is None
    assert tokens.token_user(catalog, "nope") is None
    assert tokens.token_user(catalog, None) is None
