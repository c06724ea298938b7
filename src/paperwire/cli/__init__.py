"""The `paperwire` command: a thin shell over the library (parse, call, render)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from paperwire.catalog.model import Paper, Rejection
from paperwire.catalog.store import Catalog
from paperwire.cli import digest as cli_digest
from paperwire.cli import search as cli_search
from paperwire.cli import users as cli_users
from paperwire.cli.common import (
    BYTE_COLUMNS,
    COUNT_COLUMNS,
    EXIT_UNREADABLE,
    SizedSource,
    State,
    err,
    finish_ingest,
    out,
    parse_date,
    progress_display,
    report_rejection,
    state_of,
)
from paperwire.config import load_settings
from paperwire.ingest.base import InputUnreadable, Source
from paperwire.ingest.formats import FORMAT_NAMES
from paperwire.ingest.pipeline import IngestReport, ProgressCallback

app = typer.Typer(help="paperwire: a self-hostable research-paper radar.", no_args_is_help=True)
papers_app = typer.Typer(help="Look at papers in the catalog.", no_args_is_help=True)
harvest_app = typer.Typer(help="Harvest papers from remote feeds.", no_args_is_help=True)
app.add_typer(papers_app, name="papers")
app.add_typer(harvest_app, name="harvest")


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


@app.command()
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
    from paperwire.ingest.files import ingest_paths

    if fmt is not None and fmt not in FORMAT_NAMES:
        raise typer.BadParameter(f"choose one of {', '.join(FORMAT_NAMES)}", param_hint="--format")
    listed_on = parse_date(date, "--date")
    catalog = state_of(ctx).open_catalog()
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

        report = ingest_paths(
            catalog,
            paths,
            fmt,
            listed_on=listed_on,
            on_source=on_source,
            on_progress=on_progress,
            on_reject=report_rejection,
        )
    cli_search.refresh_keyword_index(state_of(ctx), catalog)
    finish_ingest(report, report.unreadable, as_json)


HarvestJob = Callable[[ProgressCallback, Callable[[Rejection], None]], IngestReport]


def _run_harvest(
    ctx: typer.Context, catalog: Catalog, label: str, job: HarvestJob, as_json: bool
) -> None:
    """Run a harvest with a progress display; remote failures exit 1, bad data 2."""
    from paperwire.ingest.http import RemoteError

    with progress_display() as progress:
        task = progress.add_task(label, total=None)
        try:
            report = job(lambda n: progress.advance(task, n), report_rejection)
        except RemoteError as error:
            err.print(f"[red]harvest failed[/]: {error} (what was fetched is kept)")
            raise typer.Exit(1) from None
        except InputUnreadable as error:
            err.print(f"[red]harvest stopped[/]: {error} (what was fetched is kept)")
            raise typer.Exit(EXIT_UNREADABLE) from None
        finally:
            cli_search.refresh_keyword_index(state_of(ctx), catalog)
    finish_ingest(report, [], as_json)


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
    from paperwire.ingest.oai_harvest import harvest_arxiv

    state = state_of(ctx)
    start, end = parse_date(from_date, "--from"), parse_date(until_date, "--until")
    catalog = state.open_catalog()
    _run_harvest(
        ctx,
        catalog,
        "arXiv OAI-PMH",
        lambda on_progress, on_reject: harvest_arxiv(
            catalog,
            state.settings,
            set_spec=set_spec,
            from_date=start,
            until_date=end,
            on_progress=on_progress,
            on_reject=on_reject,
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
    from paperwire.ingest.hf_daily import harvest_hf_daily

    state = state_of(ctx)
    day = parse_date(date, "--date")
    catalog = state.open_catalog()
    _run_harvest(
        ctx,
        catalog,
        "HF daily papers",
        lambda on_progress, on_reject: harvest_hf_daily(
            catalog, state.settings, date=day, on_progress=on_progress, on_reject=on_reject
        ),
        as_json,
    )


def _authors_short(authors: list[str], limit: int = 3) -> str:
    shown = ", ".join(authors[:limit])
    return shown + (f" +{len(authors) - limit}" if len(authors) > limit else "")


@papers_app.command("list")
def papers_list(
    ctx: typer.Context,
    date: Annotated[str | None, typer.Option("--date", help="Listed-on day (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="How many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List papers, newest listed first (one day's with --date)."""
    catalog = state_of(ctx).open_catalog()
    papers = catalog.list_papers(listed_on=parse_date(date, "--date"), limit=limit)
    if as_json:
        from paperwire.ingest.export import paper_to_export

        out.print_json(json.dumps([paper_to_export(p) for p in papers]))
        return
    table = Table("id", "listed", "title", "authors", show_lines=False)
    for paper in papers:
        table.add_row(
            paper.id,
            paper.listed_on.isoformat() if paper.listed_on else "",
            paper.title,
            _authors_short(paper.authors),
        )
    out.print(table)


