"""`flask --app survey_app audit verify`: check the audit log's hash chain.

Exit status 0 when every row matches its hash and links to the row before it; 1, with
the id of the first broken row, when a row was changed, deleted or slipped in.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from survey_app.extensions import db
from survey_app.models import AuditLog
from survey_app.services.audit_chain import verify

audit = AppGroup("audit", help="Check the audit log.")


@audit.command("verify")
def verify_command() -> None:
    """Walk the hash chain; name the first row that was changed or removed."""
    with db.engine.connect() as conn:
        checked, head, broken = verify(conn, AuditLog.__table__)
    if broken is None:
        click.echo(f"audit log: {checked} rows, chain intact; head {head}")
        return
    click.echo(f"audit log: chain broken at row {broken.row_id}: {broken.reason}; "
               f"the {checked} rows before it are intact (last good hash {head})", err=True)
    raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(audit)
