"""`paperwire demo`: the bundled demo corpus into the catalog and the keyword index."""

from __future__ import annotations

import typer

from paperwire.cli.common import out, state_of, warn_skipped


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(ctx: typer.Context) -> None:
    """Load the bundled demo corpus, listed today, with a few demo-* accounts' upvotes,
    comments and a collection (idempotent). Only this command makes demo accounts."""
    from paperwire.demo import load_demo
    from paperwire.demo.community import seed_demo_community

    state = state_of(ctx)
    catalog = state.open_catalog()
    report = load_demo(catalog, state.settings, recent=True)
    warn_skipped(report.index.skipped)
    out.print(f"demo corpus: {report.summary()}", highlight=False)
    community = seed_demo_community(catalog)
    out.print(f"demo community: {community.summary()}", highlight=False)
