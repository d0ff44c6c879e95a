"""The submission service on SQLite and PostgreSQL: rules, dedupe, one transaction, flags."""

from __future__ import annotations

import threading

import pytest

from survey_app.extensions import db
from survey_app.models import Answer, Counter, Response
from survey_app.services import submission as svc
from survey_app.services.privacy import dossier_hash
from survey_app.services.survey_tokens import issue_form_token, issue_receipt_token
from tests.survey_app.factories import count_rows, issued_ago

GOOD = {"TC": "4", "TT": 5, "CC": "3", "KQ": "na", "PA": "2", "RETURNS": "1",
        "AGENCIES": "", "OVERALL": "3"}


def _request(slug, answers=None, **kw):
    counter = db.session.scalar(db.select(Counter).filter_by(slug=slug))
    kw.setdefault("field_code", "dat-dai")
    return svc.SubmissionRequest(counter=counter, form_token=kw.pop("form_token", None)
                                 or issue_form_token(counter.id),
                                 answers=GOOD if answers is None else answers, **kw)


def test_valid_response_is_stored_with_instrument_facts(any_app, any_world):
    with any_app.test_request_context():
        result = svc.submit(_request(any_world.short_slug, comment="  Tốt lắm \r\n"))
        assert result.status == "valid" and result.flags == []
        response = db.session.get(Response, result.response_id)
        assert response.channel == "counter_qr" and response.field.code == "dat-dai"
        assert response.dossier_hash is None and response.comment.text == "Tốt lắm"
        answers = {a.item_code: a for a in response.answers}
        # "" is no answer (no row); "na" is a row with NULL value and NULL satisfied.
        assert set(answers) == {"TC", "TT", "CC", "KQ", "PA", "RETURNS", "OVERALL"}
        assert (answers["TC"].element_code, answers["TC"].value, answers["TC"].satisfied) == (
            "TC", 4, True)
        assert (answers["KQ"].value, answers["KQ"].satisfied) == (None, None)
        assert answers["CC"].satisfied is False
        assert answers["RETURNS"].element_code is None and answers["RETURNS"].satisfied is None
        assert answers["OVERALL"].satisfied is True  # rating3: 2 and 3 are satisfied


def test_same_form_token_stores_once(any_app, any_world):
    with any_app.test_request_context():
        req = _request(any_world.short_slug)
        svc.submit(req)
        with pytest.raises(svc.AlreadyReceived) as caught:
            svc.submit(_request(any_world.short_slug, form_token=req.form_token))
        assert caught.value.status == 409
    assert count_rows(any_app)["Response"] == 1


def test_one_response_per_dossier_and_raw_code_never_stored(any_app, any_world):
    code = "000.00.17.H01-250101-0042"
    with any_app.test_request_context():
        counter_id = any_world.short_id
        token = issue_receipt_token(counter_id, code, "tu-phap-ho-tich", "1.001234")
        result = svc.submit(_request(any_world.short_slug, dossier_token=token,
                                     field_code=None))
        stored = db.session.get(Response, result.response_id)
        assert stored.channel == "receipt_qr" and stored.procedure_code == "1.001234"
        assert stored.field.code == "tu-phap-ho-tich"  # from the link, not asked
        assert stored.dossier_hash == dossier_hash(code) and code not in stored.dossier_hash
        # Another token for the same dossier (e.g. a reprinted receipt) cannot add a second.
        again = issue_receipt_token(counter_id, code.lower())
        with pytest.raises(svc.DossierAlreadyRated):
            svc.submit(_request(any_world.short_slug, dossier_token=again))
    assert count_rows(any_app)["Response"] == 1


def test_database_enforces_dossier_uniqueness_under_a_race(any_app, any_world):
    """Two phones submit the same dossier at once: the unique constraint keeps one."""
    with any_app.test_request_context():
        token = issue_receipt_token(any_world.short_id, "HS-RACE-1")
        forms = [issue_form_token(any_world.short_id) for _ in range(4)]
    barrier = threading.Barrier(len(forms))
    outcomes: list[str] = []

    def one(form_token: str) -> None:
        with any_app.test_request_context():
            req = _request(any_world.short_slug, dossier_token=token,
                           form_token=form_token)
            barrier.wait()
            try:
                svc.submit(req)
                outcomes.append("stored")
            except svc.DossierAlreadyRated:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(f,)) for f in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused"] * 3 + ["stored"]
    assert count_rows(any_app)["Response"] == 1


