"""`paperwire vectors import FILE`: precomputed vectors into the catalog, then the index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from paperwire.cli.common import err, out, progress_display, state_of, warn_skipped
from paperwire.worker.tasks import refresh_indexes

vectors_app = typer.Typer(help="Stored paper vectors.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(vectors_app, name="vectors")


@vectors_app.command("import")
def import_file(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="A .parquet, .npz or .npy file of vectors.")
    ],
    model: Annotated[
        str | None,
        typer.Option("--model", help="The model that made them, where the file cannot say."),
    ] = None,
    ids: Annotated[
        Path | None, typer.Option("--ids", help="For .npy: the ids file (default NAME.ids.txt).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import vectors keyed by arXiv id (model and dimensions checked), then update the
    vector index. Running it again changes nothing."""
    from paperwire.search.embedder import DIMENSIONS, MiniLmEmbedder
    from paperwire.search.vectors_import import VectorImportError, import_vectors, open_vector_file

    state = state_of(ctx)
    catalog = state.open_catalog()
    try:
        rows = open_vector_file(path, ids).rows
        with progress_display() as progress:
            checking = progress.add_task("check", total=rows)
            storing = progress.add_task("import", total=rows)
            report = import_vectors(
                catalog,
                path,
                model_id=MiniLmEmbedder.model_id,
                dimensions=DIMENSIONS,
                model=model,
                ids_path=ids,
                on_checked=lambda n: progress.advance(checking, n),
                on_progress=lambda n: progress.advance(storing, n),
            )
    except VectorImportError as error:
        err.print(f"[red]not imported[/]: {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    index = refresh_indexes(catalog, state.settings)
    warn_skipped(index.skipped)
    if report.unknown:
        listed = ", ".join(report.unknown_ids[:5])
        err.print(
            f"[yellow]{report.unknown} ids not in the catalog[/], skipped: {escape(listed)}"
            + (" ..." if report.unknown > 5 else "")
            + (" (--json lists them)" if not as_json else ""),
            highlight=False,
            soft_wrap=True,
        )
    if as_json:
        out.print_json(json.dumps(report.as_dict() | {"index": index.as_dict()}))
    else:
        out.print(
            f"{report.imported} imported, {report.unchanged} unchanged, "
            f"{report.unknown} unknown ids; {index.vector_papers} vectors indexed",
            highlight=False,
        )
