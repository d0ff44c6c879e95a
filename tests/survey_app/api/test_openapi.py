"""The OpenAPI document is valid and true: every documented parameter is exercised and every
real response (200 and errors) validates against the documented schema."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.api.openapi import LEVELS, PARAMETERS

PERIOD = "2026-Q2"


@pytest.fixture
def spec(demo_app):
    response = demo_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


TYPES = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float),
         "boolean": bool, "null": type(None)}


def conforms(value, schema: dict, spec: dict, path: str = "$") -> None:
    """The subset of JSON Schema the document uses (type, enum, required, properties,
    additionalProperties, items, minimum, $ref), so this test needs no extra package."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return conforms(value, spec["components"]["schemas"][name], spec, path)
    types = schema.get("type")
    if types:
        types = [types] if isinstance(types, str) else types
        ok = any(isinstance(value, TYPES[t]) and not (t in ("integer", "number")
                                                       and isinstance(value, bool))
                 for t in types)
        assert ok, f"{path}: {value!r} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if "minimum" in schema and value is not None:
        assert value >= schema["minimum"], path
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{path}: missing {key}"
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            assert set(value) <= set(props), f"{path}: undocumented {set(value) - set(props)}"
        for key, sub in props.items():
            if key in value:
                conforms(value[key], sub, spec, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            conforms(item, schema["items"], spec, f"{path}[{i}]")
    return None


def _check(spec, response, operation=("/indices", "get")):
    operation = spec["paths"][operation[0]][operation[1]]
    documented = operation["responses"][str(response.status_code)]
    conforms(response.get_json(), documented["content"]["application/json"]["schema"], spec)


def test_the_document_is_valid_openapi(spec):
    validator = pytest.importorskip("openapi_spec_validator",
                                    reason="pip install -r requirements-dev.txt")
    validator.validate(spec)


def test_every_parameter_is_documented(spec):
    documented = [p["name"] for p in spec["paths"]["/indices"]["get"]["parameters"]]
    assert documented == list(PARAMETERS)


@pytest.mark.parametrize("query", [
    f"?period={PERIOD}",
    f"?period={PERIOD}&by=unit",
    f"?period={PERIOD}&by=field&field=dat-dai",
    f"?period={PERIOD}&by=unit,field&unit=H-XH",
    *[f"?period={PERIOD}&level={level}&by=field" for level in LEVELS],
    f"?period={PERIOD}&method=wilson&by=unit",
    f"?period={PERIOD}&method=beta",
    f"?period={PERIOD}&by=unit&role=deciding",
    f"?period={PERIOD}&by=unit,field&unit=H-XH&role=receiving",
    "?period=2019-Q1",  # a period without data: empty rows
])
def test_real_responses_match_the_schema(spec, api, query):
    response = api("phantich", query)
    assert response.status_code == 200
    _check(spec, response)


@pytest.mark.parametrize("username, query, status", [
    ("phantich", "?level=nope", 400),
    ("phantich", "?role=nope", 400),
    (None, "", 401),
    ("xuanan", "?unit=X-BI", 404),
])
def test_error_responses_match_the_schema(spec, api, username, query, status):
    response = api(username, query)
    assert response.status_code == status
    _check(spec, response)


@pytest.fixture
def receipt_api(demo_app):
    """POST /receipt-links with the API key of a unit that has a counter, and a department
    valid today to name as the deciding agency."""
    from datetime import date

    from survey_app.extensions import db
    from survey_app.models import Counter, Unit
    from survey_app.services.credentials import issue_unit_key

    with demo_app.app_context():
        counter = db.session.scalar(sa.select(Counter).filter_by(active=True)
                                    .order_by(Counter.id).limit(1))
        key = issue_unit_key(counter.unit)
        db.session.add(Unit(code="S-OPENAPI", name_vi="Sở Tài chính", kind="so",
                            level="tinh", admin_code="000.00.05.H98",
                            valid_from=date(2025, 7, 1)))
        db.session.commit()
        counter_code = counter.code
    client = demo_app.test_client()

    def post(body, key_=key):
        body = {k: (counter_code if v == "<counter>" else v) for k, v in body.items()} \
            if isinstance(body, dict) else body
        return client.post("/api/v1/receipt-links", json=body,
                           headers={"Authorization": f"Bearer {key_}"} if key_ else {})
    return post


def test_receipt_request_fields_are_documented():
    from survey_app.api.openapi import RECEIPT_REQUEST

    assert set(RECEIPT_REQUEST["properties"]) == {"dossier_code", "counter", "field",
                                                  "procedure_code", "deciding_agency"}


@pytest.mark.parametrize("body, status, key", [
    ({"dossier_code": "HS-OA-1", "counter": "<counter>", "deciding_agency": "S-OPENAPI",
      "procedure_code": "1.004227", "field": "dat-dai"}, 201, True),
    ({"dossier_code": "HS-OA-2", "counter": "<counter>", "deciding_agency": "000.00.05.H98"},
     201, True),
    ({"dossier_code": "HS-OA-3", "counter": "<counter>"}, 201, True),
    ({"dossier_code": "HS-OA-4", "counter": "<counter>", "deciding_agency": "KHONG-CO"},
     422, True),
    ([1], 400, True),
    ({"dossier_code": "HS-OA-5", "counter": "<counter>"}, 401, False),
])
def test_receipt_link_responses_match_the_schema(spec, receipt_api, body, status, key):
    response = receipt_api(body) if key else receipt_api(body, key_=None)
    assert response.status_code == status, response.get_json()
    _check(spec, response, ("/receipt-links", "post"))
    if status == 201:
        named = body.get("deciding_agency")
        assert response.get_json()["deciding_agency"] == ("S-OPENAPI" if named else None)
    if status == 422:
        assert response.get_json()["field"] == "deciding_agency"
