"""`paperwire demo`: the bundled demo corpus into the catalog and the keyword index."""

from __future__ import annotations

import typer

from paperwire.cli.common import out, state_of, warn_skipped


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(ctx: typer.Context) -> None:
    """Load the bundled demo corpus (idempotent)."""
    from paperwire.demo import load_demo

    state = state_of(ctx)
    report = load_demo(state.open_catalog(), state.settings)
    warn_skipped(report.index.skipped)
    out.print(f"demo corpus: {report.summary()}", highlight=False)
