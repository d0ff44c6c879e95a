"""Posting dossier events the way the one-stop software does, and looking for a contact
anywhere in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db

RETURNED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 09:00 in Viet Nam


def event_body(dossier: str, contact: dict | None = None, **extra) -> dict:
    body = {"event": "returned", "dossier_code": dossier, "channel": "counter",
            "received_at": (RETURNED - timedelta(days=3)).isoformat(),
            "returned_at": RETURNED.isoformat(), "field": "dat-dai",
            "procedure_code": "1.004227", "deciding_agency": "S-TC"}
    if contact is not None:
        body["contact"] = contact
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def post_event(client, key: str, body: dict):
    return client.post("/api/v1/dossier-events", json=body,
                       headers={"Authorization": f"Bearer {key}"})


def tables_holding(app, needle: str) -> list[str]:
    """Every table with a text cell containing `needle` (the plain contact or code)."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, sa.String | sa.Text):
                    continue
                hit = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                        .where(sa.cast(column, sa.Text).contains(needle)))
                if hit:
                    found.append(f"{table.name}.{column.name}")
    return found
