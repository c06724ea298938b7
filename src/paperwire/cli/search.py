"""`paperwire embed | index | search | similar`: thin shells over paperwire.search."""

from __future__ import annotations

import json
from typing import Annotated, Any, cast

import typer
from rich.markup import escape
from rich.table import Table

from paperwire.cli.common import err, ids_fit_a_table, out, progress_display, state_of, warn_skipped
from paperwire.community.trending import TrendingParams, trending_scorer
from paperwire.search.filters import SearchFilters
from paperwire.search.indexes import index_root, open_searcher
from paperwire.search.query import QueryError
from paperwire.search.searcher import MODES, SORTS, Mode, SearchResult, Sort
from paperwire.worker.tasks import IndexedEmbed, refresh_indexes

index_app = typer.Typer(help="Build and update the search indexes.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(embed)
    app.command()(search)
    app.command()(similar)
    app.add_typer(index_app, name="index")


def embed(
    ctx: typer.Context,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N papers.")] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=5000, help="Papers claimed at a time.")
    ] = 64,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait",
            help="At the end, wait for other runs' batches (and take over a dead run's).",
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Embed new and changed papers (resumable), then update the vector index.

    Runs on several machines share the work: each claims its batches in the database.
    """
    import datetime as dt

    from paperwire.search.embed_job import claim_table, count_pending, embed_pending
    from paperwire.search.embedder import MiniLmEmbedder, ProviderUnavailable

    state = state_of(ctx)
    catalog = state.open_catalog()
    try:
        embedder = MiniLmEmbedder(provider=state.settings.embed_provider)
    except ProviderUnavailable as error:
        err.print(escape(str(error)), highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    claims = claim_table(catalog, dt.timedelta(minutes=state.settings.embed_claim_minutes))
    pending = count_pending(catalog, embedder.model_id)
    with progress_display() as progress:
        task = progress.add_task(
            f"embed ({embedder.provider})", total=min(pending, limit) if limit else pending
        )
        embedding = embed_pending(
            catalog,
            embedder,
            batch_size=batch_size,
            limit=limit,
            claims=claims,
            wait_for_others=wait,
            on_progress=lambda n: progress.advance(task, n),
        )
    report = IndexedEmbed(embedding, refresh_indexes(catalog, state.settings))
    warn_skipped(report.index.skipped)
    if as_json:
        out.print_json(json.dumps(report.as_dict() | {"provider": embedder.provider}))
    else:
        out.print(
            f"{report.embedding.embedded} embedded, {report.embedding.refreshed} unchanged text, "
            f"{report.index.vector_papers} vectors indexed",
            highlight=False,
        )


@index_app.command("rebuild")
def index_rebuild(ctx: typer.Context) -> None:
    """Rebuild both indexes from the catalog and the stored vectors (swapped in whole)."""
    state = state_of(ctx)
    report = refresh_indexes(state.open_catalog(), state.settings, rebuild=True)
    warn_skipped(report.skipped)
    out.print(
        f"keyword index: {report.keyword_papers} papers; vector index: {report.vector_papers}",
        highlight=False,
    )
    if report.skipped:
        raise typer.Exit(1)


@index_app.command("update")
def index_update(ctx: typer.Context) -> None:
    """Apply catalog changes since the last update to both indexes."""
    state = state_of(ctx)
    report = refresh_indexes(state.open_catalog(), state.settings)
    warn_skipped(report.skipped)
    out.print(
        f"keyword index: {report.keyword_papers} changes; vector index: {report.vector_papers}",
        highlight=False,
    )


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help='Words, "phrases", prefix*, author:, cat:, id:.')],
    mode: Annotated[str, typer.Option("--mode", help=f"One of {', '.join(MODES)}.")] = "hybrid",
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="How many.")] = 10,
    category: Annotated[
        list[str] | None, typer.Option("--category", help="Only these categories (cs.CV, cs).")
    ] = None,
    submitted: Annotated[
        str | None, typer.Option("--submitted", help="Date range, e.g. 2024-01..2024-03.")
    ] = None,
    listed: Annotated[str | None, typer.Option("--listed", help="Listed-on range.")] = None,
    has_code: Annotated[
        bool | None, typer.Option("--has-code/--no-code", help="Only with / without code.")
    ] = None,
    min_upvotes: Annotated[int | None, typer.Option("--min-upvotes", min=0)] = None,
    sort: Annotated[str, typer.Option("--sort", help=f"One of {', '.join(SORTS)}.")] = "relevance",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search the catalog by keyword, by meaning, or both (hybrid)."""
    state = state_of(ctx)
    try:
        filters = SearchFilters.parse(
            submitted=submitted,
            listed_on=listed,
            categories=category,
            has_code=has_code,
            min_upvotes=min_upvotes,
        )
        catalog = state.open_catalog()
        scorer = trending_scorer(catalog, TrendingParams.from_settings(state.settings))
        searcher = open_searcher(
            catalog, index_root(state.settings.data_dir), trending_scorer=scorer
        )
        results = searcher.search(
            query,
            mode=cast(Mode, mode),
            limit=limit,
            filters=filters,
            sort=cast(Sort, sort),
        )
    except QueryError as error:
        raise typer.BadParameter(str(error)) from None
    except FileNotFoundError as error:
        err.print(escape(str(error)))
        raise typer.Exit(1) from None
    _print_results(results, as_json)


def similar(
    ctx: typer.Context,
    paper_id: Annotated[str, typer.Argument(metavar="ID", help="arXiv id or slug.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="How many.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Papers nearest in meaning to a paper (needs `paperwire embed` first)."""
    from paperwire.catalog.ids import parse_arxiv_id

    state = state_of(ctx)
    parsed = parse_arxiv_id(paper_id)
    try:
        searcher = open_searcher(state.open_catalog(), index_root(state.settings.data_dir))
        results = searcher.similar(parsed[0] if parsed else paper_id, limit=limit)
    except KeyError:
        err.print(f"no paper {escape(repr(paper_id))} in the catalog")
        raise typer.Exit(1) from None
    except FileNotFoundError as error:
        err.print(escape(str(error)))
        raise typer.Exit(1) from None
    if not searcher.semantic_available:
        err.print("no vectors yet: run `paperwire embed`")
        raise typer.Exit(1)
    _print_results(results, as_json)


def _print_results(results: list[SearchResult], as_json: bool) -> None:
    if as_json:
        payload: list[dict[str, Any]] = [
            {"id": r.id, "title": r.title, "score": r.score, "highlights": r.highlights}
            for r in results
        ]
        out.print_json(json.dumps(payload))
        return
    if not results:
        out.print("no papers match", highlight=False)
        return
    if not ids_fit_a_table([result.id for result in results]):
        for result in results:
            line = f"{result.id}  {result.score:.4f}"
            out.print(line, highlight=False, markup=False, soft_wrap=True)
            out.print(f"  {result.title}", highlight=False, markup=False)
        return
    table = Table("id", "title", "score")
    # An id is what one copies into the next command: never cut it (the title folds instead).
    table.columns[0].no_wrap = True
    table.columns[0].overflow = "fold"
    table.columns[0].min_width = max(len(result.id) for result in results)
    table.columns[2].no_wrap = True
    for result in results:
        table.add_row(escape(result.id), escape(result.title), f"{result.score:.4f}")
    out.print(table)
