"""`paperwire subscribers ... | digest ...`: thin shells over paperwire.digest."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import TaskID
from rich.table import Table

from paperwire.cli.common import err, out, progress_display, state_of
from paperwire.digest.model import InvalidInput, Preferences, Subscriber
from paperwire.digest.schedule import FREQUENCIES

subscribers_app = typer.Typer(help="Manage digest subscribers.", no_args_is_help=True)
digest_app = typer.Typer(help="Compose, preview and send email digests.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(subscribers_app, name="subscribers")
    app.add_typer(digest_app, name="digest")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error[/]: {escape(message)}", highlight=False)
    return typer.Exit(1)


@subscribers_app.command("add")
def subscribers_add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The address.")],
    confirmed: Annotated[
        bool, typer.Option("--confirmed", help="Skip the confirmation mail (you vouch for it).")
    ] = False,
    frequency: Annotated[
        str, typer.Option("--frequency", help="daily (weekdays) or weekly.")
    ] = "daily",
    topic: Annotated[
        list[str] | None, typer.Option("--topic", help="A saved search; repeat for more.")
    ] = None,
    hour: Annotated[int, typer.Option("--hour", min=0, max=23, help="Local delivery hour.")] = 8,
    timezone: Annotated[
        str, typer.Option("--timezone", help="IANA zone, e.g. Europe/Berlin.")
    ] = "UTC",
    weekday: Annotated[
        int, typer.Option("--weekday", min=0, max=6, help="Weekly digests: 0 = Monday.")
    ] = 0,
    papers: Annotated[int, typer.Option("--papers", min=1, help="Papers per section.")] = 10,
) -> None:
    """Add a subscriber (or update one's preferences); no mail is sent."""
    from paperwire.digest.subscriptions import Subscriptions
    from paperwire.signing import secret_key

    if frequency not in FREQUENCIES:
        raise typer.BadParameter("daily or weekly", param_hint="--frequency")
    state = state_of(ctx)
    try:
        preferences = Preferences.build(
            frequency=frequency,
            weekday=weekday,
            hour=hour,
            timezone=timezone,
            paper_count=papers,
            topics=topic or [],
        )
        subscriptions = Subscriptions(state.open_catalog(), secret_key(state.settings))
        subscriber = subscriptions.add(email, confirmed=confirmed, preferences=preferences)
    except InvalidInput as error:
        raise _fail(str(error)) from None
    out.print(f"{subscriber.email}: {subscriber.status}", highlight=False)


@subscribers_app.command("list")
def subscribers_list(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="Only pending, confirmed, unsubscribed...")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List subscribers with their status and preferences."""
    from paperwire.digest.subscriptions import Subscriptions
    from paperwire.signing import secret_key

    state = state_of(ctx)
    found = Subscriptions(state.open_catalog(), secret_key(state.settings)).find(status)
    if as_json:
        out.print_json(json.dumps([subscriber.as_dict() for subscriber in found]))
        return
    table = Table("email", "status", "schedule", "papers", "topics")
    for subscriber in found:
        table.add_row(
            escape(subscriber.email),
            subscriber.status,
            _schedule_label(subscriber),
            str(subscriber.preferences.paper_count),
            escape("; ".join(subscriber.preferences.topics)),
        )
    out.print(table)
    out.print(f"{len(found)} subscribers", highlight=False)


def _schedule_label(subscriber: Subscriber) -> str:
    from paperwire.digest.schedule import WEEKDAYS

    preferences = subscriber.preferences
    when = "weekdays" if preferences.frequency == "daily" else WEEKDAYS[preferences.weekday]
    return f"{when} {preferences.hour:02d}:00 {preferences.timezone}"


@subscribers_app.command("remove")
def subscribers_remove(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="The address.")]
) -> None:
    """Delete a subscriber and everything kept about them."""
    from paperwire.digest.subscriptions import Subscriptions
    from paperwire.signing import secret_key

    state = state_of(ctx)
    if not Subscriptions(state.open_catalog(), secret_key(state.settings)).remove(email):
        raise _fail(f"no subscriber {email!r}")
    out.print(f"removed {email}", highlight=False)


@digest_app.command("run")
def digest_run(
    ctx: typer.Context,
    now: Annotated[
        bool, typer.Option("--now", help="One pass (compose what is due, send), then exit.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Compose for every confirmed subscriber, due or not."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Compose and send digests: with --now once, else every minute until SIGTERM."""
    from paperwire.digest import service
    from paperwire.digest.engine import stop_on_signals

    state = state_of(ctx)
    if not state.settings.smtp_host:
        raise _fail("no SMTP server configured: set PAPERWIRE_SMTP_HOST (docs/digests.md)")
    catalog = state.open_catalog()
    searcher = service.open_searcher(catalog, state.settings)  # opened once: loads a model
    engine = service.sender(catalog, state.settings)
    stop = threading.Event()
    restore = stop_on_signals(stop)
    try:
        while True:
            if searcher is not None:
                searcher.keyword.reload()  # see what harvests added meanwhile
                if searcher.vectors is not None:
                    searcher.vectors.reload()
            with progress_display() as progress:
                task = progress.add_task("sending digests", total=None)

                def advance(_outcome: str, task: TaskID = task) -> None:
                    progress.advance(task)

                report = service.run_once(
                    catalog,
                    state.settings,
                    searcher=searcher,
                    force=force,
                    engine=engine,
                    stop=stop,
                    on_outcome=advance,
                )
            for warning in report.composed.warnings:
                err.print(f"[yellow]warning[/] {escape(warning)}", highlight=False)
            if as_json:
                out.print_json(json.dumps(report.as_dict()))
            else:
                out.print(_summary(report), highlight=False)
            if now or stop.wait(service.RUN_INTERVAL_SECONDS):
                return
            force = False
    finally:
        restore()


def _summary(report: object) -> str:
    from paperwire.digest.service import RunReport

    assert isinstance(report, RunReport)
    composed, sent = report.composed, report.sent.as_dict()
    return (
        f"composed {composed.composed} (empty {composed.empty}, already done {composed.skipped}); "
        + ", ".join(f"{name} {count}" for name, count in sent.items())
    )


@digest_app.command("preview")
def digest_preview(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="A subscriber's address.")],
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the HTML part here.")
    ] = None,
) -> None:
    """The digest an address would get now (nothing recorded, nothing sent): the text
    part on stdout, the whole message as an .eml file under the data directory."""
    from paperwire.digest import service

    state = state_of(ctx)
    try:
        preview = service.preview(state.open_catalog(), state.settings, to)
    except LookupError as error:
        raise _fail(str(error)) from None
    if preview is None:
        out.print(f"nothing new for {to}: no digest would be sent", highlight=False)
        return
    if html is not None:
        html.write_text(preview.html, encoding="utf-8")
    out.print(preview.text, highlight=False, markup=False, soft_wrap=True)
    err.print(f"message written to {escape(str(preview.path))}", highlight=False, soft_wrap=True)


@digest_app.command("status")
def digest_status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Outbox rows by state (sent, retry, failed, uncertain...)."""
    from paperwire.digest.outbox import SqlStore

    counts = SqlStore(state_of(ctx).open_catalog().engine).counts()
    if as_json:
        out.print_json(json.dumps(counts))
        return
    for name, count in sorted(counts.items()):
        out.print(f"{name}: {count}", highlight=False)
