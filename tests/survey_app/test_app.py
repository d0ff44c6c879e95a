"""The app starts, answers, and shows errors in the user's language."""

import pytest

from survey_app import create_app
from survey_app.config import normalise_database_url


def test_home_page_is_vietnamese_by_default(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    assert "Đánh giá sự hài lòng" in page.text
    assert 'href="/dang-nhap"' in page.text  # staff find the login from the home page


def test_english_on_one_tap_and_remembered(client):
    assert '<html lang="en">' in client.get("/?lang=en").text
    page = client.get("/")
    assert '<html lang="en">' in page.text
    assert "Rate the service of public administration" in page.text
    assert '<html lang="vi">' in client.get("/?lang=vi").text


@pytest.mark.parametrize("lang, text", [("vi", "Không tìm thấy trang"), ("en", "Page not found")])
def test_404_page_in_users_language(client, lang, text):
    page = client.get(f"/khong-co-trang-nay?lang={lang}")
    assert page.status_code == 404
    assert text in page.text


def test_405_is_a_page_not_a_crash(client):
    page = client.delete("/")
    assert page.status_code == 405
    assert "Thao tác không được hỗ trợ" in page.text


def test_unexpected_error_is_500_page_in_vietnamese(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    page = app.test_client().get("/boom")
    assert page.status_code == 500
    assert "Lỗi hệ thống" in page.text
    assert "boom" not in page.text  # no internals leak


def test_failed_database_write_is_still_our_500_page(app):
    """After a failed flush the session must be rolled back before the page is drawn."""
    from survey_app.extensions import db
    from survey_app.models import Unit
    from tests.conftest import StaffAuth, add_user

    @app.get("/boom-db")
    def boom_db():
        db.session.add(Unit(code=None, name_vi=None, kind="xa", level="xa"))
        db.session.flush()

    add_user(app, "quantri", "admin")
    client = app.test_client()
    StaffAuth(client).login("quantri", "mat-khau-rat-dai")
    page = client.get("/boom-db")
    assert page.status_code == 500 and "Lỗi hệ thống" in page.text


def test_api_errors_are_json(client):
    reply = client.get("/api/khong-co", headers={"Accept": "application/json"})
    assert reply.status_code == 404
    assert reply.json["status"] == 404


def test_healthz_checks_database(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_default_database_is_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SIPAS_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    app = create_app()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///") and uri.endswith("instance/sipas.sqlite3")


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.setenv("SIPAS_ENV", "production")
    monkeypatch.delenv("SIPAS_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SIPAS_SECRET_KEY"):
        create_app()


@pytest.mark.parametrize(
    "given, used",
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgres_urls_use_psycopg3(given, used):
    assert normalise_database_url(given) == used


def test_times_are_shown_in_vietnam_time(app):
    from datetime import UTC, datetime

    with app.test_request_context():
        rendered = app.jinja_env.from_string("{{ t|localtime }}").render(
            t=datetime(2026, 3, 9, 17, 30, tzinfo=UTC))
    assert rendered == "10/03/2026 00:30"  # 17:30 UTC is past midnight in Viet Nam


def test_development_secret_is_created_once_when_processes_start_together(tmp_path):
    """A fresh checkout started by several workers at once: every one gets the same
    secret, none fails on the file another has just created (seen in CI with xdist)."""
    import threading

    from survey_app.config import _instance_secret

    start = threading.Barrier(8)
    seen, failures = [], []

    def worker():
        start.wait()
        try:
            seen.append(_instance_secret(str(tmp_path), "secret_key"))
        except Exception as exc:  # noqa: BLE001 - any exception is the failure under test
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(set(seen)) == 1 and len(seen[0]) == 64
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no draft left behind
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
