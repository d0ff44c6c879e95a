"""The citizen's form over HTTP: what the person sees, and every bad input refused with a 4xx."""

from __future__ import annotations

import re

import pytest

from survey_app.extensions import db
from survey_app.models import Counter, Response
from survey_app.services.survey_tokens import issue_receipt_token
from tests.survey_app.factories import (
    count_responses,
    count_rows,
    fill_short,
    form_of,
    hidden,
    issued_ago,
)


def receipt_query(app, counter_id, code="HS-0001", field=None, ago=0) -> str:
    with app.test_request_context():
        token = issued_ago(ago, issue_receipt_token, counter_id, code, field, None)
    return f"?d={token}"


def test_form_is_vietnamese_accessible_and_generated_from_the_instrument(client, world):
    page = client.get(f"/s/{world.short_slug}")
    html = page.text
    assert page.status_code == 200 and '<html lang="vi">' in html
    assert "UBND xã Thử Nghiệm" in html and "Đánh giá nhanh tại Bộ phận Một cửa" in html
    # One fieldset with a legend per question; radio names follow the item codes.
    assert html.count("<fieldset") == html.count("<legend>") == 9
    assert set(re.findall(r'name="q_(\w+)"', html)) == {
        "TC", "TT", "CC", "KQ", "PA", "RETURNS", "AGENCIES", "POSTED", "OVERALL"}
    # "Không áp dụng" only where the instrument allows it (KQ, PA).
    assert set(re.findall(r'name="q_(\w+)" value="na"', html)) == {"KQ", "PA"}
    assert '<select id="field" name="field"' in html  # neither counter nor link has a field
    assert '<label for="field">' in html
    # One script, our own static file (progress, draft, offline queue); no inline code.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/survey.js" defer>']
    assert "style=" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from another host


def test_form_in_english_on_one_tap(client, world):
    html = client.get(f"/s/{world.short_slug}?lang=en").text
    assert '<html lang="en">' in html
    assert "Quick rating at the one-stop counter" in html and "Not applicable" in html
    assert "Send" in html and "Thu Nghiem Commune" in html


def test_blank_questions_are_cached_per_language_and_never_carry_answers(client, world):
    """The blank questions are rendered once per instrument version and language."""
    vi = client.get(f"/s/{world.short_slug}?lang=vi").text
    en = client.get(f"/s/{world.short_slug}?lang=en").text
    vi_again = client.get(f"/s/{world.short_slug}?lang=vi").text
    assert "Không áp dụng" in vi and "Not applicable" in en and "Không áp dụng" not in en
    assert vi_again.count("<fieldset") == vi.count("<fieldset") > 0
    # A form sent back with an error shows that citizen's answers...
    _, reply = fill_short(client, world.short_slug, q_OVERALL=None)
    assert reply.status_code == 422 and 'value="5" checked' in reply.text
    # ...and the next citizen's blank form shows none of them.
    blank = client.get(f"/s/{world.short_slug}?lang=vi").text
    assert " checked" not in blank and 'class="err"' not in blank


def test_counter_with_a_field_does_not_ask_for_it(client, world):
    html = client.get(f"/s/{world.long_slug}").text
    assert 'name="field"' not in html
    assert html.count("<fieldset") == 20 + 12  # sipas-2022: 20 items and 12 questions
    for heading in ("Tiếp cận dịch vụ", "Thủ tục hành chính", "Kết quả cung ứng dịch vụ"):
        assert heading in html
    assert "<details" in html  # demographics folded away, optional


@pytest.mark.parametrize("slug_attr", ["short_slug", "long_slug"])
def test_page_weight_under_60_kb(client, world, slug_attr):
    html = client.get(f"/s/{getattr(world, slug_attr)}").data
    static = 0
    for name in ("app.css", "survey.css", "survey.js"):  # everything the page loads
        with client.get(f"/static/{name}") as reply:
            assert reply.status_code == 200
            static += len(reply.data)
    assert len(html) + static < 60_000


def test_submit_then_thank_you_with_results_link(client, world, app):
    _, reply = fill_short(client, world.short_slug)
    assert reply.status_code == 303
    thanks = client.get(reply.headers["Location"])
    assert "Cảm ơn Ông/Bà!" in thanks.text and 'href="/ket-qua/X-TEST"' in thanks.text
    assert count_rows(app) == {"Response": 1, "Answer": 9, "Comment": 1}
    with app.app_context():
        response = db.session.scalar(db.select(Response))
        assert response.client_hash and "127.0.0.1" not in response.client_hash
        assert response.locale == "vi" and response.status == "valid"


