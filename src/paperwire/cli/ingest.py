"""`paperwire ingest`: files into the catalog, then the keyword index follows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.markup import escape

from paperwire.cli.common import (
    BYTE_COLUMNS,
    COUNT_COLUMNS,
    SizedSource,
    err,
    finish_ingest,
    parse_date,
    progress_display,
    report_rejection,
    state_of,
    warn_skipped,
)
from paperwire.ingest.base import Source
from paperwire.ingest.formats import FORMAT_NAMES
from paperwire.worker.tasks import ingest_and_index

EXIT_STORAGE = 1  # the catalog could not be written (docs/cli.md)


def register(app: typer.Typer) -> None:
    app.command()(ingest)


def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files to ingest (format auto-detected).")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"Input format: {', '.join(FORMAT_NAMES)}."),
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Listed-on date for hf-listing (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Ingest files; exit 0 if all were stored, 3 if records were rejected, 2 if unreadable."""
    if fmt is not None and fmt not in FORMAT_NAMES:
        raise typer.BadParameter(f"choose one of {', '.join(FORMAT_NAMES)}", param_hint="--format")
    listed_on = parse_date(date, "--date")
    state = state_of(ctx)
    catalog = state.open_catalog()
    with progress_display() as progress:
        task = progress.add_task("ingest", total=None)
        current: list[Source] = []

        def on_source(path: Path, source: Source) -> None:
            current[:] = [source]
            sized = isinstance(source, SizedSource)
            progress.reset(
                task,
                description=f"{path.name} ({source.format_name})",
                total=source.size() if isinstance(source, SizedSource) else None,
            )
            progress.columns = BYTE_COLUMNS if sized else COUNT_COLUMNS

        def on_progress(count: int) -> None:
            source = current[0] if current else None
            if isinstance(source, SizedSource):
                progress.update(task, completed=source.position())
            else:
                progress.advance(task, count)

        try:
            report = ingest_and_index(
                catalog,
                state.settings,
                paths,
                fmt,
                listed_on=listed_on,
                on_source=on_source,
                on_progress=on_progress,
                on_reject=report_rejection,
            )
        except sa.exc.OperationalError as error:
            # A full disk (or a database that went away) is the operator's to fix, not a
            # bug: say what happened; each batch commits on its own, so the stored ones stay.
            _cannot_write(error)
    warn_skipped(report.index.skipped)
    finish_ingest(report, report.unreadable, as_json)


def _cannot_write(error: sa.exc.OperationalError) -> None:
    reason = str(error.orig).strip() or type(error.orig).__name__
    err.print(
        f"[red]cannot write the catalog[/]: {escape(reason)}. Every batch stored before "
        "this is kept; free some space (or bring the database back) and run the same "
        "command again: records already stored come out unchanged.",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_STORAGE)
