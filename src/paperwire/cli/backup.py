"""`paperwire backup DEST | restore SRC`: thin shells over paperwire.db.backup."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from paperwire.cli.common import err, out, progress_display, state_of
from paperwire.db.backup import BackupError
from paperwire.db.backup import backup as backup_database
from paperwire.db.backup import restore as restore_database


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)


def backup(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
) -> None:
    """Back up the catalog database while the site runs (SQLite's online backup, or pg_dump)."""
    settings = state_of(ctx).settings
    try:
        # One step (SQLite's backup in one go, or pg_dump): a bar that says it is working.
        with progress_display() as progress:
            progress.add_task(f"backup to {dest}", total=None)
            report = backup_database(settings.catalog_url(), dest, pg_bin_dir=settings.pg_bin_dir)
    except BackupError as error:
        err.print(f"backup failed: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(
        f"backed up the {report.dialect} database to {report.path} ({report.bytes} bytes)",
        highlight=False,
        soft_wrap=True,
    )


def restore(
    ctx: typer.Context,
    src: Annotated[Path, typer.Argument(help="A file `paperwire backup` wrote.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace what a non-empty target database holds."),
    ] = False,
    reindex: Annotated[
        bool,
        typer.Option(
            "--reindex/--no-reindex",
            help="Rebuild the search indexes from the restored catalog afterwards.",
        ),
    ] = True,
) -> None:
    """Restore a backup into an empty database (stop the site first), then rebuild the indexes."""
    from paperwire.worker.tasks import refresh_indexes

    state = state_of(ctx)
    settings = state.settings
    try:
        with progress_display() as progress:
            progress.add_task(f"restore from {src}", total=None)
            restore_database(
                settings.catalog_url(), src, force=force, pg_bin_dir=settings.pg_bin_dir
            )
    except BackupError as error:
        err.print(f"restore failed: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(f"restored {src}", highlight=False, soft_wrap=True)
    if not reindex:
        out.print("the search indexes are stale: run `paperwire index rebuild`", highlight=False)
        return
    # Opening the catalog migrates a backup of an older version to this one's schema.
    catalog = state.open_catalog()
    try:
        report = refresh_indexes(catalog, settings, rebuild=True)
    finally:
        catalog.close()
    for reason in report.skipped:
        err.print(f"not rebuilt: {reason}", highlight=False, soft_wrap=True)
    out.print(
        f"search indexes rebuilt: {report.keyword_papers} papers by keyword, "
        f"{report.vector_papers} vectors",
        highlight=False,
    )
    if report.skipped:
        raise typer.Exit(1)
