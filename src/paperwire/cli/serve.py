"""`paperwire serve`: the web pages and both JSON APIs under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from paperwire.cli.common import state_of


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port.")] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Web processes (one per core is a good start).")
    ] = 1,
) -> None:
    """Serve the web pages and both JSON APIs."""
    import os

    import uvicorn

    settings = state_of(ctx).settings
    # Worker processes build their app from the environment: hand them the CLI's overrides.
    os.environ["PAPERWIRE_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        os.environ["PAPERWIRE_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "paperwire.web.app:app_from_environment",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
