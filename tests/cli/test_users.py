"""`paperwire users ...` end to end on a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from paperwire.accounts import auth, tokens
from paperwire.accounts import users as accounts
from paperwire.catalog.store import Catalog
from paperwire.cli import app
from paperwire.config import Settings

runner = CliRunner()


def invoke(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(params=["sqlite", "postgresql"])
def base(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    if request.param == "sqlite":
        return ["--data-dir", str(tmp_path)]
    return ["--data-dir", str(tmp_path), "--db", str(request.getfixturevalue("postgres_url"))]


def _catalog(base: list[str]) -> Catalog:
    url = base[3] if "--db" in base else f"sqlite:///{Path(base[1]) / 'catalog.db'}"
    return Catalog.open(url)


def test_create_with_a_password_then_log_in(base: list[str], tmp_path: Path) -> None:
    code, stdout, _ = invoke(
        [
            *base,
            "users",
            "create",
            "Ada",
            "--email",
            "Ada@Example.org",
            "--password-stdin",
            "--role",
            "admin",
        ],
        stdin="correct horse battery staple\n",
    )
    assert code == 0 and "created Ada (admin)" in stdout
    catalog = _catalog(base)
    try:
        login = auth.log_in(
            catalog,
            Settings(data_dir=tmp_path),
            login="ada",
            password="correct horse battery staple",
        )
        assert login.user.is_admin and login.user.email_verified
    finally:
        catalog.close()


def test_create_without_a_password_needs_a_reset(base: list[str]) -> None:
    code, stdout, _ = invoke([*base, "users", "create", "bob", "--email", "bob@example.org"])
    assert code == 0 and "no password yet" in stdout
    catalog = _catalog(base)
    try:
        user = accounts.find_user(catalog, "bob")
        assert user is not None and not user.has_password and user.role == "user"
    finally:
        catalog.close()


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["create", "x", "--email", "x@example.org"], None, "2 to 32 characters"),
        (["create", "ada2", "--email", "not-an-address"], None, "email address"),
        (
            ["create", "ada2", "--email", "a2@example.org", "--password-stdin"],
            "password\n",
            "most common",
        ),
        (["create", "ada2", "--email", "a2@example.org", "--role", "root"], None, "role is one of"),
        (["create", "ada", "--email", "new@example.org"], None, "taken"),
        (["create", "other", "--email", "ADA@example.org"], None, "email exists"),
        (["grant", "nobody", "admin"], None, "no user 'nobody'"),
        (["grant", "ada", "boss"], None, "role is one of"),
        (["disable", "nobody"], None, "no user"),
        (["token", "nobody"], None, "no user"),
    ],
)
def test_bad_input_exits_2_with_a_reason(
    tmp_path: Path, args: list[str], stdin: str | None, message: str
) -> None:
    base = ["--data-dir", str(tmp_path)]
    assert invoke([*base, "users", "create", "ada", "--email", "ada@example.org"])[0] == 0
    code, _, stderr = invoke([*base, "users", *args], stdin=stdin)
    assert code == 2 and message in stderr, stderr


def test_grant_disable_enable_token_and_list(base: list[str]) -> None:
    invoke([*base, "users", "create", "ada", "--email", "ada@example.org"])
    code, stdout, _ = invoke([*base, "users", "grant", "ADA", "moderator"])
    assert code == 0 and "ada is now moderator" in stdout
    code, stdout, _ = invoke([*base, "users", "token", "ada", "--name", "backup"])
    token = stdout.strip()
    assert code == 0 and token.startswith("pw_") and len(token.splitlines()) == 1
    catalog = _catalog(base)
    try:
        user = tokens.token_user(catalog, token)
        assert user is not None and user.username == "ada"
        assert [t.name for t in tokens.list_tokens(catalog, user)] == ["backup"]
        assert invoke([*base, "users", "disable", "ada"])[0] == 0
        assert tokens.token_user(catalog, token) is None
        code, stdout, _ = invoke([*base, "users", "list", "--json"])
        [listed] = json.loads(stdout)
        assert (listed["username"], listed["role"], listed["disabled"]) == (
            "ada",
            "moderator",
            True,
        )
        assert invoke([*base, "users", "enable", "ada"])[0] == 0
        assert tokens.token_user(catalog, token) is None  # revoked for good
        assert invoke([*base, "users", "verify", "ada"])[0] == 0
        code, stdout, _ = invoke([*base, "users", "list"])
        assert code == 0 and "ada@example.org" in stdout and "moderator" in stdout
    finally:
        catalog.close()


def _wait_for_hidden_input(leader: int) -> None:
    """Wait until the prompt has turned echo off (getpass does it after printing)."""
    import termios
    import time

    deadline = time.monotonic() + 10
    while termios.tcgetattr(leader)[3] & termios.ECHO and time.monotonic() < deadline:
        time.sleep(0.01)


def _run_on_a_terminal(args: list[str], answers: list[str]) -> tuple[int, str]:
    """Run the installed `paperwire` with a pseudo-terminal as stdin and stdout.

    Each answer is typed once the output so far ends with a prompt (": ").
    """
    import os
    import pty
    import select
    import subprocess
    import sys

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "paperwire"), *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
    )
    os.close(follower)
    seen = b""
    answered = 0
    pending = list(answers)
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 30)
            if not ready:
                raise AssertionError(f"no output for 30 s; so far: {seen!r}")
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            # A new prompt since the last answer (not the echoed newline after it).
            if pending and seen[answered:].rstrip().endswith(b":"):
                _wait_for_hidden_input(leader)
                os.write(leader, pending.pop(0).encode() + b"\n")
                answered = len(seen)
    finally:
        os.close(leader)
    return process.wait(timeout=30), seen.decode(errors="replace")


def test_create_on_a_terminal_prompts_for_the_password_twice(tmp_path: Path) -> None:
    secret = "correct horse battery staple"
    code, shown = _run_on_a_terminal(
        ["--data-dir", str(tmp_path), "users", "create", "cleo", "--email", "cleo@example.org"],
        [secret, secret],
    )
    assert code == 0, shown
    assert "Password" in shown and "Repeat for confirmation" in shown
    assert secret not in shown  # hidden input: nothing echoed
    assert "created cleo (user)" in shown and "no password yet" not in shown
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'catalog.db'}")
    try:
        login = auth.log_in(catalog, Settings(data_dir=tmp_path), login="cleo", password=secret)
        assert login.user.username == "cleo"
    finally:
        catalog.close()
