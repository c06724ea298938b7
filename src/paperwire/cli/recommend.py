"""`paperwire recommend refresh`: recompute every reader's "For you" ranking now (what the
worker's refresh-recommendations job does each hour), with a progress bar."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from paperwire.cli.common import out, progress_display, state_of
from paperwire.worker.tasks import refresh_recommendations

recommend_app = typer.Typer(help='Personal recommendations ("For you").', no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(recommend_app, name="recommend")


@recommend_app.command("refresh")
def refresh(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Rank new papers for every reader with signals or followed topics (digest
    subscribers too), leaving out what their digests already sent."""
    state = state_of(ctx)
    catalog = state.open_catalog()
    with progress_display() as progress:
        task = progress.add_task("rank readers", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = refresh_recommendations(catalog, state.settings, advance)
    if as_json:
        out.print_json(json.dumps(report.as_dict()))
        return
    out.print(
        f"{report.readers} readers ranked ({report.personal} personal, "
        f"{report.cold_start} from their topics, {report.empty} with nothing yet) "
        f"over {report.candidates} candidate papers in {report.seconds:.1f} s",
        highlight=False,
    )
