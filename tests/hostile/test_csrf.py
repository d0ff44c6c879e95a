"""CSRF on every state change, enumerated from the app's URL map.

Every rule that accepts POST, PUT, PATCH or DELETE is sent, by a logged-in admin,
plausible form data without a CSRF token, with a wrong one and with another session's
token: the answer is 400 and nothing stored changes. A new route is covered the day it
is added; a new exemption fails `test_the_only_exemptions_are_the_expected_ones`.
"""

from __future__ import annotations

import re

import pytest

from survey_app.extensions import csrf
from tests.conftest import StaffAuth, add_user, csrf_from
from tests.hostile.conftest import table_rows
from tests.survey_app.admin.conftest import PASSWORD, build_world
from tests.survey_app.factories import SHORT_ANSWERS, form_of, make_world

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# The JSON API authenticates every request with a key in a header and sets no cookie,
# so a forged cross-site request has nothing to ride on: exempt by design.
TOKEN_AUTHENTICATED = {"api.receipt_link", "api.dossier_event", "api.delivery_report"}
# Exempt from Flask-WTF's automatic check only so that the view can look at the raw body
# first; it calls csrf.protect() itself (survey_app/public/routes.py).
CHECKED_IN_VIEW = {"public.submit_survey"}
# Every field name a form of the app posts, with a plausible value: without the token,
# nothing else about the request should be wrong.
FORM = {"code": "X-CSRF", "name_vi": "Giả mạo", "name_en": "Forged", "kind": "xa",
        "level": "xa", "parent_id": "", "publish_results": "y", "username": "gia-mao",
        "full_name": "Giả Mạo", "role": "admin", "unit_id": "", "password": "mat-khau-gia-mao",
        "confirm": "mat-khau-gia-mao", "year": "2026", "scope": "overall", "metric": "sipas",
        "value": "99", "source": "Giả mạo", "sort_order": "1", "active": "y",
        "field_id": "", "instrument_version_id": "1", "action": "approve", "ids": "1",
        "spam": "1", "restore": "1", "approve": "1", "hide": "1", "token": "x",
        "fingerprint": "x", "field": "dat-dai", "comment": "Giả mạo", **SHORT_ANSWERS}


def state_changing_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.methods & STATE_CHANGING),
                  key=lambda r: (r.rule, r.endpoint))


def exempt_endpoints(app) -> set[str]:
    out = set()
    for endpoint, view in app.view_functions.items():
        blueprint = app.blueprints.get(endpoint.rpartition(".")[0])
        if blueprint in csrf._exempt_blueprints or \
                f"{view.__module__}.{view.__name__}" in csrf._exempt_views:
            out.add(endpoint)
    return out


def test_the_only_exemptions_are_the_expected_ones(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) and app.config.get("WTF_CSRF_CHECK_DEFAULT",
                                                                        True)
    changing = {r.endpoint for r in state_changing_rules(app)}
    assert len(changing) >= 25  # the enumeration sees the app's forms, not nothing
    assert exempt_endpoints(app) & changing == TOKEN_AUTHENTICATED | CHECKED_IN_VIEW


@pytest.fixture
def sessions(app):
    """An admin's client, and another admin's CSRF token (valid, but not for this session)."""
    build_world(app)
    survey = make_world(app)
    add_user(app, "quantri2", "admin", password=PASSWORD)
    client, other = app.test_client(), app.test_client()
    assert StaffAuth(client).login("quantri", PASSWORD).status_code == 302
    assert StaffAuth(other).login("quantri2", PASSWORD).status_code == 302
    return client, csrf_from(other.get("/admin/don-vi/them").text), survey


def sample_path(rule, survey) -> str:
    samples = {"slug": survey.short_slug, "code": "X-TL"}

    def value(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if converter == "int":
            return "1"
        if rule.endpoint.startswith("admin.import"):
            return "don-vi"
        return samples.get(name, "x")
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", value, rule.rule)


def test_every_state_change_needs_this_sessions_csrf_token(app, sessions):
    client, foreign_token, survey = sessions
    app.config["DELIVERY_REPORT_KEY"] = "csrf-test-delivery-key"  # else that route is a 404
    survey_form = form_of(client, f"/s/{survey.short_slug}")  # a genuine one-time token
    before = table_rows(app)
    tried = []
    for rule in state_changing_rules(app):
        path = sample_path(rule, survey)
        for method in sorted(rule.methods & STATE_CHANGING):
            for token in (None, "sai-ma", foreign_token):
                data = {**FORM, "form_token": survey_form["form_token"],
                        **({"csrf_token": token} if token else {})}
                reply = client.open(path, method=method, data=data)
                expected = 401 if rule.endpoint in TOKEN_AUTHENTICATED else 400
                assert reply.status_code == expected, (method, path, token, reply.status_code)
                tried.append(rule.endpoint)
    assert set(tried) >= {"auth.login", "auth.logout", "public.submit_survey",
                          "admin.unit_delete", "admin.import_confirm", "api.receipt_link"}
    assert table_rows(app) == before  # the login's audit entries came before `before`
    # The same admin, with this session's token, does get through (the test is live).
    page = client.get("/admin/linh-vuc/them")
    reply = client.post("/admin/linh-vuc/them", data={**FORM, "code": "csrf-ok",
                                                     "csrf_token": csrf_from(page.text)})
    assert reply.status_code == 302


def test_anonymous_posts_need_a_token_too(app):
    survey = make_world(app)
    client = app.test_client()
    data = {**form_of(client, f"/s/{survey.short_slug}"), **SHORT_ANSWERS, "field": "dat-dai"}
    del data["csrf_token"]
    before = table_rows(app)
    assert client.post(f"/s/{survey.short_slug}", data=data).status_code == 400
    assert client.post("/dang-nhap", data={"username": "x", "password": "y" * 12}
                       ).status_code == 400
    assert table_rows(app) == before
