"""`paperwire harvest arxiv | hf-daily`: remote feeds into the catalog, then the keyword
index follows (also after a failure, for what was fetched)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from paperwire.catalog.model import Rejection
from paperwire.cli import common
from paperwire.ingest.base import InputUnreadable
from paperwire.ingest.pipeline import ProgressCallback
from paperwire.search.indexes import IndexReport
from paperwire.worker.tasks import (
    IndexCallback,
    IndexedIngest,
    harvest_arxiv_and_index,
    harvest_hf_daily_and_index,
)

harvest_app = typer.Typer(help="Harvest papers from remote feeds.", no_args_is_help=True)

HarvestJob = Callable[[ProgressCallback, Callable[[Rejection], None], IndexCallback], IndexedIngest]


def register(app: typer.Typer) -> None:
    app.add_typer(harvest_app, name="harvest")


def _run_harvest(label: str, job: HarvestJob, as_json: bool) -> None:
    """Run a harvest with a progress display; remote failures exit 1, bad data 2."""
    from paperwire.ingest.http import RemoteError

    indexed: list[IndexReport] = []
    with common.progress_display() as progress:
        task = progress.add_task(label, total=None)
        try:
            report = job(
                lambda n: progress.advance(task, n), common.report_rejection, indexed.append
            )
        except RemoteError as error:
            common.err.print(f"[red]harvest failed[/]: {error} (what was fetched is kept)")
            raise typer.Exit(1) from None
        except InputUnreadable as error:
            common.err.print(f"[red]harvest stopped[/]: {error} (what was fetched is kept)")
            raise typer.Exit(common.EXIT_UNREADABLE) from None
        finally:
            for index in indexed:
                common.warn_skipped(index.skipped)
    common.finish_ingest(report, [], as_json)


@harvest_app.command("arxiv")
def harvest_arxiv_command(
    ctx: typer.Context,
    set_spec: Annotated[str | None, typer.Option("--set", help="OAI set, e.g. cs.")] = None,
    from_date: Annotated[str | None, typer.Option("--from", help="From date YYYY-MM-DD.")] = None,
    until_date: Annotated[
        str | None, typer.Option("--until", help="Until date YYYY-MM-DD.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Harvest arXiv over OAI-PMH; resumes an interrupted harvest."""
    state = common.state_of(ctx)
    start, end = common.parse_date(from_date, "--from"), common.parse_date(until_date, "--until")
    catalog = state.open_catalog()
    _run_harvest(
        "arXiv OAI-PMH",
        lambda on_progress, on_reject, on_index: harvest_arxiv_and_index(
            catalog,
            state.settings,
            set_spec=set_spec,
            from_date=start,
            until_date=end,
            on_progress=on_progress,
            on_reject=on_reject,
            on_index=on_index,
        ),
        as_json,
    )


@harvest_app.command("hf-daily")
def harvest_hf_daily_command(
    ctx: typer.Context,
    date: Annotated[str | None, typer.Option("--date", help="Day to fetch (YYYY-MM-DD).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Fetch one day of Hugging Face daily papers."""
    state = common.state_of(ctx)
    day = common.parse_date(date, "--date")
    catalog = state.open_catalog()
    _run_harvest(
        "HF daily papers",
        lambda on_progress, on_reject, on_index: harvest_hf_daily_and_index(
            catalog,
            state.settings,
            date=day,
            on_progress=on_progress,
            on_reject=on_reject,
            on_index=on_index,
        ),
        as_json,
    )
