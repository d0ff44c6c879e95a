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

from survey_app.extensions import db

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
    if not current_app.config.get("PUBLIC_BASE_URL"):
        raise click.ClickException("SIPAS_PUBLIC_BASE_URL is not set: the invitations' links "
                                   "need the public address, e.g. https://hailong.example.gov.vn")
    if once:
        click.echo(run_once(now, limit).line())
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    poll = int(current_app.config["OUTBOX_POLL_SECONDS"])
    while not stop.is_set():
        try:
            result = run_once(None, limit)
        except Exception:  # the database down, say: log it and keep the worker up
            current_app.logger.exception("outbox pass failed; next try in %d s", poll)
            db.session.rollback()
        else:
            if sum(result.counts.values()):
                click.echo(f"{datetime.now(UTC).isoformat(timespec='seconds')} "
                           f"{result.line()}")
        stop.wait(poll)


@outbox_cli.command("status")
def status() -> None:
    """Invitations per status (no contacts)."""
    from survey_app.services.outbox import status_counts

    counts = status_counts()
    for name in ("pending", "sent", "delivered", "failed", "expired"):
        click.echo(f"{name}: {counts.get(name, 0)}")


@outbox_cli.command("coverage")
@click.option("--period", required=True, help="A period label, e.g. 2026-Q4 or 2026-M11.")
def coverage(period: str) -> None:
    """Dossiers returned, invited, answered per unit × field × channel (CSV on stdout)."""
    import csv
    import sys

    from analysis.periods import checked_period
    from survey_app.models import Field, Unit
    from survey_app.services.coverage import coverage_rows

    try:
        start, end = checked_period(period)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    units = dict(db.session.execute(db.select(Unit.id, Unit.code)).all())
    fields = dict(db.session.execute(db.select(Field.id, Field.code)).all())
    out = csv.writer(sys.stdout)
    out.writerow(["period", "unit", "field", "channel", "returned", "invited", "delivered",
                  "responses", "responses_counter_arm", "responses_later_arm",
                  "response_rate"])
    for row in coverage_rows(start, end):
        rate = row.response_rate
        out.writerow([period, units[row.unit_id], fields.get(row.field_id, ""), row.channel,
                      row.returned, row.invited, row.delivered, row.responses,
                      row.responses_counter_arm, row.responses_later_arm,
                      "" if rate is None else f"{rate:.4f}"])
