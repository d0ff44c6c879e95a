"""What the plans ask for and how much work there was: targets and dossier volumes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import UTCDateTime, db, utcnow
from survey_app.models.organisation import _in

TARGET_SCOPES = ("overall", "field", "unit_kind")
# What a target is about, as the plans word it (see docs/DOMAIN.md):
#   sipas    – the SIPAS index of the locality
#   tthc     – satisfaction with resolving administrative procedures (TTHC)
#   service  – satisfaction with the service of state administrative agencies
#   public_service – satisfaction with public health and education services
TARGET_METRICS = ("sipas", "tthc", "service", "public_service")


class Target(db.Model):
    """A target of a CCHC plan: in `year`, the index of `scope` must reach `value`."""

    __tablename__ = "targets"
    __table_args__ = (
        db.UniqueConstraint("year", "scope", "scope_code", "metric"),
        CheckConstraint(_in("scope", TARGET_SCOPES), name="scope"),
        CheckConstraint(_in("metric", TARGET_METRICS), name="metric"),
        CheckConstraint("value > 0 AND value <= 1", name="value_share"),
        CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),
        CheckConstraint(
            "(scope = 'overall' AND scope_code IS NULL) OR "
            "(scope <> 'overall' AND scope_code IS NOT NULL)",
            name="scope_code",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(16))
    # The field code (scope 'field') or unit kind (scope 'unit_kind'); NULL for overall.
    scope_code: Mapped[str | None] = mapped_column(String(32))
    metric: Mapped[str] = mapped_column(String(16), default="tthc")
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DossierVolume(db.Model):
    """Dossiers (hồ sơ) a unit received in a field during a reporting period.

    The weights of a weighted index come from here (volume ÷ responses).
    """

    __tablename__ = "dossier_volumes"
    __table_args__ = (
        db.UniqueConstraint("unit_id", "field_id", "period"),
        CheckConstraint("received >= 0", name="received_non_negative"),
        CheckConstraint("period_end >= period_start", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id", ondelete="RESTRICT"))
    period: Mapped[str] = mapped_column(String(16))  # a period label, e.g. 2025-Q1
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    received: Mapped[int] = mapped_column(Integer)

    unit = relationship("Unit")
    field = relationship("Field")


class ReceiptLinkCount(db.Model):
    """Receipt links a unit's API key issued on one day (Vietnam time): a count, never the
    dossier codes. Set against the dossier volumes on the admin unit page, and the
    quota of links per unit and day (RECEIPT_LINKS_PER_DAY) is counted here."""

    __tablename__ = "receipt_link_counts"
    __table_args__ = (CheckConstraint("issued >= 0", name="issued_non_negative"),)

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"),
                                         primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    issued: Mapped[int] = mapped_column(Integer, default=0)


__all__ = ["TARGET_METRICS", "TARGET_SCOPES", "DossierVolume", "ReceiptLinkCount", "Target"]
