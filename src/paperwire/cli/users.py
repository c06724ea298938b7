"""`paperwire users ...`: accounts from the command line (thin shells over community/)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from paperwire.accounts import tokens
from paperwire.accounts import users as accounts
from paperwire.accounts.model import ROLES
from paperwire.cli.common import EXIT_UNREADABLE, err, out, state_of
from paperwire.errors import CommunityError

users_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
EXIT_BAD_INPUT = EXIT_UNREADABLE  # 2, like typer's own usage errors


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


def _fail(error: CommunityError) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(str(error))}", highlight=False)
    return typer.Exit(EXIT_BAD_INPUT)


@users_app.command("create")
def create(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="2-32 ASCII letters, digits, '-', '_'.")],
    email: Annotated[str, typer.Option("--email", help="The account's email address.")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
    ] = False,
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.")] = "user",
) -> None:
    """Create an account (email verified).

    The password comes from stdin with --password-stdin, else from a hidden prompt (typed
    twice) on a terminal; piped input without --password-stdin makes an account that needs
    a password reset.
    """
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = (
            typer.prompt(
                "Password (empty: none yet, set it by a password reset)",
                default="",
                show_default=False,
                hide_input=True,
                confirmation_prompt=True,
            )
            or None
        )
    catalog = state_of(ctx).open_catalog()
    try:
        user = accounts.create_user(
            catalog, username=username, email=email, password=password, role=role, verified=True
        )
    except CommunityError as error:
        raise _fail(error) from None
    note = "" if user.has_password else " (no password yet: use a password reset)"
    out.print(f"created {escape(user.username)} ({user.role}){note}", highlight=False)


@users_app.command("grant")
def grant(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help=f"One of {', '.join(ROLES)}.")],
) -> None:
    """Give an account a role (user, moderator or admin)."""
    try:
        user = accounts.grant_role(state_of(ctx).open_catalog(), username, role)
    except CommunityError as error:
        raise _fail(error) from None
    out.print(f"{escape(user.username)} is now {user.role}", highlight=False)


@users_app.command("disable")
def disable(ctx: typer.Context, username: Annotated[str, typer.Argument()]) -> None:
    """Disable an account: no logins; its sessions and API tokens stop working."""
    try:
        user = accounts.set_disabled(state_of(ctx).open_catalog(), username, True)
    except CommunityError as error:
        raise _fail(error) from None
    out.print(f"{escape(user.username)} is disabled", highlight=False)


@users_app.command("enable")
def enable(ctx: typer.Context, username: Annotated[str, typer.Argument()]) -> None:
    """Enable a disabled account again (old sessions and tokens stay revoked)."""
    try:
        user = accounts.set_disabled(state_of(ctx).open_catalog(), username, False)
    except CommunityError as error:
        raise _fail(error) from None
    out.print(f"{escape(user.username)} is enabled", highlight=False)


@users_app.command("verify")
def verify(ctx: typer.Context, username: Annotated[str, typer.Argument()]) -> None:
    """Count an account's email as verified (for instances without mail)."""
    catalog = state_of(ctx).open_catalog()
    try:
        user = accounts.mark_email_verified(catalog, accounts.require_user(catalog, username).id)
    except CommunityError as error:
        raise _fail(error) from None
    out.print(f"{escape(user.username)}'s email is verified", highlight=False)


@users_app.command("token")
def token(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
) -> None:
    """Make an API token for an account and print it (it is shown only this once)."""
    catalog = state_of(ctx).open_catalog()
    try:
        secret, _ = tokens.create_token(catalog, accounts.require_user(catalog, username), name)
    except CommunityError as error:
        raise _fail(error) from None
    print(secret)  # plain, so scripts can capture it


@users_app.command("list")
def list_command(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List accounts by username."""
    users = accounts.list_users(state_of(ctx).open_catalog(), limit=limit)
    if as_json:
        payload = [
            {
                "username": user.username,
                "email": user.email,
                "role": user.role,
                "email_verified": user.email_verified,
                "disabled": user.disabled,
                "created_at": user.created_at.isoformat(),
            }
            for user in users
        ]
        out.print_json(json.dumps(payload))
        return
    table = Table("username", "email", "role", "verified", "disabled")
    for user in users:
        table.add_row(
            escape(user.username),
            escape(user.email),
            user.role,
            "yes" if user.email_verified else "no",
            "yes" if user.disabled else "",
        )
    out.print(table)
