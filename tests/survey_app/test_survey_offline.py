"""The long form's script over HTTP (issue 15): served from this origin under the CSP, its
words in both languages, and nothing of it visible or needed without JavaScript. The
behaviour itself is tested in Chromium: tests/browser/test_offline_form.py."""

from __future__ import annotations

import re

from tests.survey_app.factories import count_responses, fill_short


def test_the_script_is_our_own_static_file_under_the_csp(client, world):
    page = client.get(f"/s/{world.long_slug}")
    csp = dict(d.strip().split(" ", 1) for d in page.headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["connect-src"] == "'self'"
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/survey.js" defer>']
    with client.get("/static/survey.js") as js:
        assert js.status_code == 200 and "javascript" in js.content_type
        assert "http://" not in js.text and "https://" not in js.text  # nothing external
        assert "eval(" not in js.text and "innerHTML" not in js.text


def test_without_javascript_nothing_of_it_shows(client, world):
    """Progress and the status lines start hidden: the no-JS page is the plain form."""
    html = client.get(f"/s/{world.long_slug}").text
    for element_id in ("progress-box", "draft-status", "send-status"):
        tag = re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', html).group(0)
        assert " hidden" in tag, element_id
    assert 'id="survey" data-draft-key="' in html and 'data-keep-hours="12"' in html


def test_the_words_of_the_script_in_both_languages(client, world):
    vi = client.get(f"/s/{world.long_slug}").text
    en = client.get(f"/s/{world.long_slug}?lang=en").text
    assert 'data-template="Đã trả lời {done}/{total} câu"' in vi
    assert 'data-template="{done} of {total} questions answered"' in en
    assert "Chưa có kết nối mạng" in vi and "No connection." in en
    assert "Chưa có kết nối mạng" not in en and "Đang gửi" not in en


def test_the_draft_key_is_the_counter_not_the_dossier(client, world):
    """A receipt link's token never names the draft (it is not kept beyond the queue)."""
    html = client.get(f"/s/{world.short_slug}").text
    assert f'data-draft-key="{world.short_slug}"' in html


def test_a_resent_queue_is_counted_once_with_a_friendly_page(client, world, app):
    """What the script sends again after a lost reply: the very same body."""
    data, first = fill_short(client, world.short_slug)
    again = client.post(f"/s/{world.short_slug}", data=data)
    assert first.status_code == 303 and again.status_code == 409
    assert "Câu trả lời đã được ghi nhận" in again.text and "không cần gửi lại" in again.text
    assert 'notice-ok' in again.text  # green, not an error
    assert count_responses(app) == 1