@papers_app.command("show")
def papers_show(
    ctx: typer.Context,
    paper_id: Annotated[str, typer.Argument(metavar="ID", help="arXiv id or slug.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one paper with every field."""
    from paperwire.catalog.ids import parse_arxiv_id

    catalog = state_of(ctx).open_catalog()
    parsed = parse_arxiv_id(paper_id)
    paper = catalog.get(parsed[0] if parsed else paper_id)
    if paper is None:
        err.print(f"no paper {paper_id!r} in the catalog")
        raise typer.Exit(1)
    if as_json:
        from paperwire.ingest.export import paper_to_export

        out.print_json(json.dumps(paper_to_export(paper)))
        return
    _print_paper(paper)


def _print_paper(paper: Paper) -> None:
    out.print(f"[bold]{_escape(paper.title)}[/bold]")
    out.print(f"{paper.id}  v{paper.version or '?'}  {' '.join(paper.categories)}", highlight=False)
    out.print(", ".join(paper.authors), highlight=False)
    dates = [
        f"submitted {paper.submitted}" if paper.submitted else "",
        f"updated {paper.updated}" if paper.updated else "",
        f"listed {paper.listed_on}" if paper.listed_on else "",
    ]
    out.print("  ".join(d for d in dates if d), highlight=False)
    out.print()
    out.print(paper.abstract, highlight=False, markup=False)
    out.print()
    for label, value in (
        ("DOI", paper.doi),
        ("Journal", paper.journal_ref),
        ("Comments", paper.comments),
        ("Licence", paper.license),
    ):
        if value:
            out.print(f"{label}: {value}", highlight=False, markup=False)
    for link in paper.links:
        out.print(f"{link.kind}: {link.url}", highlight=False, markup=False)
    sources = ", ".join(f"{ref.source} ({ref.source_record_id})" for ref in paper.sources)
    out.print(f"sources: {sources}", highlight=False, markup=False)


def _escape(value: str) -> str:
    from rich.markup import escape

    return escape(value)


@app.command()
def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Counts of papers, sources and listing dates."""
    figures = state_of(ctx).open_catalog().stats()
    if as_json:
        out.print_json(json.dumps(figures))
        return
    for key, value in figures.items():
        if isinstance(value, dict):
            for inner, count in value.items():
                out.print(f"{key}.{inner}: {count}", highlight=False)
        else:
            out.print(f"{key}: {value}", highlight=False)


@app.command()
def export(
    ctx: typer.Context,
    out_path: Annotated[Path, typer.Option("--out", help="JSONL file to write.")],
) -> None:
    """Write the whole catalog as JSONL; `ingest` of it into an empty store reproduces it."""
    from paperwire.ingest.export import export_catalog

    catalog = state_of(ctx).open_catalog()
    with progress_display() as progress:
        task = progress.add_task("export", total=catalog.count())
        written = export_catalog(catalog, out_path, on_progress=lambda n: progress.advance(task, n))
    out.print(f"{written} papers written to {out_path}", highlight=False)


@app.command()
def demo(ctx: typer.Context) -> None:
    """Load the bundled demo corpus (idempotent)."""
    from paperwire.demo import load_demo

    state = state_of(ctx)
    catalog = state.open_catalog()
    report = load_demo(catalog)
    cli_search.refresh_keyword_index(state, catalog)
    out.print(f"demo corpus: {report.summary()}", highlight=False)


@app.command()
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


cli_search.register(app)
cli_users.register(app)
cli_digest.register(app)
