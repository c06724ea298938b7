"""Accounts: names, addresses, roles, disabling, profile updates (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from paperwire.accounts import sessions, tokens
from paperwire.accounts import users as accounts
from paperwire.accounts.passwords import WeakPassword
from paperwire.catalog.store import Catalog
from paperwire.errors import CommunityError, Conflict, NotFound
from tests.support.community import PASSWORD, make_user


def test_create_and_find_case_insensitively(catalog: Catalog) -> None:
    user = accounts.create_user(
        catalog, username="Ada_L", email=" Ada@Example.ORG ", password=PASSWORD
    )
    assert (user.username, user.email, user.role) == ("Ada_L", "Ada@example.org", "user")
    assert user.has_password and not user.email_verified and not user.disabled
    assert accounts.find_user(catalog, "ada_l") == user
    assert accounts.find_by_email(catalog, "ADA@example.org") == user
    assert accounts.get_user(catalog, user.id) == user
    assert accounts.get_user(catalog, user.id + 100) is None


def test_names_and_addresses_are_unique_whatever_their_case(catalog: Catalog) -> None:
    make_user(catalog, "ada")
    with pytest.raises(Conflict, match="username 'ADA' is taken"):
        accounts.create_user(catalog, username="ADA", email="other@example.org", password=PASSWORD)
    with pytest.raises(accounts.EmailTaken):
        accounts.create_user(catalog, username="ada2", email="ADA@EXAMPLE.org", password=PASSWORD)
    assert [user.username for user in accounts.list_users(catalog)] == ["ada"]


@pytest.mark.parametrize(
    "name", ["a", "x" * 33, "with space", "dot.name", "émile", "slash/name", "new", "Settings"]
)
def test_username_rules(name: str) -> None:
    with pytest.raises(CommunityError):
        accounts.validate_username(name)


@pytest.mark.parametrize("name", ["ab", "x" * 32, "Ada-Lovelace_1815", "0xdeadbeef"])
def test_good_usernames(name: str) -> None:
    assert accounts.validate_username(name) == name


@pytest.mark.parametrize(
    "address",
    [
        "plain",
        "a@b",
        "two@@example.org",
        "spaces in@example.org",
        "x@example.org\r\nBcc: victim@example.org",
        '"quoted"@example.org',
        "a,b@example.org",
        "<a@example.org>",
        "x" * 250 + "@example.org",
        "a@-example.org",
    ],
)
def test_bad_addresses(address: str) -> None:
    with pytest.raises(CommunityError, match="email address"):
        accounts.normalise_email(address)


def test_weak_password_and_passwordless_accounts(catalog: Catalog) -> None:
    with pytest.raises(WeakPassword):
        accounts.create_user(catalog, username="ada", email="ada@example.org", password="password")
    user = accounts.create_user(catalog, username="ada", email="ada@example.org", password=None)
    assert not user.has_password
    assert accounts.password_hash_of(catalog, user.id) is None


def test_roles(catalog: Catalog) -> None:
    make_user(catalog, "ada")
    assert accounts.grant_role(catalog, "ADA", "moderator").is_moderator
    assert accounts.grant_role(catalog, "ada", "admin").is_admin
    with pytest.raises(CommunityError, match="role is one of"):
        accounts.grant_role(catalog, "ada", "superuser")
    with pytest.raises(NotFound):
        accounts.grant_role(catalog, "nobody", "admin")
    with pytest.raises(CommunityError):
        accounts.create_user(
            catalog, username="x1", email="x@example.org", password=None, role="god"
        )


def test_disabling_revokes_sessions_and_tokens_for_good(catalog: Catalog) -> None:
    user = make_user(catalog, "ada")
    session_id = sessions.create_session(catalog, user)
    token, _ = tokens.create_token(catalog, user, "script")
    assert sessions.session_user(catalog, session_id) is not None
    assert tokens.token_user(catalog, token) is not None
    disabled = accounts.set_disabled(catalog, "ada")
    assert disabled.disabled
    assert sessions.session_user(catalog, session_id) is None
    assert tokens.token_user(catalog, token) is None
    enabled = accounts.set_disabled(catalog, "ada", False)
    assert not enabled.disabled
    assert sessions.session_user(catalog, session_id) is None
    assert tokens.token_user(catalog, token) is None


def test_profile_update_ignores_everything_but_profile_fields(catalog: Catalog) -> None:
    user = make_user(catalog, "ada")
    updated = accounts.update_profile(
        catalog,
        user,
        {
            "display_name": "  Ada\nLovelace\t ",
            "bio": "Analyst.\r\nPoet of science.\x07",
            "role": "admin",
            "is_admin": True,
            "email": "evil@example.org",
            "username": "root",
            "email_verified_at": "2026-01-01",
            "password_hash": "x",
        },
    )
    assert (updated.display_name, updated.bio) == ("Ada Lovelace", "Analyst.\nPoet of science.")
    assert (updated.role, updated.email, updated.username) == ("user", user.email, "ada")
    assert accounts.password_hash_of(catalog, user.id) != "x"
    assert accounts.update_profile(catalog, updated, {"is_admin": True}) == updated
    with pytest.raises(CommunityError, match="at most 100"):
        accounts.update_profile(catalog, user, {"display_name": "x" * 101})
    with pytest.raises(CommunityError, match="must be text"):
        accounts.update_profile(catalog, user, {"bio": ["list"]})
    assert "email" not in updated.public() and updated.public()["display_name"] == "Ada Lovelace"


def test_api_tokens_and_reset_links_do_not_survive_a_new_password(catalog: Catalog) -> None:
    user = make_user(catalog, "ada")
    session_id = sessions.create_session(catalog, user)
    token, _ = tokens.create_token(catalog, user)
    reset_links = [sessions.issue_mail_token(catalog, user, "reset") for _ in range(2)]
    verify_link = sessions.issue_mail_token(catalog, user, "verify")
    accounts.set_password(catalog, user.id, "another long phrase")
    assert sessions.session_user(catalog, session_id) is None
    assert tokens.token_user(catalog, token) is None
    assert [sessions.peek_mail_token(catalog, "reset", link) for link in reset_links] == [
        None,
        None,
    ]
    # Confirming the address is not a credential: that link still works.
    assert sessions.peek_mail_token(catalog, "verify", verify_link) == user
