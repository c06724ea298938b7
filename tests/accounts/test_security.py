"""CSRF tokens, next= targets and role checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paperwire.accounts.model import User
from paperwire.accounts.security import (
    csrf_token,
    csrf_valid,
    has_role,
    require_role,
    require_verified,
    safe_next,
)
from paperwire.config import Settings
from paperwire.errors import Forbidden


def _user(role: str = "user", *, disabled: bool = False, verified: bool = True) -> User:
    return User(
        id=1,
        username="ada",
        email="ada@example.org",
        role=role,  # type: ignore[arg-type]
        display_name="",
        bio="",
        email_verified=verified,
        disabled=disabled,
        has_password=True,
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )


def test_csrf_tokens_are_bound_to_their_session(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    token = csrf_token(settings, "session-one")
    assert token != csrf_token(settings, "session-one")  # a fresh nonce every time
    assert csrf_valid(settings, "session-one", token)
    assert not csrf_valid(settings, "session-two", token)
    assert not csrf_valid(settings, None, token)
    assert not csrf_valid(settings, "session-one", None)
    assert not csrf_valid(settings, "session-one", token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not csrf_valid(settings, "session-one", "no-dot")
    other_key = Settings(data_dir=tmp_path, secret_key="another secret key value")
    assert not csrf_valid(other_key, "session-one", token)


@pytest.mark.parametrize(
    "target",
    ["/", "/papers/2403.01234", "/papers/hep-th/9901001?x=1#c3", "/search?q=a%20b", "/users/ada"],
)
def test_next_keeps_local_paths(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "papers/relative",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "/%252F%252Fevil.example",
        "/\t/evil.example",
        "/x\r\nSet-Cookie: a=b",
        "/x%0d%0aSet-Cookie:%20a=b",
        " /papers",
        "/" + "a" * 3000,
        "/%25252525252F%25252525252Fevil",
    ],
)
def test_next_refuses_everything_else(target: str | None) -> None:
    assert safe_next(target) == "/"
    assert safe_next(target, default="/account") == "/account"


def test_roles_rank_user_moderator_admin() -> None:
    assert has_role(_user("admin"), "moderator") and has_role(_user("moderator"), "user")
    assert not has_role(_user("user"), "moderator") and not has_role(None, "user")
    assert not has_role(_user("admin", disabled=True), "user")
    assert require_role(_user("moderator"), "moderator").username == "ada"
    with pytest.raises(Forbidden, match="log in"):
        require_role(None)
    with pytest.raises(Forbidden, match="admin role"):
        require_role(_user("moderator"), "admin")
    with pytest.raises(Forbidden, match="confirm your email"):
        require_verified(_user(verified=False))
    assert Forbidden.status == 403