def test_database_refuses_a_second_row_with_the_same_dossier_hash(any_app, any_world):
    """Even code that skipped the service could not store a dossier twice."""
    from sqlalchemy.exc import IntegrityError

    with any_app.test_request_context():
        counter = db.session.get(Counter, any_world.short_id)
        rows = [Response(instrument_version_id=counter.instrument_version_id,
                         counter_id=counter.id, unit_id=counter.unit_id, field_id=1,
                         channel="receipt_qr", dossier_hash="a" * 64, submission_key=k * 64)
                for k in "bc"]
        db.session.add(rows[0])
        db.session.commit()
        db.session.add(rows[1])
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize("answers, field_code, comment, bad_key", [
    ({**GOOD, "TC": "6"}, "dat-dai", None, "TC"),  # outside the scale
    ({**GOOD, "TC": "0"}, "dat-dai", None, "TC"),
    ({**GOOD, "TC": "4.5"}, "dat-dai", None, "TC"),
    ({**GOOD, "TC": True}, "dat-dai", None, "TC"),
    ({**GOOD, "TC": "na"}, "dat-dai", None, "TC"),  # NA not allowed on TC
    ({**GOOD, "ZZ9": "4"}, "dat-dai", None, "_form"),  # unknown item code
    ({k: v for k, v in GOOD.items() if k != "OVERALL"}, "dat-dai", None, "OVERALL"),  # required
    ({}, "dat-dai", None, "OVERALL"),
    (GOOD, "khong-co", None, "field"),  # wrong field code
    (GOOD, None, None, "field"),  # field needed: neither counter nor link has one
    (GOOD, "dat-dai", "x" * 501, "comment"),  # counter-2018 allows 500
])
def test_invalid_answers_store_nothing(any_app, any_world, answers, field_code, comment, bad_key):
    with any_app.test_request_context():
        with pytest.raises(svc.InvalidAnswers) as caught:
            svc.submit(_request(any_world.short_slug, answers, field_code=field_code,
                                comment=comment))
        assert bad_key in caught.value.errors and caught.value.status == 422
    assert count_rows(any_app) == {"Response": 0, "Answer": 0, "Comment": 0}


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800", "\ufffd"])
def test_text_no_database_should_see_is_refused(any_app, any_world, bad):
    with any_app.test_request_context(), pytest.raises(svc.MalformedInput):
        svc.submit(_request(any_world.short_slug, comment=bad))
    assert count_rows(any_app)["Response"] == 0


def test_field_of_the_counter_wins_over_the_form(any_app, any_world):
    with any_app.test_request_context():
        answers = {"TC2": "5", "OVERALL": "4"}
        result = svc.submit(_request(any_world.long_slug, answers, field_code="y-te"))
        assert db.session.get(Response, result.response_id).field.code == "dat-dai"


def test_honeypot_and_speed_flag_but_keep(any_app, any_world):
    any_app.config.update(SURVEY_MIN_SECONDS=3, SURVEY_MIN_SECONDS_PER_ANSWER=0.5)
    with any_app.test_request_context():
        result = svc.submit(_request(any_world.short_slug, honeypot="http://spam"))
        assert result.status == "flagged"
        response = db.session.get(Response, result.response_id)
        assert "honeypot" in response.status_reason and "too fast" in response.status_reason
        assert db.session.scalar(db.select(db.func.count()).select_from(Answer)) == 7


def test_slow_enough_is_valid(any_app, any_world):
    any_app.config.update(SURVEY_MIN_SECONDS=3, SURVEY_MIN_SECONDS_PER_ANSWER=0.5)
    with any_app.test_request_context():
        token = issued_ago(60, issue_form_token, any_world.short_id)
        result = svc.submit(_request(any_world.short_slug, form_token=token))
        assert result.status == "valid"


def test_form_tokens_are_bound_to_their_counter_and_expire(any_app, any_world):
    with any_app.test_request_context():
        other = issue_form_token(any_world.long_id)
        with pytest.raises(svc.FormInvalid):
            svc.submit(_request(any_world.short_slug, form_token=other))
        with pytest.raises(svc.FormInvalid):
            svc.submit(_request(any_world.short_slug, form_token="abc.def.ghi"))
        old = issued_ago(13 * 3600, issue_form_token, any_world.short_id)
        with pytest.raises(svc.FormExpired):
            svc.submit(_request(any_world.short_slug, form_token=old))
    assert count_rows(any_app)["Response"] == 0


def test_inactive_counter_or_unit_takes_nothing(any_app, any_world):
    with any_app.test_request_context():
        req = _request(any_world.short_slug)
        req.counter.active = False
        db.session.commit()
        with pytest.raises(svc.CounterUnavailable):
            svc.submit(req)
        with pytest.raises(svc.CounterUnavailable):
            svc.open_counter(any_world.short_slug)
        req.counter.active = True
        req.counter.unit.active = False
        db.session.commit()
        with pytest.raises(svc.CounterUnavailable):
            svc.open_counter(any_world.short_slug)
    assert count_rows(any_app)["Response"] == 0
