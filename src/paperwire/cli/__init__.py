"""The `paperwire` command: the app and its global options. Each command group lives in a
module of its own (a thin shell over the library: parse, call, render) and registers itself
here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from paperwire.cli import backup as cli_backup
from paperwire.cli import demo as cli_demo
from paperwire.cli import digest as cli_digest
from paperwire.cli import harvest as cli_harvest
from paperwire.cli import ingest as cli_ingest
from paperwire.cli import papers as cli_papers
from paperwire.cli import recommend as cli_recommend
from paperwire.cli import search as cli_search
from paperwire.cli import serve as cli_serve
from paperwire.cli import users as cli_users
from paperwire.cli import vectors as cli_vectors
from paperwire.cli import worker as cli_worker
from paperwire.cli.common import State
from paperwire.config import load_settings

app = typer.Typer(help="paperwire: a self-hostable research-paper radar.", no_args_is_help=True)


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None, typer.Option("--db", help="Catalog database URL (PAPERWIRE_DATABASE_URL).")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data directory (PAPERWIRE_DATA_DIR).")
    ] = None,
) -> None:
    settings = load_settings()
    overrides: dict[str, Any] = {}
    if db:
        overrides["database_url"] = db
    if data_dir:
        overrides["data_dir"] = data_dir
    ctx.obj = State(settings.model_copy(update=overrides))


# `paperwire --help` lists commands, then groups, each in the order registered here.
for group in (
    cli_ingest,
    cli_papers,
    cli_harvest,
    cli_demo,
    cli_serve,
    cli_search,
    cli_vectors,
    cli_users,
    cli_digest,
    cli_recommend,
    cli_worker,
    cli_backup,
):
    group.register(app)
