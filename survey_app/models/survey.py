"""What citizens gave: instrument versions, responses, their answers and comments."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property, lru_cache

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from instruments import Instrument, load_instrument_text
from survey_app.models.base import UTCDateTime, db, utcnow
from survey_app.models.organisation import _in

INSTRUMENT_STATUSES = ("published", "retired")
CHANNELS = ("counter_qr", "receipt_qr", "web", "api", "kiosk")
RESPONSE_STATUSES = ("valid", "flagged", "excluded")
COMMENT_STATUSES = ("pending", "approved", "hidden")

# A BIGINT primary key on PostgreSQL (a country produces billions of answers over the
# years) that is still SQLite's INTEGER PRIMARY KEY alias for rowid.
BigId = BigInteger().with_variant(Integer, "sqlite")


def _where(predicate: str) -> dict:
    """A partial index's predicate, on PostgreSQL and SQLite alike."""
    return {"postgresql_where": text(predicate), "sqlite_where": text(predicate)}


@lru_cache(maxsize=64)
def _parse_instrument(source: str, label: str) -> Instrument:
    """Parse once per process: every request loads fresh ORM rows, and a dashboard asks
    for the same few instruments a dozen times. Keyed by the text itself, so a cached
    parse can never disagree with the stored definition."""
    return load_instrument_text(source, source=label)


class InstrumentVersion(db.Model):
    """A published questionnaire version; its definition never changes (checksum)."""

    __tablename__ = "instrument_versions"
    __table_args__ = (
        db.UniqueConstraint("code", "version"),
        CheckConstraint(_in("status", INSTRUMENT_STATUSES), name="status"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48))
    version: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    # The YAML text as published: the definition, re-validated on load.
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="published")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @cached_property
    def instrument(self) -> Instrument:
        return _parse_instrument(self.source, f"{self.code}.v{self.version}")

    @property
    def key(self) -> str:
        return f"{self.code}@v{self.version}"


class Response(db.Model):
    """One completed questionnaire. Anonymous: no name, no raw IP, no raw dossier code."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("status", RESPONSE_STATUSES), name="status"),
        CheckConstraint("status = 'valid' OR status_reason IS NOT NULL", name="status_reason"),
        CheckConstraint(_in("locale", ("vi", "en")), name="locale"),
        db.Index("ix_responses_unit_id_submitted_at", "unit_id", "submitted_at"),
        # One response per dossier OF A UNIT (migration 0005): a unit's API key must not
        # be able to "use up" another unit's dossier by minting a link for its code.
        db.UniqueConstraint("unit_id", "dossier_hash"),
        # Reporting reads only valid responses, and only these columns (migration 0003):
        # index-only scans of a period's responses, whole country or a unit subtree.
        db.Index("ix_responses_valid_submitted_at", "submitted_at",
                 postgresql_include=["id", "unit_id", "field_id", "instrument_version_id"],
                 **_where("status = 'valid'")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instrument_version_id: Mapped[int] = mapped_column(
        ForeignKey("instrument_versions.id", ondelete="RESTRICT")
    )
    counter_id: Mapped[int | None] = mapped_column(
        ForeignKey("counters.id", ondelete="RESTRICT"), index=True
    )
    # The receiving unit: where the dossier was filed (the counter's unit).
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    # The deciding agency (cơ quan có thẩm quyền giải quyết), when the receipt link names
    # it; under NĐ 118/2025 a dossier may be filed anywhere in the province.
    deciding_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id", ondelete="RESTRICT"))
    procedure_code: Mapped[str | None] = mapped_column(String(40))  # mã TTHC, if known
    channel: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    # Keyed hash (HMAC-SHA256) of the dossier code: one response per dossier and unit.
    dossier_hash: Mapped[str | None] = mapped_column(String(64))
    # Hash of the server-issued one-time form token: a retried POST cannot store twice.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Salted, daily-rotating hash of the client address, for abuse review only.
    client_hash: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="valid")
    status_reason: Mapped[str | None] = mapped_column(String(200))

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )
    comment: Mapped[Comment | None] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )
    instrument_version: Mapped[InstrumentVersion] = relationship()
    unit = relationship("Unit", foreign_keys=[unit_id])
    deciding_unit = relationship("Unit", foreign_keys=[deciding_unit_id])
    field = relationship("Field")
    counter = relationship("Counter")


class Answer(db.Model):
    """One answer of a response. value NULL = "không áp dụng" (not applicable).

    element_code, item_position and satisfied are copied from the immutable instrument
    version at submission, so the reporting SQL needs no YAML and no text matching.
    """

    __tablename__ = "answers"
    __table_args__ = (
        CheckConstraint("value IS NULL OR (value >= 1 AND value <= 9)", name="value_range"),
        CheckConstraint("satisfied IS NULL OR value IS NOT NULL", name="satisfied_needs_value"),
        CheckConstraint("(element_code IS NULL) = (item_position IS NULL)",
                        name="item_position_with_element"),
        CheckConstraint("item_position IS NULL OR item_position >= 0", name="item_position_range"),
        # The per-respondent bit masks of reporting read these columns only (migration 0003).
        db.Index("ix_answers_report", "response_id",
                 postgresql_include=["item_position", "satisfied"],
                 **_where("element_code IS NOT NULL AND value IS NOT NULL")),
    )

    response_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    element_code: Mapped[str | None] = mapped_column(String(32))
    # Position of the item in the instrument version's element items (0-based).
    item_position: Mapped[int | None] = mapped_column(SmallInteger)
    value: Mapped[int | None] = mapped_column(SmallInteger)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)

    response: Mapped[Response] = relationship(back_populates="answers")


class Comment(db.Model):
    """Free text, kept apart from the scores; shown only after moderation, never publicly."""

    __tablename__ = "comments"
    __table_args__ = (CheckConstraint(_in("status", COMMENT_STATUSES), name="status"),)

    response_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship(back_populates="comment")


__all__ = ["CHANNELS", "COMMENT_STATUSES", "INSTRUMENT_STATUSES", "RESPONSE_STATUSES", "Answer",
           "Comment", "InstrumentVersion", "Response"]
