"""Who serves: units (a tree with validity dates), fields of procedures, counters.

Since 2025-07-01 local government has two tiers, province and commune (Resolution
202/2025/QH15, NĐ 150 and 151/2025); district units stay only as history. Units carry
[valid_from, valid_to) and the lineage between them lives in survey_app.models.lineage.
"""

from __future__ import annotations

import secrets
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.models.base import db

# Kinds of unit. The first six codes are those of the three-tier model and keep working.
UNIT_KINDS = (
    "tinh",            # UBND tỉnh / thành phố trực thuộc trung ương
    "huyen",           # UBND huyện (history only: abolished 2025-07-01)
    "xa",              # UBND xã / phường / đặc khu
    "so",              # sở, ban, ngành of the province
    "phong",           # a phòng chuyên môn (of a district before 2025, of a sở)
    "su_nghiep",       # đơn vị sự nghiệp (hospital, school, centre)
    "hcc_tinh",        # Trung tâm Phục vụ hành chính công of the province
    "hcc_chi_nhanh",   # a branch of the provincial centre
    "hcc_xa",          # Trung tâm Phục vụ hành chính công of a commune
    "diem_tiep_nhan",  # a reception point (điểm tiếp nhận) of a centre
    "xa_van_phong",    # Văn phòng HĐND và UBND of a commune
    "xa_kinh_te",      # Phòng Kinh tế (Kinh tế – Hạ tầng – Đô thị in wards)
    "xa_van_hoa_xh",   # Phòng Văn hóa – Xã hội of a commune
    "nganh_doc",       # vertical agency serving at the centres: Công an, Thuế, BHXH
)
UNIT_LEVELS = ("tinh", "huyen", "xa")
# The first day of the two-tier structure; district units must end by then.
TWO_TIER_SINCE = date(2025, 7, 1)
DISTRICT_KINDS = frozenset({"huyen"})
DISTRICT_LEVELS = frozenset({"huyen"})


def is_district(kind: str | None, level: str | None) -> bool:
    """A body of the abolished district tier (by its kind or its level)."""
    return kind in DISTRICT_KINDS or level in DISTRICT_LEVELS


def district_outlives_reform(kind: str | None, level: str | None,
                             valid_to: date | None) -> bool:
    """True for a district body said to exist on or after 2025-07-01: refused by the admin
    forms and imports (existing rows are left as they are, so old databases still load)."""
    return is_district(kind, level) and (valid_to is None or valid_to > TWO_TIER_SINCE)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# Counter slugs are typed from posters: lower case only, and none of the characters a
# reader confuses (i/l/1, o/0). 14 of 31 characters: about 69 bits.
SLUG_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SLUG_LENGTH = 14


def new_slug() -> str:
    """An unguessable counter slug from SLUG_ALPHABET (easy to type from a poster)."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(SLUG_LENGTH))


def slug_key(slug):
    """What a typed slug and a stored one are compared by: lower case, and the
    characters people mistake for each other folded together (I/l/1 → 1, O/0 → 0).
    Works on a str and on a SQL expression (the older, mixed-case slugs are compared in
    the database, so every slug ever printed keeps working)."""
    if isinstance(slug, str):
        return slug.lower().replace("l", "1").replace("i", "1").replace("o", "0")
    folded = sa.func.lower(slug)
    for typed, meant in (("l", "1"), ("i", "1"), ("o", "0")):
        folded = sa.func.replace(folded, typed, meant)
    return folded


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
        CheckConstraint("valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to",
                        name="validity_order"),
        CheckConstraint("invite_later_share >= 0 AND invite_later_share <= 1",
                        name="invite_later_share"),
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
    # Official code (mã đơn vị hành chính, or the agency's mã định danh); optional.
    admin_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Validity [valid_from, valid_to): valid_to is the first day the unit no longer
    # exists (usually the effective date of its lineage). NULL = open-ended.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # Share (0–1) of returned dossiers with a contact whose citizen is invited after
    # leaving (arm `later`) instead of by the QR on the slip (arm `counter`); drawn at
    # random per dossier (services/dossier_events.py, migration 0007).
    invite_later_share: Mapped[float] = mapped_column(Float, default=0.0,
                                                      server_default=text("0"))

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    counters: Mapped[list[Counter]] = relationship(back_populates="unit")

    def name(self, locale: str = "vi") -> str:
        return self.name_en if locale.startswith("en") and self.name_en else self.name_vi

    def valid_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day < self.valid_to))

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Field(db.Model):
    """A lĩnh vực of administrative procedures (đất đai, xây dựng, đầu tư, …).

    A field is a group of procedures, not a department: investment procedures sit under
    Sở Tài chính since 2025, labour ones under Sở Nội vụ. Fields change over time too, so
    a field carries [valid_from, valid_to) like a unit; an ended field is kept (its
    responses stay attributed to it) but is no longer offered on forms and links."""

    __tablename__ = "fields"
    __table_args__ = (
        CheckConstraint("valid_from IS NULL OR valid_to IS NULL OR valid_from < valid_to",
                        name="validity_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Validity [valid_from, valid_to), as for units; NULL = open-ended.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    def name(self, locale: str = "vi") -> str:
        return self.name_en if locale.startswith("en") else self.name_vi

    def valid_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day < self.valid_to))

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


__all__ = ["DISTRICT_KINDS", "DISTRICT_LEVELS", "TWO_TIER_SINCE", "UNIT_KINDS", "UNIT_LEVELS",
           "Counter", "Field", "Unit", "district_outlives_reform", "is_district", "new_slug",
           "new_verify_code", "slug_key", "SLUG_ALPHABET"]