def test_thank_you_without_results_link_when_unit_does_not_publish(client, world, app):
    with app.app_context():
        db.session.get(Counter, world.short_id).unit.publish_results = False
        db.session.commit()
    _, reply = fill_short(client, world.short_slug)
    assert "/ket-qua/" not in client.get(reply.headers["Location"]).text


def test_double_tap_or_retry_stores_once_and_says_so(client, world, app):
    data, first = fill_short(client, world.short_slug)
    second = client.post(f"/s/{world.short_slug}", data=data)
    assert first.status_code == 303 and second.status_code == 409
    assert "Câu trả lời đã được ghi nhận" in second.text
    assert count_responses(app) == 1


def test_receipt_link_gives_one_response_per_dossier(client, world, app):
    query = receipt_query(app, world.short_id, field="tu-phap-ho-tich")
    form = client.get(f"/s/{world.short_slug}{query}", follow_redirects=True).text
    assert 'name="field"' not in form and "đánh giá hồ sơ của Ông/Bà" in form
    _, reply = fill_short(client, world.short_slug, query, field=None)
    assert reply.status_code == 303
    again = client.get(f"/s/{world.short_slug}{query}", follow_redirects=True)
    assert again.status_code == 409 and "Hồ sơ này đã được đánh giá" in again.text
    # A second POST through a form opened before the first was sent is refused too.
    with app.app_context():
        assert db.session.scalar(db.select(Response)).channel == "receipt_qr"
    assert count_responses(app) == 1


def test_second_open_form_of_the_same_dossier_is_refused(client, world, app):
    query = receipt_query(app, world.short_id, code="HS-TWICE")
    first = form_of(client, f"/s/{world.short_slug}{query}")
    _, reply = fill_short(client, world.short_slug, query)
    assert reply.status_code == 303
    from tests.survey_app.factories import SHORT_ANSWERS

    late = client.post(f"/s/{world.short_slug}",
                       data={**first, **SHORT_ANSWERS, "field": "dat-dai"})
    assert late.status_code == 409 and "Hồ sơ này đã được đánh giá" in late.text
    assert count_responses(app) == 1


def test_language_switch_keeps_the_receipt_token(client, world, app):
    """The switch keeps the dossier (from the session), never by putting ?d= in a URL."""
    query = receipt_query(app, world.short_id)
    html = client.get(f"/s/{world.short_slug}{query}", follow_redirects=True).text
    switch = re.search(r'href="([^"]*lang=en[^"]*)"', html).group(1).replace("&amp;", "&")
    assert query[3:] not in switch and "d=" not in switch
    english = client.get(f"/s/{world.short_slug}{switch}")
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert hidden(english.text, "d") == query[3:]  # still the dossier's form


@pytest.mark.parametrize("ago, status, text", [
    (0, 400, "Đường dẫn đánh giá không hợp lệ"),
    (31 * 86400, 410, "Đường dẫn đánh giá đã hết hạn"),
])
def test_tampered_or_expired_receipt_link_is_a_clear_page(client, world, app, ago, status, text):
    query = receipt_query(app, world.short_id, ago=ago)
    if ago == 0:
        query = query[:-3] + ("AAA" if not query.endswith("AAA") else "BBB")
    page = client.get(f"/s/{world.short_slug}{query}")
    assert page.status_code == status and text in page.text
    if status == 410:  # a way forward: the counter's general form
        assert f'href="/s/{world.short_slug}"' in page.text
    # The same token smuggled into a POST is refused as well, and nothing is stored.
    data = form_of(client, f"/s/{world.short_slug}")
    _, reply = fill_short(client, world.short_slug, d=query[3:])
    assert reply.status_code == status and data
    assert count_responses(app) == 0


def test_receipt_link_of_another_counter_is_refused(client, world, app):
    query = receipt_query(app, world.long_id)
    assert client.get(f"/s/{world.short_slug}{query}").status_code == 400


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("lang, text", [("vi", "Không tìm thấy quầy đánh giá"),
                                        ("en", "Survey counter not found")])
def test_unknown_counter(client, lang, text):
    page = client.get(f"/s/khong-co-quay-nay?lang={lang}")
    assert page.status_code == 404 and text in page.text


def test_inactive_counter_refuses_get_and_post(client, world, app):
    data = form_of(client, f"/s/{world.short_slug}")
    with app.app_context():
        db.session.get(Counter, world.short_id).active = False
        db.session.commit()
    assert client.get(f"/s/{world.short_slug}").status_code == 404
    assert client.post(f"/s/{world.short_slug}", data=data).status_code == 404
    assert count_responses(app) == 0


