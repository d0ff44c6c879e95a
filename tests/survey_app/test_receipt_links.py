"""Receipt links: the unit API key, the JSON API, the CLI, and the QR on the receipt."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from survey_app.extensions import db
from survey_app.models import Response, Unit
from tests.survey_app.factories import count_responses, fill_short, form_of

zxingcpp = pytest.importorskip("zxingcpp")


@pytest.fixture
def api_key(app, world):  # noqa: ARG001 - the key is for the world's unit
    result = app.test_cli_runner().invoke(args=["api-key", "issue", "--unit", "X-TEST"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[0]


def ask(client, key, **body):
    return client.post("/api/v1/receipt-links", json=body,
                       headers={"Authorization": f"Bearer {key}"} if key else {})


def test_api_key_is_stored_only_as_its_hash(app, api_key):
    import hashlib

    with app.app_context():
        unit = db.session.scalar(db.select(Unit).filter_by(code="X-TEST"))
        assert unit.api_key_hash == hashlib.sha256(api_key.encode()).hexdigest()
        assert api_key not in unit.api_key_hash


def test_api_gives_url_and_qr_that_scans_to_the_dossier_form(client, world, app, api_key):
    reply = ask(client, api_key, dossier_code="000.00.17.H01-250101-0042", counter="MC",
                field="tu-phap-ho-tich", procedure_code="1.001234")
    assert reply.status_code == 201, reply.json
    body = reply.json
    assert body["url"].startswith(f"http://localhost/s/{world.short_slug}?d=")
    assert "H01-250101-0042" not in body["url"]  # only the keyed hash travels
    qr = Image.open(io.BytesIO(base64.b64decode(body["qr_png_base64"])))
    decoded = zxingcpp.read_barcodes(qr)[0].text
    assert decoded == body["url"]
    path = decoded.removeprefix("http://localhost")
    form = client.get(path, follow_redirects=True)
    assert form.status_code == 200 and "đánh giá hồ sơ của Ông/Bà" in form.text
    assert 'name="field"' not in form.text  # the link carries the field
    _, sent = fill_short(client, world.short_slug, path.removeprefix(f"/s/{world.short_slug}"),
                         field=None)
    assert sent.status_code == 303
    with app.app_context():
        stored = db.session.scalar(db.select(Response))
        assert (stored.channel, stored.procedure_code, stored.field.code) == (
            "receipt_qr", "1.001234", "tu-phap-ho-tich")
    again = client.get(path, follow_redirects=True)
    assert again.status_code == 409 and "Hồ sơ này đã được đánh giá" in again.text
    assert count_responses(app) == 1


@pytest.mark.usefixtures("world", "api_key")
@pytest.mark.parametrize("key", [None, "sipas_wrong", "not-even-a-key"])
def test_api_refuses_missing_or_wrong_key(client, key):
    reply = ask(client, key, dossier_code="HS-1", counter="MC")
    assert reply.status_code == 401 and reply.json["status"] == 401


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("body, field", [
    ({"counter": "MC"}, "dossier_code"),
    ({"dossier_code": "HS-1", "counter": "NOPE"}, "counter"),
    ({"dossier_code": "HS-1", "counter": "MC", "field": "khong-co"}, "field"),
    ({"dossier_code": "x" * 65, "counter": "MC"}, "dossier_code"),
    ({"dossier_code": "HS\n1", "counter": "MC"}, "dossier_code"),
    ({"dossier_code": 12, "counter": "MC"}, "dossier_code"),
    ({"dossier_code": "HS-1", "counter": "MC", "procedure_code": "p" * 41}, "procedure_code"),
])
def test_api_rejects_bad_requests_with_422(client, api_key, body, field):
    reply = ask(client, api_key, **body)
    assert reply.status_code == 422 and reply.json["field"] == field


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("body", [b"\xff\xfe", b"[" * 100_000, b'{"a":' * 20_000, b"[1]"])
def test_api_rejects_non_json(client, api_key, body):
    reply = client.post("/api/v1/receipt-links", data=body,
                        headers={"Authorization": f"Bearer {api_key}"},
                        content_type="application/json")
    assert reply.status_code == 400 and reply.json["status"] == 400


@pytest.mark.usefixtures("world")
def test_rotation_retires_the_old_key(app, client, api_key):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["api-key", "issue", "--unit", "X-TEST"]).exit_code != 0
    result = runner.invoke(args=["api-key", "rotate", "--unit", "X-TEST"])
    new_key = result.stdout.strip().splitlines()[0]
    assert new_key != api_key
    assert ask(client, api_key, dossier_code="HS-1", counter="MC").status_code == 401
    assert ask(client, new_key, dossier_code="HS-1", counter="MC").status_code == 201
    assert runner.invoke(args=["api-key", "revoke", "--unit", "X-TEST"]).exit_code == 0
    assert ask(client, new_key, dossier_code="HS-1", counter="MC").status_code == 401


@pytest.mark.usefixtures("world")
def test_cli_receipt_link_and_qr_file(app, client, tmp_path):
    result = app.test_cli_runner().invoke(args=[
        "receipt-link", "--unit", "X-TEST", "--counter", "MC", "--dossier", "HS-CLI-1",
        "--qr", str(tmp_path / "r.png")])
    assert result.exit_code == 0, result.output
    url = result.stdout.strip().splitlines()[0]
    assert zxingcpp.read_barcodes(Image.open(tmp_path / "r.png"))[0].text == url
    assert client.get(url.removeprefix("http://localhost"),
                      follow_redirects=True).status_code == 200


def test_link_expiry_follows_the_configured_days(app, client, world):
    from survey_app.services.survey_tokens import issue_receipt_token
    from tests.survey_app.factories import issued_ago

    app.config["RECEIPT_LINK_DAYS"] = 2
    with app.test_request_context():
        fresh = issued_ago(1 * 86400, issue_receipt_token, world.short_id, "HS-D1")
        stale = issued_ago(3 * 86400, issue_receipt_token, world.short_id, "HS-D2")
    assert client.get(f"/s/{world.short_slug}?d={fresh}", follow_redirects=True).status_code == 200
    assert client.get(f"/s/{world.short_slug}?d={stale}").status_code == 410
    assert form_of(client, f"/s/{world.short_slug}")  # the counter still works without it


@pytest.fixture
def agencies(app, world):  # noqa: ARG001 - the world's unit must exist first
    """A department valid today (by code and by official code) and a district that ended."""
    from datetime import date

    with app.app_context():
        db.session.add_all([
            Unit(code="S-TC", name_vi="Sở Tài chính", kind="so", level="tinh",
                 admin_code="000.00.05.H99", valid_from=date(2025, 3, 1)),
            Unit(code="H-OLD", name_vi="UBND huyện Cũ", kind="huyen", level="huyen",
                 valid_to=date(2025, 7, 1)),
            Unit(code="S-OFF", name_vi="Sở đã ngừng", kind="so", level="tinh", active=False),
        ])
        db.session.commit()


@pytest.mark.parametrize("named_by", ["S-TC", "000.00.05.H99"])
@pytest.mark.usefixtures("agencies")
def test_link_carries_the_deciding_agency_into_the_stored_response(client, world, app, api_key, named_by):
    reply = ask(client, api_key, dossier_code="HS-DEC-1", counter="MC",
                deciding_agency=named_by, procedure_code="1.004227")
    assert reply.status_code == 201, reply.json
    assert reply.json["deciding_agency"] == "S-TC"
    path = reply.json["url"].removeprefix("http://localhost")
    _, sent = fill_short(client, world.short_slug, path.removeprefix(f"/s/{world.short_slug}"))
    assert sent.status_code == 303
    with app.app_context():
        stored = db.session.scalar(db.select(Response))
        assert (stored.unit.code, stored.deciding_unit.code, stored.procedure_code) == (
            "X-TEST", "S-TC", "1.004227")


def test_link_without_a_deciding_agency_stores_none(client, world, app, api_key):
    reply = ask(client, api_key, dossier_code="HS-DEC-2", counter="MC")
    assert reply.status_code == 201 and reply.json["deciding_agency"] is None
    path = reply.json["url"].removeprefix("http://localhost")
    fill_short(client, world.short_slug, path.removeprefix(f"/s/{world.short_slug}"))
    with app.app_context():
        assert db.session.scalar(db.select(Response.deciding_unit_id)) is None


@pytest.mark.parametrize("agency", ["KHONG-CO", "H-OLD", "S-OFF", "x" * 33, 7, "S\x00TC"])
@pytest.mark.usefixtures("world", "agencies")
def test_unknown_or_not_current_deciding_agency_is_refused_naming_the_field(
        client, api_key, agency):
    reply = ask(client, api_key, dossier_code="HS-DEC-3", counter="MC", deciding_agency=agency)
    assert reply.status_code == 422, reply.json
    assert reply.json["field"] == "deciding_agency" and reply.json["status"] == 422


def test_token_with_a_malformed_agency_is_invalid(app, world):
    from survey_app.services.survey_tokens import (
        RECEIPT_SALT,
        TokenInvalid,
        _serializer,
        read_receipt_token,
    )

    with app.test_request_context():
        compact = "A" * 43
        for extra in (["x"], [1.5], [True], [-1], [1, 2]):
            token = _serializer(RECEIPT_SALT).dumps([world.short_id, compact, None, None,
                                                     *extra])
            with pytest.raises(TokenInvalid):
                read_receipt_token(token, world.short_id)
        token = _serializer(RECEIPT_SALT).dumps([world.short_id, compact, None, None, 5])
        assert read_receipt_token(token, world.short_id).deciding_unit_id == 5


@pytest.mark.usefixtures("agencies")
def test_cli_receipt_link_carries_the_deciding_agency_and_procedure(app, client, world):
    result = app.test_cli_runner().invoke(args=[
        "receipt-link", "--unit", "X-TEST", "--counter", "MC", "--dossier", "HS-CLI-DEC",
        "--deciding", "000.00.05.H99", "--procedure", "1.004227"])
    assert result.exit_code == 0, result.output
    url = result.stdout.strip().splitlines()[0]
    _, sent = fill_short(client, world.short_slug,
                         url.removeprefix("http://localhost").removeprefix(f"/s/{world.short_slug}"))
    assert sent.status_code == 303
    with app.app_context():
        stored = db.session.scalar(db.select(Response))
        assert (stored.unit.code, stored.deciding_unit.code, stored.procedure_code) == (
            "X-TEST", "S-TC", "1.004227")


@pytest.mark.parametrize("agency, says", [("KHONG-CO", "unknown unit code"),
                                          ("H-OLD", "not an active unit valid today"),
                                          ("S-OFF", "not an active unit valid today")])
@pytest.mark.usefixtures("world", "agencies")
def test_cli_refuses_what_the_api_refuses(app, agency, says):
    result = app.test_cli_runner().invoke(args=[
        "receipt-link", "--unit", "X-TEST", "--counter", "MC", "--dossier", "HS-CLI-BAD",
        "--deciding", agency])
    assert result.exit_code != 0
    assert f"deciding_agency: {says}" in result.output or says in result.output
    with app.app_context():  # nothing counted against the unit's daily quota
        from survey_app.models import ReceiptLinkCount
        assert db.session.scalar(db.select(db.func.count()).select_from(ReceiptLinkCount)) == 0
