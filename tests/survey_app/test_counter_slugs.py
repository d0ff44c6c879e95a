"""Counter slugs are typed from posters: new ones use an alphabet with no look-alikes
(no i/l/1, o/0, no capitals), and a slug typed in another case or with l for I still
opens its counter, old mixed-case slugs included, unless two counters would match."""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Counter
from survey_app.models.organisation import SLUG_ALPHABET, new_slug, slug_key
from tests.factories import make_world


def _set_slug(app, counter_id: int, slug: str) -> None:
    with app.app_context():
        db.session.get(Counter, counter_id).slug = slug
        db.session.commit()


def test_new_slugs_have_no_look_alikes():
    assert not set("il1o0IO") & set(SLUG_ALPHABET)
    assert SLUG_ALPHABET.islower()
    slugs = {new_slug() for _ in range(2000)}
    assert len(slugs) == 2000  # unguessable, so never twice in a small sample
    assert all(re.fullmatch(f"[{SLUG_ALPHABET}]{{14}}", s) for s in slugs)
    assert all(slug_key(s) == s for s in slugs)  # a new slug is its own key


def test_created_counters_get_the_new_alphabet(any_app):
    world = make_world(any_app)
    assert re.fullmatch(f"[{SLUG_ALPHABET}]{{14}}", world.short_slug)


def test_old_slug_typed_otherwise_opens_its_counter(any_app):
    world = make_world(any_app)
    _set_slug(any_app, world.short_id, "Ab-IlO0_x9Kq")  # a token_urlsafe slug of old
    client = any_app.test_client()
    assert client.get("/s/Ab-IlO0_x9Kq").status_code == 200  # as printed
    for typed in ("ab-ilo0_x9kq", "AB-ILO0_X9KQ", "ab-1lo0_x9kq", "Ab-lIOO_x9Kq", "ab-ii00_x9kq"):
        reply = client.get(f"/s/{typed}?lang=en")
        assert reply.status_code == 302, typed
        assert reply.headers["Location"] == "/s/Ab-IlO0_x9Kq?lang=en"
    assert client.get("/s/ab-ilo0_x9kz").status_code == 404  # one letter off is another slug


def test_new_slug_typed_in_capitals_opens_its_counter(any_app):
    world = make_world(any_app)
    reply = any_app.test_client().get(f"/s/{world.short_slug.upper()}")
    assert reply.status_code == 302 and reply.headers["Location"] == f"/s/{world.short_slug}"


def test_receipt_link_keeps_its_token_through_the_typed_slug(any_app):
    from survey_app.services.survey_tokens import issue_receipt_token

    world = make_world(any_app)
    with any_app.test_request_context():
        token = issue_receipt_token(world.short_id, "000.00.17.H01-250101-0042", "dat-dai")
    reply = any_app.test_client().get(f"/s/{world.short_slug.upper()}?d={token}")
    assert reply.status_code == 302
    assert reply.headers["Location"] == f"/s/{world.short_slug}?d={token}"


def test_two_counters_that_read_alike_are_never_guessed(any_app):
    world = make_world(any_app)
    _set_slug(any_app, world.short_id, "Qwerty-I-2345")
    _set_slug(any_app, world.long_id, "qwerty-l-2345")
    client = any_app.test_client()
    assert client.get("/s/Qwerty-I-2345").status_code == 200  # each as printed
    assert client.get("/s/qwerty-l-2345").status_code == 200
    page = client.get("/s/QWERTY-1-2345")  # could be either: a 404, as for any unknown slug
    assert page.status_code == 404 and "Không tìm thấy" in page.text
    with any_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Counter).where(
            slug_key(Counter.slug) == slug_key("QWERTY-1-2345"))) == 2


def test_odd_typed_slugs_are_a_plain_404(any_app):
    make_world(any_app)
    client = any_app.test_client()
    for typed in ("%C3%A9t%C3%A9", "a" * 40, "x'or'1'='1", "٢٠٢٦abcdefgh"):
        assert client.get(f"/s/{typed}").status_code == 404
