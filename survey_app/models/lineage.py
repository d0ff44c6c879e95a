"""How units became other units: the lineage (phả hệ) of the two-tier reform and later.

A row says: from `effective_date` on, `predecessor` is represented by `successor`.
- merge:  several predecessors (one row each) into one successor; rolls up exactly.
- rename: one predecessor, one successor (a new name or code, same work).
- move:   one predecessor, one successor under another parent.
- split:  one predecessor, several successors (one row each). Which of the
  predecessor's counters goes to which successor is the split's rule: the rows of
  `lineage_counter_assignments` of that link. Counters without a rule leave their
  responses on the old unit, shown under its own name with a note (nothing is divided).
survey_app.services.lineage follows these links; the admin imports them
(survey_app.admin.lineage_import).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import db
from survey_app.models.organisation import _in

LINEAGE_CHANGES = ("merge", "split", "rename", "move")


class UnitLineage(db.Model):
    __tablename__ = "unit_lineage"
    __table_args__ = (
        db.UniqueConstraint("predecessor_id", "successor_id"),
        CheckConstraint(_in("change", LINEAGE_CHANGES), name="change"),
        CheckConstraint("predecessor_id <> successor_id", name="not_own_successor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    successor_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    effective_date: Mapped[date] = mapped_column(Date)
    change: Mapped[str] = mapped_column(String(8))
    # The legal act or any remark, e.g. "NQ 1234/NQ-UBTVQH15".
    note: Mapped[str | None] = mapped_column(String(300))

    predecessor = relationship("Unit", foreign_keys=[predecessor_id])
    successor = relationship("Unit", foreign_keys=[successor_id])
    counters: Mapped[list[LineageCounter]] = relationship(
        back_populates="lineage", cascade="all, delete-orphan", passive_deletes=True)


class LineageCounter(db.Model):
    """A split's rule: this counter (of the predecessor) goes to the link's successor."""

    __tablename__ = "lineage_counter_assignments"

    lineage_id: Mapped[int] = mapped_column(
        ForeignKey("unit_lineage.id", ondelete="CASCADE"), primary_key=True)
    counter_id: Mapped[int] = mapped_column(
        ForeignKey("counters.id", ondelete="RESTRICT"), primary_key=True, index=True)

    lineage: Mapped[UnitLineage] = relationship(back_populates="counters")
    counter = relationship("Counter")


__all__ = ["LINEAGE_CHANGES", "LineageCounter", "UnitLineage"]
