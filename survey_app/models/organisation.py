"""Who serves: units (a tree), fields of procedures, counters."""

from __future__ import annotations

import secrets

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import db

# Kinds of unit and the administrative level (cấp) each may sit at.
UNIT_KINDS = ("tinh", "huyen", "xa", "so", "phong", "su_nghiep")
UNIT_LEVELS = ("tinh", "huyen", "xa")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def new_slug() -> str:
    """An unguessable counter slug: 12 URL-safe characters, about 71 bits."""
    return secrets.token_urlsafe(9)


def new_verify_code() -> str:
    """A short code printed on the poster so staff can check the QR was not swapped."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    return "".join(secrets.choice(alphabet) for _ in range(6))


class Unit(db.Model):
    """A đơn vị/cơ quan: province, district, commune, department, office, public service unit."""

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint(_in("kind", UNIT_KINDS), name="kind"),
        CheckConstraint(_in("level", UNIT_LEVELS), name="level"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(8))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Opt-in public results page (headline index only).
    publish_results: Mapped[bool] = mapped_column(Boolean, default=False)
    # Per-unit API key for the one-stop software (only its hash is stored).
    api_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    counters: Mapped[list[Counter]] = relationship(back_populates="unit")

    def name(self, locale: str = "vi") -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_vi

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Field(db.Model):
    """A lĩnh vực of administrative procedures (đất đai, xây dựng, đầu tư, …)."""

    __tablename__ = "fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name(self, locale: str = "vi") -> str:
        return self.name_en if locale.startswith("en") else self.name_vi

    def __repr__(self) -> str:
        return f"<Field {self.code}>"


class Counter(db.Model):
    """A quầy of the one-stop area. Its poster QR encodes /s/<slug>."""

    __tablename__ = "counters"
    __table_args__ = (
        CheckConstraint("length(slug) >= 8", name="slug_length"),
        db.UniqueConstraint("unit_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(32))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(32), unique=True, default=new_slug)
    verify_code: Mapped[str] = mapped_column(String(8), default=new_verify_code)
    instrument_version_id: Mapped[int] = mapped_column(
        ForeignKey("instrument_versions.id", ondelete="RESTRICT"), index=True
    )
    # A counter that serves a single field: the form need not ask for it.
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit] = relationship(back_populates="counters")
    field: Mapped[Field | None] = relationship()
    instrument_version = relationship("InstrumentVersion")

    def name(self, locale: str = "vi") -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_vi

    def __repr__(self) -> str:
        return f"<Counter {self.slug}>"


__all__ = ["UNIT_KINDS", "UNIT_LEVELS", "Counter", "Field", "Unit", "new_slug",
           "new_verify_code"]
