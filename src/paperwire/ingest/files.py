"""Ingesting files: detect each file's format, resume an interrupted file, report per file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from paperwire.catalog.store import Catalog
from paperwire.clock import Clock
from paperwire.ingest.base import InputUnreadable, Source
from paperwire.ingest.formats import open_source
from paperwire.ingest.pipeline import (
    DEFAULT_BATCH_SIZE,
    IngestReport,
    ProgressCallback,
    RejectCallback,
    run_source,
)

SourceCallback = Callable[[Path, Source], None]


@dataclass
class FilesReport(IngestReport):
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def ingest_paths(
    catalog: Catalog,
    paths: Sequence[Path],
    fmt: str | None = None,
    *,
    listed_on: dt.date | None = None,
    clock: Clock | None = None,
    batch_size: int | None = None,
    on_source: SourceCallback | None = None,
    on_progress: ProgressCallback | None = None,
    on_reject: RejectCallback | None = None,
) -> FilesReport:
    """Ingest every path; an unreadable input is reported and skipped, nothing from it kept.

    A file interrupted earlier (its checkpoint is in the catalog) resumes where it stopped.
    """
    report = FilesReport()
    for path in paths:
        try:
            source = open_source(path, fmt, listed_on=listed_on, clock=clock)
            resume = catalog.checkpoint(source.checkpoint_key) if source.checkpoint_key else None
            if resume is not None:
                source = open_source(
                    path, fmt, listed_on=listed_on, clock=clock, resume_from=resume
                )
            if on_source is not None:
                on_source(path, source)
            report.merge(
                run_source(
                    catalog,
                    source,
                    batch_size=batch_size or DEFAULT_BATCH_SIZE,
                    on_progress=on_progress,
                    on_reject=on_reject,
                )
            )
        except InputUnreadable as error:
            report.unreadable.append((str(path), str(error)))
    return report