@pytest.mark.parametrize("csrf", [None, "wrong-token"])
def test_missing_or_wrong_csrf_token(client, world, app, csrf):
    _, reply = fill_short(client, world.short_slug, csrf_token=csrf)
    assert reply.status_code == 400 and "Phiên làm việc đã hết hạn" in reply.text
    assert count_responses(app) == 0


@pytest.mark.parametrize("override, message", [
    ({"q_TC": "7"}, "Câu trả lời không nằm trong các lựa chọn."),
    ({"q_TC": "na"}, "Câu hỏi này cần chọn một mức đánh giá."),
    ({"q_BOGUS": "3"}, "Phiếu có câu hỏi không thuộc bộ câu hỏi này."),
    ({"q_OVERALL": None}, "Vui lòng chọn một câu trả lời cho câu hỏi này."),
    ({"field": "khong-co"}, "Lĩnh vực đã chọn không có trong danh sách."),
    ({"comment": "ý" * 501}, "Góp ý dài quá 500 ký tự"),
])
def test_bad_answers_are_shown_inline_and_nothing_stored(client, world, app, override, message):
    _, reply = fill_short(client, world.short_slug, **override)
    assert reply.status_code == 422 and message in reply.text
    assert 'role="alert"' in reply.text and "Lỗi:" in reply.text
    assert 'name="q_TT" value="5" checked' in reply.text  # the citizen's answers are kept
    assert count_rows(app) == {"Response": 0, "Answer": 0, "Comment": 0}


def test_inline_messages_in_english(client, world):
    client.get("/?lang=en")
    _, reply = fill_short(client, world.short_slug, q_OVERALL=None)
    assert reply.status_code == 422 and "Please choose an answer to this question." in reply.text


def test_fixed_form_can_be_sent_after_an_error(client, world, app):
    data, reply = fill_short(client, world.short_slug, q_OVERALL=None)
    assert reply.status_code == 422
    data["q_OVERALL"] = "3"
    assert client.post(f"/s/{world.short_slug}", data=data).status_code == 303
    assert count_responses(app) == 1


@pytest.mark.parametrize("body_suffix", [b"&comment=%FF%FE", b"&comment=caf%C3", b"&comment=a%00b"])
def test_malformed_utf8_or_nul_is_refused(client, world, app, body_suffix):
    from urllib.parse import urlencode

    data, _ = fill_short(client, world.short_slug, q_OVERALL=None)  # a 422, to get fields
    data.pop("comment")
    body = urlencode(data).encode() + body_suffix
    reply = client.post(f"/s/{world.short_slug}", data=body,
                        content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 400 and "ký tự không hợp lệ" in reply.text
    assert count_responses(app) == 0


def test_flood_beyond_the_client_limit_gets_429(client, world, app):
    app.config["SURVEY_RATE_LIMIT_CLIENT"] = "3 per minute"
    statuses = [fill_short(client, world.short_slug)[1].status_code for _ in range(5)]
    assert statuses == [303, 303, 303, 429, 429]
    last = fill_short(client, world.short_slug)[1]
    assert "Quá nhiều yêu cầu" in last.text
    assert count_responses(app) == 3


def test_flood_on_one_counter_is_limited_across_clients(app, world):
    app.config["SURVEY_RATE_LIMIT_COUNTER"] = "2 per minute"
    statuses = []
    for i in range(3):
        client = app.test_client()
        _, reply = fill_short(client, world.short_slug, q_TC=str(1 + i))
        statuses.append(reply.status_code)
    assert statuses == [303, 303, 429]
    # The limit is per counter: the other counter still takes answers.
    client = app.test_client()
    data = form_of(client, f"/s/{world.long_slug}")
    assert client.post(f"/s/{world.long_slug}", data={**data, "q_OVERALL": "4"}).status_code == 303
    assert count_responses(app) == 3


def test_rate_limit_works_with_a_shared_redis_store(tmp_path):
    """Several workers share counters through Redis (RATELIMIT_STORAGE_URI=redis://…)."""
    import os
    import uuid

    redis = pytest.importorskip("redis")
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"SKIPPED (no Redis at {url}): {exc}")
    from tests.conftest import create_schema_and_reference_data, make_app
    from tests.survey_app.factories import make_world

    app = make_app(f"sqlite:///{tmp_path / 'r.sqlite3'}", RATELIMIT_STORAGE_URI=url,
                   RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    create_schema_and_reference_data(app)
    world = make_world(app)
    app.config["SURVEY_RATE_LIMIT_CLIENT"] = "2 per minute"
    client = app.test_client()
    statuses = [fill_short(client, world.short_slug)[1].status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    assert count_responses(app) == 2
    with app.app_context():
        db.engine.dispose()
