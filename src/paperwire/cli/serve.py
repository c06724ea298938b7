"""`paperwire serve`: the web pages and both JSON APIs under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from paperwire.cli.common import out, state_of
from paperwire.logs import LogFormat

# How long `serve --worker` waits at shutdown for the job in flight before it exits anyway
# (the worker thread is a daemon; a job cut short is claimed again in its next slot).
WORKER_STOP_SECONDS = 30.0


def register(app: typer.Typer) -> None:
    app.command()(serve)


def listen_url(host: str, port: int) -> str:
    """The address to print: http://host:port, an IPv6 host in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port.")] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Web processes (one per core is a good start).")
    ] = 1,
    with_worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Also run the scheduled jobs (harvests, submission retries, digests) in "
            "this process, as `paperwire worker` would; `make run` does.",
        ),
    ] = False,
    access_log: Annotated[
        bool | None,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log one line per request: method, path, route, status, time, request id, "
            "client (default: PAPERWIRE_ACCESS_LOG).",
        ),
    ] = None,
    log_format: Annotated[
        LogFormat | None,
        typer.Option(
            "--log-format",
            help="json (one object a line, for journald or a log shipper) or text "
            "(default: PAPERWIRE_LOG_FORMAT).",
        ),
    ] = None,
) -> None:
    """Serve the web pages and both JSON APIs; print the address it listens on."""
    import os
    import threading

    import uvicorn

    from paperwire import logs

    settings = state_of(ctx).settings
    if access_log is not None:
        settings = settings.model_copy(update={"access_log": access_log})
    if log_format is not None:
        settings = settings.model_copy(update={"log_format": log_format})
    # Each web process configures its logs as it builds its app, from these.
    os.environ["PAPERWIRE_ACCESS_LOG"] = "true" if settings.access_log else "false"
    os.environ["PAPERWIRE_LOG_FORMAT"] = settings.log_format
    logs.configure(settings.log_format, settings.log_level)
    # Worker processes build their app from the environment: hand them the CLI's overrides.
    os.environ["PAPERWIRE_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        os.environ["PAPERWIRE_DATABASE_URL"] = settings.database_url
    bind_host, bind_port = host or settings.host, port or settings.port
    stop = threading.Event()
    worker = None
    if with_worker:
        from paperwire.worker.embedded import start_worker_thread

        worker = start_worker_thread(settings, stop)
    jobs = " with the worker's jobs" if with_worker else ""
    out.print(
        f"paperwire is serving on {listen_url(bind_host, bind_port)}{jobs} (Ctrl+C stops it)",
        highlight=False,
        soft_wrap=True,
    )
    try:
        uvicorn.run(
            "paperwire.web.app:app_from_environment",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=workers,
            log_level="warning",
            # Our handler (paperwire.logs) formats uvicorn's records too; our middleware
            # writes the access log, with the route and the request id uvicorn lacks.
            log_config=None,
            access_log=False,
        )
    finally:
        stop.set()
        if worker is not None:
            worker.join(WORKER_STOP_SECONDS)
