"""Vietnamese first, English complete: every staff and public page, every dashboard
figure and the periodic report PDF are rendered in both languages and searched for the
other language's words.

The Vietnamese words looked for in English output are letters only Vietnamese uses
(ă, ơ, ư, đ, ạ, ế, …) once the proper names (units, users, counters, citizens' comments)
are taken out; the English words looked for in Vietnamese output are the English
catalogue's translations of three words or more, and a list of common English words.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from survey_app.extensions import db
from survey_app.models import Comment, Counter, Field, Target, Unit, User
from tests.conftest import StaffAuth

VIETNAMESE_ONLY = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
                             "ĂÂĐÊÔƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ]")
ENGLISH_WORDS = re.compile(r"\b(the|and|with|of|for|this|not|units?|responses?|satisfaction|"
                           r"target|period|field|report|download|save|cancel|delete|edit)\b",
                           re.I)
CATALOG = "survey_app/translations/en/LC_MESSAGES/messages.po"


class _Text(HTMLParser):
    """The words a reader sees or hears: text, alt, title, aria-label, placeholder,
    option labels; not scripts, styles or the language switch (it names the other
    language on purpose)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "code") or (tag == "a" and attrs.get("hreflang")):
            self._skip += 1
        for name in ("alt", "title", "aria-label", "placeholder"):
            if attrs.get(name):
                self.parts.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "a", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def proper_names(app, admin: bool = False) -> list[str]:
    """Names that stay as they are in English: units without an English name, users,
    counters, citizens' comments, targets' legal sources; on the admin's pages, every
    name in both languages (the admin edits them: they are data, not the page's words)."""
    with app.app_context():
        names = [u.name_vi for u in db.session.scalars(sa.select(Unit))
                 if admin or not u.name_en]
        if admin:
            for model in (Unit, Field, Counter):
                for row in db.session.scalars(sa.select(model)):
                    names += [row.name_vi, row.name_en or ""]
        names += [u.full_name or "" for u in db.session.scalars(sa.select(User))]
        names += [c.name_vi for c in db.session.scalars(sa.select(Counter)) if not c.name_en]
        if admin:
            from survey_app.admin.routes_imports import KINDS
            from survey_app.models import InstrumentVersion

            for iv in db.session.scalars(sa.select(InstrumentVersion)):
                names += [iv.instrument.title.vi, iv.instrument.title.en or ""]
            # the CSV columns an import expects are codes, explained in the page's language
            names += [f"{column}:" for _kind, columns, _to in KINDS.values() for column in columns]
        names += [c.text for c in db.session.scalars(sa.select(Comment))]
        names += [t.source or "" for t in db.session.scalars(sa.select(Target))]
        names += [u.code for u in db.session.scalars(sa.select(Unit))]
    return sorted((n for n in names if n), key=len, reverse=True)


def vietnamese_left(text: str, names: list[str]) -> list[str]:
    text = " ".join(text.split())  # a figure wraps long names over lines
    for name in names:
        text = text.replace(" ".join(name.split()), " ")
    return sorted({w for w in re.findall(r"\S+", text) if VIETNAMESE_ONLY.search(w)})


def english_phrases() -> list[str]:
    with open(CATALOG, "rb") as f:
        catalog = read_po(f)
    out = []
    for m in catalog:
        text = m.string if isinstance(m.string, str) else ""
        text = re.sub(r"%\([a-z_]+\)[sd]|%%", " ", text)
        for piece in re.split(r"[.;:()“”\"]", text):
            piece = " ".join(piece.split())
            if (len(re.findall(r"\b[A-Za-z]{2,}\b", piece)) >= 3
                    and not VIETNAMESE_ONLY.search(piece)):
                out.append(piece)
    return sorted(set(out), key=len, reverse=True)


def english_left(text: str, names: list[str]) -> list[str]:
    text = " ".join(text.split())
    for name in names:
        text = text.replace(" ".join(name.split()), " ")
    found = [p for p in english_phrases() if p in text]
    found += ENGLISH_WORDS.findall(text)
    return found


def _staff_pages(app) -> dict[str, list[str]]:
    with app.app_context():
        first = {model.__name__: db.session.scalar(sa.select(sa.func.min(model.id)))
                 for model in (Unit, Counter, User, Target, Field)}
        published = db.session.scalar(sa.select(Unit.code).where(Unit.publish_results.is_(True)))
    return {
        "analyst": ["/bang-dieu-khien", "/bang-dieu-khien?ky=2026-Q2&pp=wilson"],
        "admin": ["/admin", "/admin/don-vi", f"/admin/don-vi/{first['Unit']}", "/admin/don-vi/them",
                  "/admin/quay", f"/admin/quay/{first['Counter']}", "/admin/nguoi-dung",
                  f"/admin/nguoi-dung/{first['User']}", "/admin/chi-tieu",
                  f"/admin/chi-tieu/{first['Target']}", "/admin/so-lieu-ho-so", "/admin/linh-vuc",
                  f"/admin/linh-vuc/{first['Field']}", "/admin/phieu-khao-sat",
                  "/admin/kiem-duyet-phieu", "/admin/binh-luan", "/admin/nhat-ky",
                  "/admin/nhap/don-vi", "/admin/nhap/so-lieu-ho-so"],
        "public": ["/", f"/ket-qua/{published}", "/dang-nhap"],
    }


