"""Admin changes through the real forms: each is validated in Vietnamese, stored, and
audited with who and which role; a refused change stores nothing."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
import sqlalchemy as sa

from instruments.loader import FILES_DIR
from survey_app.extensions import db
from survey_app.models import (
    AuditLog,
    Comment,
    Counter,
    InstrumentVersion,
    Response,
    Target,
    Unit,
    User,
)
from tests.conftest import csrf_from
from tests.survey_app.admin.conftest import audit_actions, submit


def get(app, model, **by):
    with app.app_context():
        obj = db.session.scalar(sa.select(model).filter_by(**by))
        db.session.expunge_all()
        return obj


def last_audit(app) -> AuditLog:
    with app.app_context():
        return db.session.scalar(sa.select(AuditLog).order_by(AuditLog.id.desc()))


UNIT = {"code": "X-MOI", "name_vi": "UBND xã Mới", "name_en": "", "kind": "xa", "level": "xa",
        "parent_id": ""}


@pytest.mark.usefixtures("admin")
def test_unit_create_edit_and_refused_cycle(app, client, world):
    reply = submit(client, "/admin/don-vi/them", {**UNIT, "parent_id": str(world.district)})
    assert reply.status_code == 302
    unit = get(app, Unit, code="X-MOI")
    assert unit.parent_id == world.district and not unit.publish_results
    entry = last_audit(app)
    assert (entry.action, entry.username, entry.role) == ("unit.create", "quantri", "admin")

    # The province may not be put under its own commune (a cycle), nor under itself.
    url = f"/admin/don-vi/{world.province}"
    province = {"code": "T-HT", "name_vi": "UBND tỉnh Hà Tĩnh", "kind": "tinh", "level": "tinh"}
    for parent in (world.commune, world.province):
        refused = submit(client, url, {**province, "parent_id": str(parent)})
        assert refused.status_code == 422
        assert "Vui lòng chọn một giá trị" in refused.text or "cấp dưới" in refused.text
    assert get(app, Unit, code="T-HT").parent_id is None

    dup = submit(client, "/admin/don-vi/them", {**UNIT, "name_vi": "Khác"})
    assert dup.status_code == 422 and "đã được dùng" in dup.text
    bad = submit(client, "/admin/don-vi/them", {**UNIT, "code": "", "kind": "lang"})
    assert bad.status_code == 422 and "Vui lòng nhập thông tin này." in bad.text

    # Opt in to the public results page.
    edit = submit(client, url, {**province, "parent_id": "", "publish_results": "y"})
    assert edit.status_code == 302 and get(app, Unit, code="T-HT").publish_results
    assert last_audit(app).detail["changes"] == {"publish_results": [False, True]}


@pytest.mark.usefixtures("admin")
def test_unit_with_responses_is_deactivated_not_deleted(app, client, world):
    url = f"/admin/don-vi/{world.commune}"
    page = client.get(url)
    assert "Xóa đơn vị" not in page.text
    refused = client.post(f"{url}/xoa", data={"csrf_token": csrf_from(page.text)})
    assert refused.status_code == 409 and "phiếu khảo sát" in refused.text
    assert get(app, Unit, code="X-TL") is not None
    client.post(f"{url}/hoat-dong", data={"csrf_token": csrf_from(page.text)})
    assert get(app, Unit, code="X-TL").active is False
    assert audit_actions(app)[-1] == "unit.deactivate"
    # A unit with nothing attached may go.
    submit(client, "/admin/don-vi/them", UNIT)
    new = get(app, Unit, code="X-MOI")
    assert client.post(f"/admin/don-vi/{new.id}/xoa",
                       data={"csrf_token": csrf_from(page.text)}).status_code == 302
    assert get(app, Unit, code="X-MOI") is None and audit_actions(app)[-1] == "unit.delete"


@pytest.mark.usefixtures("admin")
def test_spam_review_confirm_and_restore(app, client, world):
    page = client.get("/admin/kiem-duyet-phieu")
    assert "quá nhanh" in page.text and "UBND xã Tùng Lộc" in page.text
    token = csrf_from(page.text)
    first, second = world.flagged
    client.post("/admin/kiem-duyet-phieu", data={"csrf_token": token, "spam": str(first)})
    client.post("/admin/kiem-duyet-phieu", data={"csrf_token": token, "restore": str(second)})
    one, two = get(app, Response, id=first), get(app, Response, id=second)
    assert (one.status, one.status_reason) == ("excluded", "quá nhanh")
    assert (two.status, two.status_reason) == ("valid", None)
    assert audit_actions(app)[-2:] == ["response.exclude", "response.restore"]
    assert last_audit(app).detail["reason"] == "quá nhanh"
    # Decided responses are no longer in the queue; deciding again changes nothing.
    client.post("/admin/kiem-duyet-phieu", data={"csrf_token": token, "action": "spam",
                                                 "ids": [str(first), str(second)]})
    assert get(app, Response, id=second).status == "valid"
    assert "Không có phiếu nào đang chờ" in client.get("/admin/kiem-duyet-phieu").text


@pytest.mark.usefixtures("admin")
def test_comment_moderation_escapes_and_changes_status(app, client, world):
    page = client.get("/admin/binh-luan")
    assert "<script>x</script>" not in page.text and "&lt;script&gt;" in page.text
    token = csrf_from(page.text)
    a, b, c = world.comments
    client.post("/admin/binh-luan", data={"csrf_token": token, "action": "approve",
                                          "ids": [str(a), str(b)]})
    client.post("/admin/binh-luan", data={"csrf_token": token, "hide": str(c)})
    statuses = [get(app, Comment, response_id=i).status for i in (a, b, c)]
    assert statuses == ["approved", "approved", "hidden"]
    assert audit_actions(app)[-3:] == ["comment.approved", "comment.approved", "comment.hidden"]
    bad = client.post("/admin/binh-luan", data={"csrf_token": token, "action": "xoa"},
                      follow_redirects=True)
    assert "Thao tác không hợp lệ." in bad.text


NEW_USER = {"username": "canbo.xa", "full_name": "Nguyễn Văn A", "role": "unit",
            "unit_id": "", "password": "mot-mat-khau-dai", "confirm": "mot-mat-khau-dai"}


@pytest.mark.usefixtures("admin")
def test_users_create_validate_disable_token(app, client, world):
    no_unit = submit(client, "/admin/nguoi-dung/them", NEW_USER)
    assert no_unit.status_code == 422 and "cần chọn một đơn vị" in no_unit.text
    short = submit(client, "/admin/nguoi-dung/them", {**NEW_USER, "unit_id": str(world.commune),
                                                      "password": "ngan", "confirm": "ngan"})
    assert short.status_code == 422 and "từ 10 đến 200 ký tự" in short.text
    assert get(app, User, username="canbo.xa") is None
    ok = submit(client, "/admin/nguoi-dung/them", {**NEW_USER, "unit_id": str(world.commune)})
    assert ok.status_code == 302
    user = get(app, User, username="canbo.xa")
    assert user.unit_id == world.commune and user.password_hash.startswith("scrypt")

    issued = submit(client, f"/admin/nguoi-dung/{user.id}", {},
                    form_action=f"/admin/nguoi-dung/{user.id}/api-token")
    token = re.search(r'value="(sipas_[^"]+)"', issued.text).group(1)
    assert issued.headers["Cache-Control"] == "no-store"
    assert get(app, User, id=user.id).api_token_hash == hashlib.sha256(
        token.encode()).hexdigest()
    assert token not in str(last_audit(app).detail)
    submit(client, f"/admin/nguoi-dung/{user.id}", {},
           form_action=f"/admin/nguoi-dung/{user.id}/api-token/thu-hoi")
    assert get(app, User, id=user.id).api_token_hash is None

    submit(client, f"/admin/nguoi-dung/{user.id}", {},
           form_action=f"/admin/nguoi-dung/{user.id}/hoat-dong")
    assert get(app, User, id=user.id).active is False
    reset = submit(client, f"/admin/nguoi-dung/{user.id}",
                   {"password": "mat-khau-moi-123", "confirm": "khac-han-roi-123"},
                   form_action=f"/admin/nguoi-dung/{user.id}/mat-khau")
    assert reset.status_code == 422 and "không khớp" in reset.text
    assert audit_actions(app)[-4:] == ["user.create", "user.api_token_issue",
                                       "user.api_token_revoke", "user.disable"]


@pytest.mark.usefixtures("admin")
def test_admin_cannot_lock_or_demote_themself(app, client, world):
    me = f"/admin/nguoi-dung/{world.admin_id}"
    locked = submit(client, me, {}, form_action=f"{me}/hoat-dong")
    assert locked.status_code == 409 and get(app, User, id=world.admin_id).active
    demoted = submit(client, me, {"role": "analyst", "unit_id": ""})
    assert demoted.status_code == 422 and get(app, User, id=world.admin_id).role == "admin"


TARGET = {"year": "2026", "scope": "field", "scope_code": "dat-dai", "metric": "tthc",
          "value": "92,5", "source": "Kế hoạch CCHC 2026", "note": ""}


@pytest.mark.usefixtures("admin")
@pytest.mark.parametrize("change, message", [
    ({"value": "120"}, "không quá 100%"), ({"value": "0"}, "lớn hơn 0"),
    ({"value": "chín mươi"}, "phải là một số"), ({"year": "1999"}, "từ 2000 đến 2100"),
    ({"scope_code": "bay-bong"}, "mã lĩnh vực có trong hệ thống"),
    ({"scope": "overall"}, "để trống"), ({"scope": "unit_kind", "scope_code": "lang"},
                                         "một loại đơn vị"),
    ({"source": ""}, "Vui lòng nhập thông tin này."),
])
def test_target_validation(app, client, change, message):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Target.id)))
    reply = submit(client, "/admin/chi-tieu/them", {**TARGET, **change})
    assert reply.status_code == 422 and message in reply.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Target.id))) == before


@pytest.mark.usefixtures("admin")
def test_target_stored_as_share_and_unique(app, client):
    assert submit(client, "/admin/chi-tieu/them", TARGET).status_code == 302
    target = get(app, Target, year=2026, scope="field", scope_code="dat-dai", metric="tthc")
    assert target.value == pytest.approx(0.925)
    dup = submit(client, "/admin/chi-tieu/them", {**TARGET, "value": "95"})
    assert dup.status_code == 422 and "Đã có chỉ tiêu" in dup.text
    submit(client, f"/admin/chi-tieu/{target.id}", {}, form_action=f"/admin/chi-tieu/{target.id}/xoa")
    assert get(app, Target, id=target.id) is None
    assert audit_actions(app)[-2:] == ["target.create", "target.delete"]


@pytest.mark.usefixtures("admin")
def test_counter_create_and_new_slug(app, client, world):
    with app.app_context():
        iv = db.session.scalar(sa.select(InstrumentVersion).filter_by(code="sipas-2022"))
    reply = submit(client, f"/admin/quay/them?unit={world.commune}", {
        "code": "DD", "name_vi": "Quầy Đất đai", "field_id": "", "active": "y",
        "instrument_version_id": str(iv.id)})
    assert reply.status_code == 302
    counter = get(app, Counter, code="DD")
    assert len(counter.slug) >= 12
    page = client.get(f"/admin/quay/{counter.id}")
    assert f"/admin/counters/{counter.id}/poster.pdf" in page.text and counter.slug in page.text
    client.post(f"/admin/quay/{counter.id}/doi-duong-dan",
                data={"csrf_token": csrf_from(page.text)})
    assert get(app, Counter, id=counter.id).slug != counter.slug
    assert audit_actions(app)[-2:] == ["counter.create", "counter.slug_regenerate"]


@pytest.mark.usefixtures("admin")
def test_instrument_upload_retire_and_refusals(app, client, world):
    text = (FILES_DIR / "counter-2018.v1.yaml").read_text("utf-8")
    same = submit(client, "/admin/phieu-khao-sat", {},
                  files={"file": (io.BytesIO(text.encode()), "counter.yaml")}, follow=True)
    assert "đã có sẵn" in same.text
    v2 = re.sub(r"(?m)^version: 1$", "version: 2", text)
    ok = submit(client, "/admin/phieu-khao-sat", {},
                files={"file": (io.BytesIO(v2.encode()), "counter.v2.yaml")})
    assert ok.status_code == 302 and audit_actions(app)[-1] == "instrument.publish"
    broken = submit(client, "/admin/phieu-khao-sat", {},
                    files={"file": (io.BytesIO(b"code: [unclosed"), "x.yaml")})
    assert broken.status_code == 422 and "Phiếu không hợp lệ" in broken.text
    edited = text.replace("Rất hài lòng", "Rất vui", 1)
    assert edited != text
    refused = submit(client, "/admin/phieu-khao-sat", {},
                     files={"file": (io.BytesIO(edited.encode()), "x.yaml")})
    assert refused.status_code == 422 and "đã được công bố với nội dung khác" in refused.text
    in_use = get(app, InstrumentVersion, code="counter-2018", version=1)
    busy = submit(client, "/admin/phieu-khao-sat", {},
                  form_action=f"/admin/phieu-khao-sat/{in_use.id}/trang-thai")
    assert busy.status_code == 409 and "đang dùng" in busy.text
    new = get(app, InstrumentVersion, code="counter-2018", version=2)
    submit(client, "/admin/phieu-khao-sat", {}, form_action=f"/admin/phieu-khao-sat/{new.id}/trang-thai")
    assert get(app, InstrumentVersion, id=new.id).status == "retired"
    form = client.get(f"/admin/quay/them?unit={world.commune}").text
    assert "(counter-2018@v2)" not in form and "(counter-2018@v1)" in form


@pytest.mark.usefixtures("admin")
def test_audit_viewer_filters(client):
    submit(client, "/admin/don-vi/them", UNIT)
    page = client.get("/admin/nhat-ky?action=unit.create")
    assert "unit.create" in page.text and "X-MOI" in page.text and "login</code>" not in page.text
    assert "Không có mục nào" in client.get("/admin/nhat-ky?user=ai-do").text
    assert client.get("/admin/nhat-ky?from=2020-01-01&to=2099-12-31").status_code == 200


@pytest.mark.usefixtures("admin")
def test_long_lists_page_through_keeping_their_filters(app, client):
    """More than one page of audit entries (any real deployment): the pager renders (it
    shadowed gettext `_` and was a 500) and keeps the filter, relative to this page."""
    from survey_app.services.audit import record

    with app.app_context():
        for i in range(120):
            record("volume.update", "dossier_volume", i, via="test")
        db.session.commit()
    first = client.get("/admin/nhat-ky?action=volume.update")
    assert first.status_code == 200 and "Trang 1 / 3" in first.text
    assert 'href="?action=volume.update&amp;page=2"' in first.text and "Trang sau" in first.text
    second = client.get("/admin/nhat-ky?action=volume.update&page=2")
    assert "Trang trước" in second.text and "Trang sau" in second.text
    for hostile in ("_scheme=javascript&_external=1", "_scheme=x", "_anchor=%22%3E"):
        page = client.get(f"/admin/nhat-ky?action=volume.update&{hostile}")
        assert page.status_code == 200 and "javascript:" not in page.text, hostile
