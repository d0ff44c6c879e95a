"""QR codes that really scan: posters and receipts decoded with zxing-cpp, then followed."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from urllib.parse import urlsplit

import pytest
from PIL import Image

from survey_app.extensions import db
from survey_app.models import Counter, Unit, User

zxingcpp = pytest.importorskip("zxingcpp")


def decode(image: Image.Image) -> str:
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, "expected exactly one QR code in the image"
    return found[0].text


def follow(client, url: str):
    """GET a decoded URL against the test app (the printed host is the public one)."""
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "localhost"  # PUBLIC_BASE_URL in tests
    return client.get(parts.path + ("?" + parts.query if parts.query else ""))


@pytest.fixture
def admin_client(app, world):  # noqa: ARG001 - the world's unit and counters
    from flask_login import FlaskLoginClient

    app.test_client_class = FlaskLoginClient
    with app.app_context():
        admin = User(username="admin", role="admin", password_hash="x")
        db.session.add(admin)
        db.session.commit()
        yield app.test_client(user=admin)


def _pdf_pages_as_images(pdf: bytes, tmp_path) -> list[Image.Image]:
    if shutil.which("pdftoppm") is None:
        pytest.skip("SKIPPED: pdftoppm (poppler-utils) is not installed")
    (tmp_path / "poster.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "110", "-png", str(tmp_path / "poster.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    return [Image.open(p) for p in sorted(tmp_path.glob("page*.png"))]


@pytest.mark.parametrize("size", ["A5", "A4"])
def test_poster_pdf_qr_scans_to_the_counters_form(admin_client, client, world, tmp_path, size):
    reply = admin_client.get(f"/admin/counters/{world.long_id}/poster.pdf?size={size}")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf"
    assert reply.data.startswith(b"%PDF") and b"DejaVu" in reply.data  # font embedded
    pages = _pdf_pages_as_images(reply.data, tmp_path)
    assert len(pages) == 1
    url = decode(pages[0])
    assert url == f"http://localhost/s/{world.long_slug}"
    form = follow(client, url)
    assert form.status_code == 200 and "Quầy Đất đai" in form.text and "UBND xã Thử Nghiệm" in form.text


def test_poster_text_has_link_typed_out_and_verification_code(admin_client, app, world, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("SKIPPED: pdftotext (poppler-utils) is not installed")
    reply = admin_client.get(f"/admin/counters/{world.short_id}/poster.pdf")
    (tmp_path / "p.pdf").write_bytes(reply.data)
    text = subprocess.run(["pdftotext", str(tmp_path / "p.pdf"), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    with app.app_context():
        counter = db.session.get(Counter, world.short_id)
        verify = counter.verify_code
    assert f"http://localhost/s/{world.short_slug}" in text
    assert verify in text and "Mã xác thực quầy" in text
    assert "UBND XÃ THỬ NGHIỆM" in text and "Quét mã để đánh giá" in text


def test_png_and_svg_qr_downloads(admin_client, client, world):
    png = admin_client.get(f"/admin/counters/{world.short_id}/qr.png")
    assert png.mimetype == "image/png"
    url = decode(Image.open(io.BytesIO(png.data)))
    assert "Đánh giá nhanh" in follow(client, url).text
    svg = admin_client.get(f"/admin/counters/{world.short_id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data and b"<path" in svg.data


@pytest.mark.usefixtures("world")
def test_unit_poster_pack_zip(admin_client):
    reply = admin_client.get("/admin/units/X-TEST/posters.zip?size=A4")
    assert reply.status_code == 200 and reply.mimetype == "application/zip"
    names = set(zipfile.ZipFile(io.BytesIO(reply.data)).namelist())
    assert names == {f"X-TEST_{c}.{ext}" for c in ("MC", "DD") for ext in ("pdf", "png", "svg")}
    assert admin_client.get("/admin/units/NOPE/posters.zip").status_code == 404
    assert admin_client.get("/admin/units/X-TEST/posters.zip?size=B5").status_code == 400


def test_poster_downloads_need_an_admin(app, client, world):
    anonymous = client.get(f"/admin/counters/{world.short_id}/poster.pdf")
    assert anonymous.status_code == 302 and "/dang-nhap?next=" in anonymous.headers["Location"]
    from flask_login import FlaskLoginClient

    app.test_client_class = FlaskLoginClient
    with app.app_context():
        unit = db.session.get(Unit, world.unit_id)
        reviewer = User(username="xa", role="unit", unit=unit, password_hash="x")
        db.session.add(reviewer)
        db.session.commit()
        other = app.test_client(user=reviewer)
        assert other.get(f"/admin/counters/{world.short_id}/poster.pdf").status_code == 403
        assert other.get("/admin/units/X-TEST/posters.zip").status_code == 403


def test_cli_writes_posters_of_a_unit_and_of_one_counter(app, world, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["posters", "--unit", "X-TEST", "--out", str(tmp_path / "all")])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "all").iterdir())) == 6
    result = runner.invoke(args=["posters", "--unit", "X-TEST", "--counter", "DD", "--size", "A4",
                                 "--out", str(tmp_path / "one")])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert files == ["X-TEST_DD.pdf", "X-TEST_DD.png", "X-TEST_DD.svg"]
    url = decode(Image.open(tmp_path / "one" / "X-TEST_DD.png"))
    assert url.endswith(f"/s/{world.long_slug}")
    result = runner.invoke(args=["posters", "--unit", "X-TEST", "--zip", "--out", str(tmp_path / "z")])
    assert result.exit_code == 0 and (tmp_path / "z" / "X-TEST_posters.zip").exists()
    result = runner.invoke(args=["posters", "--unit", "NOPE", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "no unit" in result.output


@pytest.mark.usefixtures("world")
def test_cli_without_a_public_address_says_what_to_set(app, tmp_path):
    app.config["PUBLIC_BASE_URL"] = None
    result = app.test_cli_runner().invoke(
        args=["posters", "--unit", "X-TEST", "--out", str(tmp_path)])
    assert result.exit_code != 0 and "SIPAS_PUBLIC_BASE_URL" in result.output
