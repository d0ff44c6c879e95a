"""Reference data every deployment starts with: instruments, fields, plan targets.

`sync_reference_data()` is idempotent: it adds what is missing and never overwrites
what an admin edited. A shipped instrument whose published version exists in the
database with another checksum is refused (published versions are immutable).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from instruments import Instrument, shipped_instruments
from survey_app.extensions import db
from survey_app.models import Field, InstrumentVersion, Target

DATA_DIR = Path(__file__).with_name("data")


class ReferenceDataError(RuntimeError):
    pass


def register_instrument(inst: Instrument, source_text: str) -> tuple[InstrumentVersion, bool]:
    """Store a published instrument version; refuse a changed definition of the same version."""
    existing = db.session.scalar(
        db.select(InstrumentVersion).filter_by(code=inst.code, version=inst.version)
    )
    if existing is not None:
        if existing.checksum != inst.checksum:
            raise ReferenceDataError(
                f"{inst.key} is already published with another content; "
                "publish the change as a new version"
            )
        return existing, False
    row = InstrumentVersion(code=inst.code, version=inst.version, checksum=inst.checksum,
                            source=source_text, status="published")
    db.session.add(row)
    return row, True


def sync_instruments() -> int:
    from instruments.loader import FILES_DIR

    added = 0
    for inst in shipped_instruments():
        path = FILES_DIR / f"{inst.code}.v{inst.version}.yaml"
        _, new = register_instrument(inst, path.read_text("utf-8"))
        added += new
    return added


def sync_fields() -> int:
    rows = yaml.safe_load((DATA_DIR / "fields.yaml").read_text("utf-8"))
    existing = set(db.session.scalars(db.select(Field.code)))
    added = 0
    for order, row in enumerate(rows, 1):
        if row["code"] not in existing:
            db.session.add(Field(code=row["code"], name_vi=row["vi"], name_en=row["en"],
                                 sort_order=order * 10, valid_from=row.get("valid_from"),
                                 valid_to=row.get("valid_to")))
            added += 1
    return added


def sync_targets() -> int:
    rows = yaml.safe_load((DATA_DIR / "targets.yaml").read_text("utf-8"))
    existing = {
        (t.year, t.scope, t.scope_code, t.metric) for t in db.session.scalars(db.select(Target))
    }
    added = 0
    for row in rows:
        key = (row["year"], row["scope"], row.get("scope_code"), row["metric"])
        if key not in existing:
            db.session.add(Target(year=row["year"], scope=row["scope"],
                                  scope_code=row.get("scope_code"), metric=row["metric"],
                                  value=row["value"], source=row["source"]))
            added += 1
    return added


def sync_reference_data() -> dict[str, int]:
    counts = {"instruments": sync_instruments(), "fields": sync_fields(),
              "targets": sync_targets()}
    db.session.commit()
    return counts
