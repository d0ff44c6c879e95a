"""`flask try-receipt-link` (printed by `python3 dev.py demo`): a working receipt link for
an invented dossier on any seeded database, and where the unit's API key is issued."""

from __future__ import annotations

import re

from survey_app.extensions import db
from survey_app.models import ReceiptLinkCount
from tests.factories import make_world


def test_prints_a_link_that_opens_the_dossiers_form(any_app):
    world = make_world(any_app)
    result = any_app.test_cli_runner().invoke(args=["try-receipt-link", "--base-url",
                                                    "http://demo.example:5000"])
    assert result.exit_code == 0, result.output
    url = re.search(r"http://demo\.example:5000(/s/\S+\?d=\S+)", result.output).group(1)
    assert f"/admin/don-vi/{world.unit_id}" in result.output
    assert "api-key issue --unit X-TEST" in result.output
    client = any_app.test_client()
    reply = client.get(url)
    assert reply.status_code == 303  # the token goes to the session, then the clean URL
    form = client.get(reply.headers["Location"])
    assert form.status_code == 200 and 'name="d"' in form.text
    with any_app.app_context():  # counted like any link the unit hands out
        assert db.session.scalar(db.select(db.func.sum(ReceiptLinkCount.issued))) == 1
    # a second run gives another dossier, so the demo can be tried again
    again = any_app.test_cli_runner().invoke(args=["try-receipt-link", "--base-url",
                                                   "http://demo.example:5000"])
    assert re.search(r"DEMO-\d{8}-\d{6}", again.output).group(0) != re.search(
        r"DEMO-\d{8}-\d{6}", result.output).group(0)


def test_without_counters_it_says_what_to_do(app):
    result = app.test_cli_runner().invoke(args=["try-receipt-link"])
    assert result.exit_code != 0 and "seed-demo" in result.output


def test_unknown_unit_is_refused(app):
    make_world(app)
    result = app.test_cli_runner().invoke(args=["try-receipt-link", "--unit", "NOPE"])
    assert result.exit_code != 0 and "NOPE" in result.output
