"""CLI of the citizen survey: posters and QR codes, receipt links, unit API keys.

    flask --app survey_app posters --unit H-XH --out posters/            # all counters
    flask --app survey_app posters --unit H-XH --counter Q1 --out posters/ --size A4
    flask --app survey_app receipt-link --unit H-XH --counter Q1 --dossier 000.00.17.H01-250101-0042
    flask --app survey_app receipt-link --unit X-A --counter MC --dossier HS-1 \
        --deciding S-NNMT --procedure 1.004227      # decided by another agency (NĐ 118/2025)
    flask --app survey_app api-key issue --unit H-XH                     # shown once
    flask --app survey_app api-key rotate --unit H-XH
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from survey_app.extensions import db
from survey_app.models import Unit


def init_app(app: Flask) -> None:
    app.cli.add_command(posters)
    app.cli.add_command(receipt_link)
    app.cli.add_command(api_key)


def _unit(code: str) -> Unit:
    unit = db.session.scalar(db.select(Unit).filter_by(code=code))
    if unit is None:
        raise click.ClickException(f"no unit with code {code!r}")
    return unit


@click.command("posters")
@with_appcontext
@click.option("--unit", "unit_code", required=True, help="Unit code, e.g. H-XH.")
@click.option("--counter", "counter_code", default=None, help="Only this counter (its code).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--size", type=click.Choice(["A5", "A4"]), default="A5", show_default=True)
@click.option("--base-url", default=None, help="Public address; default SIPAS_PUBLIC_BASE_URL.")
@click.option("--zip", "as_zip", is_flag=True, help="One zip file instead of loose files.")
def posters(unit_code: str, counter_code: str | None, out_dir: Path, size: str,
            base_url: str | None, as_zip: bool) -> None:
    """Write the PDF poster and PNG/SVG QR codes of a unit's counters (or of one counter)."""
    from survey_app.services.posters import poster_files, unit_counters, unit_posters_zip
    from survey_app.services.qr import NoBaseUrl

    unit = _unit(unit_code)
    counters = unit_counters(unit, counter_code)
    if not counters:
        raise click.ClickException(
            f"no active counter {counter_code!r} in {unit_code}" if counter_code
            else f"unit {unit_code} has no active counter")
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        if as_zip and counter_code is None:
            files = {f"{unit.code}_posters.zip": unit_posters_zip(unit, size, base_url)}
        else:
            files = poster_files(counters, size, base_url)
    except NoBaseUrl as exc:
        raise click.ClickException(str(exc)) from None
    for name, content in files.items():
        (out_dir / name).write_bytes(content)
        click.echo(out_dir / name)
    for counter in counters:
        click.echo(f"{counter.code}: verification code {counter.verify_code}")


@click.command("receipt-link")
@with_appcontext
@click.option("--unit", "unit_code", required=True)
@click.option("--counter", "counter_code", required=True)
@click.option("--dossier", "dossier_code", required=True, help="The mã hồ sơ.")
@click.option("--field", "field_code", default=None, help="Field code, if known.")
@click.option("--procedure", "procedure_code", default=None, help="Mã TTHC, if known.")
@click.option("--deciding", "deciding_code", default=None,
              help="The deciding agency (cơ quan giải quyết), by unit code or official code, "
                   "if it is not the receiving unit; it must be active and valid today.")
@click.option("--qr", "qr_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the QR code as a PNG file.")
@click.option("--base-url", default=None)
def receipt_link(unit_code: str, counter_code: str, dossier_code: str, field_code: str | None,
                 procedure_code: str | None, deciding_code: str | None, qr_path: Path | None,
                 base_url: str | None) -> None:
    """Print the survey link of one dossier (valid SIPAS_RECEIPT_LINK_DAYS days)."""
    from survey_app.services.qr import NoBaseUrl, qr_png
    from survey_app.services.receipts import (
        ReceiptLinkError,
        ReceiptQuotaExceeded,
        make_receipt_link,
    )

    try:
        link = make_receipt_link(_unit(unit_code), counter_code, dossier_code, field_code,
                                 procedure_code, base_url, deciding_code=deciding_code)
    except (ReceiptLinkError, ReceiptQuotaExceeded, NoBaseUrl) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(link.url)
    if link.deciding_unit is not None:
        click.echo(f"deciding agency: {link.deciding_unit.code}", err=True)
    if qr_path:
        qr_path.write_bytes(qr_png(link.url))
        click.echo(f"QR: {qr_path}", err=True)


@click.group("api-key", cls=AppGroup)
def api_key() -> None:
    """Issue, rotate or revoke a unit's API key for the one-stop software."""


@api_key.command("issue")
@click.option("--unit", "unit_code", required=True)
def api_key_issue(unit_code: str) -> None:
    """Issue the first key (refused if one exists: use rotate)."""
    from survey_app.services.credentials import issue_unit_key

    unit = _unit(unit_code)
    if unit.api_key_hash:
        raise click.ClickException(f"{unit_code} already has a key; use 'api-key rotate'")
    _audit_key("unit.api_key_issue", unit)
    click.echo(issue_unit_key(unit))
    click.echo("Store this key now: it is not shown again.", err=True)


@api_key.command("rotate")
@click.option("--unit", "unit_code", required=True)
def api_key_rotate(unit_code: str) -> None:
    """Replace the key; the old one stops working at once."""
    from survey_app.services.credentials import issue_unit_key

    unit = _unit(unit_code)
    _audit_key("unit.api_key_rotate", unit)
    click.echo(issue_unit_key(unit))
    click.echo("The previous key no longer works. Store this one now.", err=True)


@api_key.command("revoke")
@click.option("--unit", "unit_code", required=True)
def api_key_revoke(unit_code: str) -> None:
    from survey_app.services.credentials import revoke_unit_key

    unit = _unit(unit_code)
    _audit_key("unit.api_key_revoke", unit)
    revoke_unit_key(unit)
    click.echo(f"{unit_code}: API key revoked")


def _audit_key(action: str, unit: Unit) -> None:
    """The same audit entry as the admin page's (committed with the key change by
    credentials.issue_unit_key / revoke_unit_key), marked as done from the shell."""
    import getpass

    from survey_app.services.audit import record

    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # a container user with no name
        os_user = None
    record(action, "unit", unit.id, user=None, code=unit.code, had_key=bool(unit.api_key_hash),
           via="cli", os_user=os_user)
