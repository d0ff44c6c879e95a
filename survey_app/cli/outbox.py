"""`flask --app survey_app outbox run|status`: drain the invitation outbox.

`run` passes over the outbox every OUTBOX_POLL_SECONDS until stopped (SIGTERM or
Ctrl-C end it between two invitations); `--once` makes one pass and exits, for cron
or tests. Several `run` processes may work at once (services/outbox.py).
"""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup

outbox_cli = AppGroup("outbox", help="Send the invitations of the outbox (e-mail, SMS, Zalo).")


def init_app(app: Flask) -> None:
    app.cli.add_command(outbox_cli)


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("an ISO 8601 time with its zone, e.g. "
                                 "2026-11-20T12:00:00+07:00") from None
    if moment.tzinfo is None:
        raise click.BadParameter("the time needs a zone (e.g. +07:00 or Z)")
    return moment.astimezone(UTC)


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="One pass, then exit.")
@click.option("--limit", default=500, show_default=True,
              help="Invitations sent at most per pass.")
@click.option("--now", "now_text", default=None,
              help="Act as if it were this time (drills and tests; with --once only).")
def run(once: bool, limit: int, now_text: str | None) -> None:
    """Send the due invitations, retry the failed ones, expire the overdue ones."""
    from survey_app.services.outbox import run_once

    now = _moment(now_text)
    if now is not None and not once:
        raise click.UsageError("--now needs --once")
    if once:
        click.echo(run_once(now, limit).line())
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    poll = int(current_app.config["OUTBOX_POLL_SECONDS"])
    while not stop.is_set():
        result = run_once(None, limit)
        if sum(result.counts.values()):
            click.echo(f"{datetime.now(UTC).isoformat(timespec='seconds')} {result.line()}")
        stop.wait(poll)


@outbox_cli.command("status")
def status() -> None:
    """Invitations per status (no contacts)."""
    from survey_app.services.outbox import status_counts

    counts = status_counts()
    for name in ("pending", "sent", "delivered", "failed", "expired"):
        click.echo(f"{name}: {counts.get(name, 0)}")
