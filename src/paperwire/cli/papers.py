"""`paperwire papers list | show`, `stats`, `export`: reading the catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from paperwire.catalog.model import Paper
from paperwire.cli.common import (
    err,
    ids_fit_a_table,
    out,
    parse_date,
    progress_display,
    state_of,
)
from paperwire.community.engagement import Engagement

papers_app = typer.Typer(help="Look at papers in the catalog.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(papers_app, name="papers")
    app.command()(stats)
    app.command()(export)


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
    if not papers:
        out.print("no papers listed", highlight=False)
        return
    if not ids_fit_a_table([paper.id for paper in papers]):
        for paper in papers:
            day = paper.listed_on.isoformat() if paper.listed_on else ""
            out.print(f"{paper.id}  {day}", highlight=False, markup=False, soft_wrap=True)
            out.print(f"  {paper.title}", highlight=False, markup=False)
        return
    table = Table("id", "listed", "title", "authors", show_lines=False)
    # Ids are copied into the next command: never cut them (titles and authors fold).
    table.columns[0].no_wrap = True
    table.columns[0].min_width = max(len(paper.id) for paper in papers)
    table.columns[1].no_wrap = True
    for paper in papers:
        table.add_row(
            escape(paper.id),
            paper.listed_on.isoformat() if paper.listed_on else "",
            escape(paper.title),
            escape(_authors_short(paper.authors)),
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
    from paperwire.community.engagement import engagement_for

    _print_paper(paper, engagement_for(catalog, [paper])[paper.id])


def version_label(version: int | None) -> str:
    """'v3', or words when no source said which version it is (not a cryptic 'v?')."""
    return f"v{version}" if version else "version unknown"


def figures_line(engagement: Engagement) -> str:
    """'12 upvotes, 3 comments, 450 GitHub stars' (stars only when a source reported them)."""
    parts = [
        f"{engagement.upvotes} upvote{'' if engagement.upvotes == 1 else 's'}",
        f"{engagement.num_comments} comment{'' if engagement.num_comments == 1 else 's'}",
    ]
    if engagement.github_stars is not None:
        parts.append(f"{engagement.github_stars} GitHub stars")
    return ", ".join(parts)


def _print_paper(paper: Paper, engagement: Engagement) -> None:
    out.print(f"[bold]{escape(paper.title)}[/bold]")
    out.print(
        f"{paper.id}  {version_label(paper.version)}  {' '.join(paper.categories)}",
        highlight=False,
        markup=False,
        soft_wrap=True,  # an id is never broken across lines
    )
    out.print(", ".join(paper.authors), highlight=False, markup=False)
    out.print(figures_line(engagement), highlight=False)
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


def export(
    ctx: typer.Context,
    out_path: Annotated[Path, typer.Option("--out", help="JSONL file to write.")],
) -> None:
    """Write the whole catalog as JSONL; `ingest` of it into an empty store reproduces it."""
    from paperwire.ingest.export import ExportUnwritable, export_catalog

    catalog = state_of(ctx).open_catalog()
    try:
        with progress_display() as progress:
            task = progress.add_task("export", total=catalog.count())
            written = export_catalog(
                catalog, out_path, on_progress=lambda n: progress.advance(task, n)
            )
    except ExportUnwritable as error:
        err.print(f"[red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    out.print(f"{written} papers written to {out_path}", highlight=False)
