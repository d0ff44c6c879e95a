"""The lineage import through the real upload form: a good file previews then applies once;
a cycle, an unknown code, overlapping validity dates or a split without a rule is a row
error in Vietnamese (English with ?lang=en) and changes nothing."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditLog, Counter, InstrumentVersion, Unit, UnitLineage
from tests.survey_app.admin.conftest import audit_actions, submit
from tests.survey_app.admin.test_imports import confirm

HEADER = "predecessor,successor,effective_date,change,counters,note\n"
REFORM = date(2025, 7, 1)


@pytest.fixture
def two_tier(app, world):
    """New wards P-BAC, P-NAM, P-MOI (official code 30001) from 2025-07-01; old communes
    X-TL (counters MC, DD) and X-KHAC; X-CU already closed on 2025-07-01."""
    with app.app_context():
        iv = db.session.scalar(sa.select(InstrumentVersion).filter_by(code="counter-2018"))
        province = db.session.get(Unit, world.province)
        new = dict(kind="xa", level="xa", parent=province, valid_from=REFORM)
        db.session.add_all([
            Unit(code="P-BAC", name_vi="Phường Bắc", **new),
            Unit(code="P-NAM", name_vi="Phường Nam", **new),
            Unit(code="P-MOI", name_vi="Phường Mới", admin_code="30001", **new),
            Unit(code="X-KHAC", name_vi="Xã Khác", kind="xa", level="xa"),
            Unit(code="X-CU", name_vi="Xã Cũ", kind="xa", level="xa", valid_to=REFORM),
            Counter(unit_id=world.commune, code="DD", name_vi="Quầy đất đai",
                    instrument_version=iv),
        ])
        db.session.commit()


def upload(client, content: str, lang: str = ""):
    return submit(client, f"/admin/nhap/pha-he-don-vi{lang}", {},
                  files={"file": (io.BytesIO(content.encode()), "pha-he.csv")})


def snapshot(app):
    with app.app_context():
        units = sorted((u.code, u.valid_from, u.valid_to) for u in db.session.scalars(
            sa.select(Unit)))
        links = sorted((lk.predecessor_id, lk.successor_id, lk.effective_date, lk.change,
                        tuple(sorted(c.counter_id for c in lk.counters)))
                       for lk in db.session.scalars(sa.select(UnitLineage)))
        return units, links, db.session.scalar(sa.select(sa.func.count(AuditLog.id)))


GOOD = (HEADER
        + "X-TL,P-BAC,2025-07-01,split,MC,NQ 1665/NQ-UBTVQH15\n"
        + "X-TL,P-NAM,01/07/2025,split,DD,\n"
        + "X-KHAC,30001,2025-07-01,merge,,\n")  # the successor by its official code


@pytest.mark.usefixtures("admin", "two_tier")
def test_good_lineage_file_previews_then_applies_exactly_once(app, client):
    from survey_app.services.lineage import load_lineage

    before = snapshot(app)
    preview = upload(client, GOOD)
    assert preview.status_code == 200, preview.text
    assert "Mới: 3" in preview.text and "X-TL: hết hiệu lực từ 2025-07-01" in preview.text
    assert snapshot(app) == before
    assert confirm(client, "pha-he-don-vi", preview.text).status_code == 302
    with app.app_context():
        units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
        assert units["X-TL"].valid_to == units["X-KHAC"].valid_to == REFORM
        counters = {c.code: c.id for c in db.session.scalars(
            sa.select(Counter).filter_by(unit_id=units["X-TL"].id))}
        lineage = load_lineage(db.session)
        today = date(2026, 12, 1)
        assert lineage.place(units["X-TL"].id, counters["MC"], today).unit == units["P-BAC"].id
        assert lineage.place(units["X-TL"].id, counters["DD"], today).unit == units["P-NAM"].id
        assert lineage.place(units["X-KHAC"].id, None, today).unit == units["P-MOI"].id
        note = db.session.scalar(sa.select(UnitLineage.note).filter_by(
            successor_id=units["P-BAC"].id))
        assert note == "NQ 1665/NQ-UBTVQH15"
    actions = audit_actions(app)
    assert actions.count("lineage.create") == 3 and actions.count("import.lineage") == 1
    again = confirm(client, "pha-he-don-vi", preview.text)  # statuses changed: not applied
    assert again.status_code == 409 and audit_actions(app) == actions
    same = upload(client, GOOD)
    assert same.status_code == 200 and "Không đổi: 3" in same.text


REFUSALS = {
    "cycle": (HEADER + "P-BAC,P-NAM,2026-01-01,rename,,\nP-NAM,P-BAC,2026-01-01,rename,,\n",
              "Dòng 2, cột successor: tạo thành vòng lặp phả hệ"),
    "own successor": (HEADER + "P-BAC,P-BAC,2026-01-01,rename,,\n",
                      "Dòng 2, cột successor: một đơn vị không thể kế thừa chính nó"),
    "unknown predecessor": (HEADER + "X-KHONG,P-MOI,2025-07-01,merge,,\n",
                            "Dòng 2, cột predecessor: không có đơn vị mã \"X-KHONG\""),
    "unknown official code": (HEADER + "X-KHAC,99999,2025-07-01,merge,,\n",
                              "Dòng 2, cột successor: không có đơn vị mã \"99999\""),
    "successor not yet valid": (HEADER + "X-KHAC,P-MOI,2025-01-01,merge,,\n",
                                "Dòng 2, cột effective_date: thời gian hiệu lực chồng lấn: "
                                "đơn vị kế thừa P-MOI không có hiệu lực"),
    "predecessor closed on another date": (HEADER + "X-CU,P-MOI,2026-01-01,merge,,\n",
                                           "thời gian hiệu lực chồng lấn: X-CU có hiệu lực "
                                           "đến 2025-07-01"),
    "two end dates": (HEADER + "X-TL,P-BAC,2025-07-01,split,MC,\n"
                      + "X-TL,P-NAM,2025-08-01,split,DD,\n",
                      "cùng một đơn vị cũ kết thúc vào nhiều ngày khác nhau"),
    "split without rule": (HEADER + "X-TL,P-BAC,2025-07-01,split,,\n"
                           + "X-TL,P-NAM,2025-07-01,split,DD,\n",
                           "Dòng 2, cột counters: chia tách cần quy tắc"),
    "split to one unit": (HEADER + "X-TL,P-BAC,2025-07-01,split,MC,\n",
                          "chia tách cần ít nhất hai đơn vị kế thừa"),
    "unknown counter": (HEADER + "X-TL,P-BAC,2025-07-01,split,MC ZZ,\n"
                        + "X-TL,P-NAM,2025-07-01,split,DD,\n",
                        "đơn vị X-TL không có quầy mã \"ZZ\""),
    "counter twice": (HEADER + "X-TL,P-BAC,2025-07-01,split,MC,\n"
                      + "X-TL,P-NAM,2025-07-01,split,MC|DD,\n",
                      "một quầy được giao cho hai đơn vị kế thừa"),
    "merge into two": (HEADER + "X-KHAC,P-BAC,2025-07-01,merge,,\n"
                       + "X-KHAC,P-NAM,2025-07-01,merge,,\n",
                       "chỉ khi chia tách (split) một đơn vị cũ mới có nhiều đơn vị kế thừa"),
    "bad change": (HEADER + "X-KHAC,P-MOI,2025-07-01,absorb,,\n",
                   "Dòng 2, cột change: giá trị \"absorb\" không hợp lệ"),
    "bad date": (HEADER + "X-KHAC,P-MOI,2025-13-01,merge,,\n",
                 "Dòng 2, cột effective_date: ngày \"2025-13-01\" không hợp lệ"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
@pytest.mark.usefixtures("admin", "two_tier")
def test_refused_lineage_rows_are_explained_and_change_nothing(app, client, case):
    content, message = REFUSALS[case]
    before = snapshot(app)
    preview = upload(client, content)
    assert preview.status_code == 422
    assert message in preview.text.replace("&#34;", '"').replace("&quot;", '"')
    assert 'name="token"' not in preview.text
    assert snapshot(app) == before


@pytest.mark.usefixtures("admin", "two_tier")
def test_cycle_through_the_database_is_refused(app, client):
    first = upload(client, HEADER + "X-KHAC,P-MOI,2025-07-01,merge,,\n")
    assert confirm(client, "pha-he-don-vi", first.text).status_code == 302
    before = snapshot(app)
    back = upload(client, HEADER + "P-MOI,X-KHAC,2026-01-01,rename,,\n")
    assert back.status_code == 422 and "vòng lặp phả hệ" in back.text
    assert snapshot(app) == before


@pytest.mark.parametrize("case, words", [("cycle", "cycle"), ("split without rule", "rule"),
                                         ("unknown predecessor", "no unit"),
                                         ("two end dates", "Overlapping validity")])
@pytest.mark.usefixtures('app', 'admin', 'two_tier')
def test_refusals_are_in_english_with_lang_en(client, case, words):
    preview = upload(client, REFUSALS[case][0], lang="?lang=en")
    assert preview.status_code == 422 and words in preview.text
