"""`paperwire worker`: scheduled jobs (harvest, embed, digests) and the mail sender."""

from __future__ import annotations

import json
import threading
from typing import Annotated

import typer

from paperwire.cli.common import out, state_of


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)


def worker(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Run the due jobs and send the outbox once, then exit.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print each job run as JSON.")] = False,
) -> None:
    """Run scheduled jobs (harvest, embed, digests) and send mail until SIGTERM."""
    from paperwire import logs
    from paperwire.digest.engine import stop_on_signals
    from paperwire.worker.runner import Worker

    state = state_of(ctx)
    # The same log lines as `serve` (PAPERWIRE_LOG_FORMAT=json for a log collector).
    logs.configure(state.settings.log_format, state.settings.log_level)
    process = Worker(state.open_catalog(), state.settings)
    if once:
        for run in process.tick():
            if as_json:
                out.print_json(json.dumps({"job": run.name, "slot": run.slot, "state": run.state}))
            else:
                out.print(f"{run.name} {run.slot}: {run.state}", highlight=False)
        if process.sender is not None:
            out.print(json.dumps(process.sender.run().as_dict()), highlight=False)
        return
    stop = threading.Event()
    restore = stop_on_signals(stop)
    try:
        process.run(stop)
    finally:
        restore()
