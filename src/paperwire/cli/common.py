"""What every `paperwire` command shares: consoles, settings, progress, exit codes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from paperwire.catalog.model import Rejection
from paperwire.catalog.store import Catalog
from paperwire.config import Settings
from paperwire.ingest.pipeline import IngestReport

out = Console()
err = Console(stderr=True)

EXIT_REJECTED = 3
EXIT_UNREADABLE = 2


@dataclass
class State:
    settings: Settings

    def open_catalog(self) -> Catalog:
        return Catalog.open(self.settings.catalog_url())


def state_of(ctx: typer.Context) -> State:
    state = ctx.obj
    assert isinstance(state, State)
    return state


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


# Room a table needs beside its id column (borders, a title worth reading, a score).
TABLE_ROOM_BESIDE_IDS = 36


def ids_fit_a_table(ids: list[str]) -> bool:
    """Whether a table on `out` can show every id whole; else print one id a line.

    Ids are what one copies into the next command, and slugs made from titles run to 90
    characters or more: a table too narrow for them would cut them with an ellipsis.
    """
    return max(map(len, ids), default=0) + TABLE_ROOM_BESIDE_IDS <= out.width


COUNT_COLUMNS: tuple[ProgressColumn, ...] = (
    SpinnerColumn(),
    TextColumn("{task.description}"),
    BarColumn(),
    TextColumn("{task.completed:,.0f} records"),
    TimeElapsedColumn(),
)
BYTE_COLUMNS: tuple[ProgressColumn, ...] = (
    SpinnerColumn(),
    TextColumn("{task.description}"),
    BarColumn(),
    DownloadColumn(),
    TransferSpeedColumn(),
    TimeRemainingColumn(),
)


@runtime_checkable
class SizedSource(Protocol):
    """A source that knows its input size and how far it has read (for a real bar)."""

    def size(self) -> int: ...

    def position(self) -> int: ...


@contextmanager
def progress_display() -> Iterator[Progress]:
    """A Rich progress display on a terminal (stderr); silent when output is piped."""
    progress = Progress(*COUNT_COLUMNS, console=err, disable=not err.is_terminal)
    with progress:
        yield progress


def report_rejection(rejection: Rejection) -> None:
    err.print(
        f"[yellow]rejected[/] {escape(rejection.location)}: {escape(rejection.reason)}",
        markup=True,
        highlight=False,
        soft_wrap=True,
    )


def warn_skipped(skipped: list[str]) -> None:
    """Say which index updates were skipped, and why (another process holds the lock)."""
    for reason in skipped:
        err.print(f"[yellow]skipped[/] {escape(reason)}", highlight=False)


def finish_ingest(report: IngestReport, unreadable: list[tuple[str, str]], as_json: bool) -> None:
    for path, reason in unreadable:
        err.print(
            f"[red]cannot read[/] {escape(path)}: {escape(reason)}", highlight=False, soft_wrap=True
        )
    if as_json:
        payload = report.counts.as_dict() | {
            "unreadable": [{"path": p, "reason": r} for p, r in unreadable],
            "rejections": [{"location": r.location, "reason": r.reason} for r in report.rejections],
        }
        out.print_json(json.dumps(payload))
    else:
        out.print(report.summary(), highlight=False)
    if unreadable:
        raise typer.Exit(EXIT_UNREADABLE)
    if report.counts.rejected:
        raise typer.Exit(EXIT_REJECTED)
