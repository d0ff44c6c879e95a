"""Receipt tokens stay out of URLs after the first request (issue 11, item 16): the first
GET with ?d= keeps the token in the session and redirects to the clean /s/<slug>."""

from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.services.survey_tokens import issue_receipt_token
from tests.survey_app.factories import SHORT_ANSWERS, count_responses, hidden


def _token(app, counter_id, code="HS-SESS-1"):
    with app.test_request_context():
        return issue_receipt_token(counter_id, code, "tu-phap-ho-tich", None)


def test_first_get_redirects_to_the_clean_url_and_keeps_the_language(client, world, app):
    token = _token(app, world.short_id)
    first = client.get(f"/s/{world.short_slug}?d={token}&lang=en")
    assert first.status_code == 303
    assert first.headers["Location"] == f"/s/{world.short_slug}?lang=en"
    assert "d=" not in first.headers["Location"] and token not in first.headers["Location"]
    assert first.headers["Cache-Control"] == "no-store"
    assert first.headers["Referrer-Policy"] == "same-origin"
    plain = client.get(f"/s/{world.short_slug}?d={token}")
    assert plain.headers["Location"] == f"/s/{world.short_slug}"


def test_clean_url_shows_the_dossier_form_and_submission_stores_one_response(
        client, world, app):
    token = _token(app, world.short_id)
    reply = client.get(f"/s/{world.short_slug}?d={token}", follow_redirects=True)
    urls = [r.request.url for r in reply.history] + [reply.request.url]
    assert reply.status_code == 200 and "đánh giá hồ sơ của Ông/Bà" in reply.text
    assert 'name="field"' not in reply.text  # the link carries the field
    assert reply.headers["Cache-Control"] == "no-store"
    data = {"csrf_token": hidden(reply.text, "csrf_token"),
            "form_token": hidden(reply.text, "form_token"), "website": "", **SHORT_ANSWERS}
    sent = client.post(f"/s/{world.short_slug}", data=data, follow_redirects=True)
    urls += [r.request.url for r in sent.history] + [sent.request.url]
    assert sent.status_code == 200
    assert all(token not in url and "d=" not in url for url in urls[1:]), urls
    with app.app_context():
        stored = db.session.scalars(db.select(Response)).all()
        assert len(stored) == 1 and stored[0].dossier_hash
        assert (stored[0].channel, stored[0].field.code) == ("receipt_qr", "tu-phap-ho-tich")
    # The session forgot the token: the clean URL is the counter's ordinary form again.
    again = client.get(f"/s/{world.short_slug}")
    assert again.status_code == 200 and 'name="field"' in again.text
    # The same receipt link once more: the clear 409 page, and nothing new is stored.
    visit = client.get(f"/s/{world.short_slug}?d={token}", follow_redirects=True)
    assert visit.status_code == 409 and "Hồ sơ này đã được đánh giá" in visit.text
    assert count_responses(app) == 1


def test_session_without_token_gets_the_counter_form(client, world, app):
    token = _token(app, world.short_id)
    with client.session_transaction() as sess:
        sess["receipt_links"] = {"another-counter": token}  # not this counter's
    page = client.get(f"/s/{world.short_slug}")
    assert page.status_code == 200 and 'name="field"' in page.text
    assert "đánh giá hồ sơ của Ông/Bà" not in page.text and token not in page.text
    data = {"csrf_token": hidden(page.text, "csrf_token"),
            "form_token": hidden(page.text, "form_token"), "website": "",
            "field": "dat-dai", **SHORT_ANSWERS}
    assert client.post(f"/s/{world.short_slug}", data=data).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(Response)).dossier_hash is None


def test_kept_token_answered_elsewhere_gives_409_and_is_forgotten(client, world, app):
    token = _token(app, world.short_id, code="HS-SESS-2")
    assert client.get(f"/s/{world.short_slug}?d={token}").status_code == 303
    other = app.test_client()  # the same dossier answered from another phone
    form = other.get(f"/s/{world.short_slug}?d={token}", follow_redirects=True)
    data = {"csrf_token": hidden(form.text, "csrf_token"),
            "form_token": hidden(form.text, "form_token"), "website": "", **SHORT_ANSWERS}
    assert other.post(f"/s/{world.short_slug}", data=data).status_code == 303
    late = client.get(f"/s/{world.short_slug}")
    assert late.status_code == 409 and "Hồ sơ này đã được đánh giá" in late.text
    assert 'name="field"' in client.get(f"/s/{world.short_slug}").text  # forgotten
    assert count_responses(app) == 1


def test_invalid_link_keeps_its_clear_page_and_sets_nothing(client, world, app):
    token = _token(app, world.short_id)
    page = client.get(f"/s/{world.short_slug}?d={token[:-3]}AAA")
    assert page.status_code == 400 and "Đường dẫn đánh giá không hợp lệ" in page.text
    assert 'name="field"' in client.get(f"/s/{world.short_slug}").text
