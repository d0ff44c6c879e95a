"""The OpenAPI document is valid and true: every documented parameter is exercised and every
real response (200 and errors) validates against the documented schema."""

from __future__ import annotations

import pytest

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


def _check(spec, response):
    operation = spec["paths"]["/indices"]["get"]
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
    "?period=2019-Q1",  # a period without data: empty rows
])
def test_real_responses_match_the_schema(spec, api, query):
    response = api("phantich", query)
    assert response.status_code == 200
    _check(spec, response)


@pytest.mark.parametrize("username, query, status", [
    ("phantich", "?level=nope", 400),
    (None, "", 401),
    ("xuanan", "?unit=X-BI", 404),
])
def test_error_responses_match_the_schema(spec, api, username, query, status):
    response = api(username, query)
    assert response.status_code == status
    _check(spec, response)