def _client(app, lang: str, who: str):
    client = app.test_client()
    logins = {"analyst": ("phantich", "demo-analyst"), "admin": ("admin", "demo-admin")}
    if who in logins:
        assert StaffAuth(client).login(*logins[who]).status_code == 302
    client.get(f"/?lang={lang}")  # after the login, which starts a new session
    return client


def test_every_page_is_in_one_language(demo_app):
    problems = []
    for who, paths in _staff_pages(demo_app).items():
        names = proper_names(demo_app, admin=who == "admin")
        clients = {lang: _client(demo_app, lang, who) for lang in ("vi", "en")}
        for path in paths:
            pages = {lang: clients[lang].get(path) for lang in clients}
            for lang, page in pages.items():
                assert page.status_code == 200, (path, lang, page.status_code)
                assert f'<html lang="{lang}"' in page.text
            left = vietnamese_left(visible_text(pages["en"].text), names)
            if left:
                problems.append(f"{path} (en) has Vietnamese: {left[:15]}")
            left = english_left(visible_text(pages["vi"].text), names)
            if left:
                problems.append(f"{path} (vi) has English: {sorted(set(left))[:15]}")
    assert not problems, "\n".join(problems)


def test_pages_are_not_vacuous(demo_app):
    """The checks above look at real words: an English page has English, a Vietnamese
    page Vietnamese."""
    for lang, probe in (("en", ENGLISH_WORDS), ("vi", VIETNAMESE_ONLY)):
        page = _client(demo_app, lang, "analyst").get("/bang-dieu-khien?ky=2026-Q2")
        assert probe.search(visible_text(page.text))


def test_form_errors_are_in_the_users_language(demo_app):
    """WTForms' own messages are English only; ours say the same in the user's language."""
    for lang, words in (("vi", "Tối đa 200 ký tự"), ("en", "At most 200 characters")):
        client = _client(demo_app, lang, "admin")
        form = client.get("/admin/linh-vuc/them").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        page = client.post("/admin/linh-vuc/them", data={
            "csrf_token": token, "code": "x-dai", "name_vi": "a" * 201, "name_en": "b",
            "sort_order": "5"})
        assert page.status_code in (200, 400, 422) and words in page.text, visible_text(page.text)
        assert "cannot be longer" not in page.text


def _figure_texts(app, lang: str, kind: str) -> str:
    from flask_login import login_user
    from matplotlib.text import Text

    from survey_app.staff.routes import dashboard_figure

    with app.test_request_context(f"/bang-dieu-khien/hinh/{kind}.png?ky=2026-Q2&lang={lang}"):
        login_user(db.session.scalar(sa.select(User).filter_by(username="phantich")))
        fig = dashboard_figure(kind)
        assert fig is not None, kind
        return " ".join(t.get_text() for t in fig.findobj(Text) if t.get_text())


def test_every_figure_is_in_one_language(demo_app):
    from survey_app.staff.routes import FIGURE_KINDS

    names = proper_names(demo_app)
    problems = []
    for kind in FIGURE_KINDS:
        english, vietnamese = (_figure_texts(demo_app, lang, kind) for lang in ("en", "vi"))
        assert VIETNAMESE_ONLY.search(vietnamese), vietnamese
        if left := vietnamese_left(english, names):
            problems.append(f"{kind} (en) has Vietnamese: {left}")
        if left := english_left(vietnamese, names):
            problems.append(f"{kind} (vi) has English: {left}")
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_periodic_report_is_in_one_language(demo_app, tmp_path):
    names = proper_names(demo_app)
    texts = {}
    for lang in ("vi", "en"):
        reply = _client(demo_app, lang, "analyst").get("/bao-cao?ky=2026-Q2")
        assert reply.status_code == 200 and reply.mimetype == "application/pdf"
        path = tmp_path / f"report-{lang}.pdf"
        path.write_bytes(reply.data)
        texts[lang] = " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True,
                                              capture_output=True, text=True).stdout.split())
    assert "VI. FIGURES" in texts["en"] and "Reporting period:" in texts["en"]
    assert "VI. BIỂU ĐỒ" in texts["vi"] and "Kỳ báo cáo:" in texts["vi"]
    assert not vietnamese_left(texts["en"], names)
    assert not english_left(texts["vi"], names)
