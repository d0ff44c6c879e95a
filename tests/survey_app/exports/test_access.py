"""Authorization matrix: every export × every role × own/other unit → 200/302/403/404, and
no other unit's data in a body that is served."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Unit

EXPORTS = ["/xuat/chi-so.csv", "/xuat/chi-so.xlsx", "/xuat/phieu.csv", "/xuat/phieu.xlsx",
           "/xuat/gop-y.csv", "/xuat/tra-loi.csv"]
# Comments (free text) and row-level data are for Nội vụ only (docs/privacy.md).
ADMIN_ONLY = {"/xuat/gop-y.csv", "/xuat/tra-loi.csv", "/xuat/phieu.csv", "/xuat/phieu.xlsx"}
PERIOD = "2026-Q2"
# role → (username, own unit code or None)
ROLES = {"admin": ("admin", None), "analyst": ("phantich", None), "unit": ("xuanan", "X-AN")}


def _ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Unit.code, Unit.id)).all())


def _names(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Unit.code, Unit.name_vi)).all())


def _text(response) -> str:
    if response.mimetype.startswith("text/"):
        return response.get_data(as_text=True)
    import io

    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    return "\n".join(str(v) for s in book for row in s.iter_rows(values_only=True) for v in row)


@pytest.mark.parametrize("url", EXPORTS)
def test_anonymous_is_sent_to_login(demo_app, url):
    response = demo_app.test_client().get(f"{url}?ky={PERIOD}")
    assert response.status_code == 302 and "/dang-nhap" in response.location


@pytest.mark.parametrize("url", EXPORTS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", ["own", "other", "none"])
@pytest.mark.parametrize("vai", ["tiep-nhan", "giai-quyet"])  # receiving unit, deciding agency
def test_matrix(demo_app, login, url, role, target, vai):
    """Both attribution roles; a dossier received in one unit and decided in another is
    in tests/survey_app/test_two_roles.py."""
    username, own = ROLES[role]
    ids, names = _ids(demo_app), _names(demo_app)
    unit = {"own": own or "X-AN", "other": "X-BI", "none": None}[target]
    query = f"?ky={PERIOD}&vai={vai}" + (f"&don_vi={ids[unit]}" if unit else "")
    response = login(username).get(url + query)
    if role == "unit" and url in ADMIN_ONLY:
        assert response.status_code == 403
        return
    if role == "unit" and target == "other":
        assert response.status_code == 404
        assert names["X-BI"] not in response.get_data(as_text=True)
        return
    assert response.status_code == 200
    body = _text(response)
    shown = "X-AN" if role == "unit" else unit  # both demo communes are leaves
    if shown:
        for code, name in names.items():
            assert code == shown or name not in body, f"{name} in {url} for {role}"
        assert names[shown] in body or url in ADMIN_ONLY


def test_unknown_unit_is_the_same_404(login):
    client = login("xuanan")
    assert client.get(f"/xuat/chi-so.csv?ky={PERIOD}&don_vi=999999").status_code == 404


@pytest.mark.parametrize("query, text", [
    ("ky=2026-Q9", "Kỳ báo cáo không hợp lệ"),
    ("ky=2026-Q2&don_vi=x", "không hợp lệ"),
    ("ky=2026-Q2&linh_vuc=99999", "Lĩnh vực không tồn tại"),
    ("ky=2026-Q2&pp=magic", "Phương pháp"),
    ("ky=2026-Q2&vai=quay", "Giá trị vai không hợp lệ"),
])
@pytest.mark.parametrize("url", ["/xuat/chi-so.csv", "/xuat/phieu.xlsx"])
def test_bad_queries_are_clear_400s(login, url, query, text):
    response = login("phantich").get(f"{url}?{query}")
    assert response.status_code == 400
    assert text in response.get_data(as_text=True)


def test_unknown_format_is_404(login):
    assert login("phantich").get(f"/xuat/phieu.pdf?ky={PERIOD}").status_code == 404
