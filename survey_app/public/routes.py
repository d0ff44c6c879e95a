"""The citizen's path: landing page, survey form, submission, thank-you page."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from markupsafe import Markup

from survey_app.extensions import csrf, db, limiter
from survey_app.models import Counter, Unit
from survey_app.public import bp
from survey_app.public.forms import SurveyMetaForm
from survey_app.seed.demo_structure import PROVINCE as DEMO_PROVINCE
from survey_app.services import submission as svc
from survey_app.services.privacy import client_hash, client_key
from survey_app.services.quotas import first_time, spend
from survey_app.services.survey_tokens import issue_form_token
from survey_app.web.locale import current_locale


@bp.get("/")
def index():
    published = db.session.scalars(
        db.select(Unit).where(Unit.publish_results.is_(True), Unit.active.is_(True))
        .order_by(Unit.name_vi)
    ).all()
    # The seeded demo says on its front page that its province and data are invented.
    demo = db.session.scalar(db.select(Unit.id).where(
        Unit.code == DEMO_PROVINCE.code, Unit.admin_code == DEMO_PROVINCE.admin_code))
    return render_template("public/index.html", published_units=published,
                           demo=demo is not None)


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability for the load balancer."""
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}


def _problem(exc: svc.SubmissionError, counter: Counter | None = None):
    """A refusal as a page in the user's language, with a way forward where there is one."""
    return render_template("public/problem.html", error=exc, counter=counter), exc.status


# Blank questions as HTML per (instrument version, checksum, language). Versions never
# change once published, so the copy never goes stale; the dict stays as small as the
# number of versions times two languages.
_BLANK_QUESTIONS: dict[tuple[int, str, str], Markup] = {}


def _blank_questions(counter: Counter) -> Markup:
    iv = counter.instrument_version
    key = (iv.id, iv.checksum, current_locale())
    html = _BLANK_QUESTIONS.get(key)
    if html is None:
        html = Markup(render_template("public/_questions.html", instrument=iv.instrument,
                                      answers={}, errors={}, values={}))
        _BLANK_QUESTIONS[key] = html
    return html


def _render_form(counter: Counter, claim, meta: SurveyMetaForm, answers=None, errors=None,
                 values=None, status: int = 200):
    ask_field = svc.known_field(counter, claim) is None
    blank = not (answers or errors or values)
    page = render_template(
        "public/survey.html", counter=counter, unit=counter.unit,
        instrument=counter.instrument_version.instrument, meta=meta, claim=claim,
        fields=svc.selectable_fields() if ask_field else [], ask_field=ask_field,
        answers=answers or {}, errors=errors or {}, values=values or {},
        questions_html=_blank_questions(counter) if blank else None)
    # The page carries a one-time form token and maybe a receipt token: no cache keeps it.
    return page, status, {"Cache-Control": "no-store"}


# Receipt tokens move from the URL into the session (a signed cookie) on the first GET,
# so that access logs, browser history and proxies see only /s/<slug> (issue 11, item 16).
_RECEIPTS = "receipt_links"
_RECEIPTS_KEPT = 4  # a few counters at most: the cookie stays small


def _session_receipt(slug: str) -> str | None:
    kept = session.get(_RECEIPTS)
    return kept.get(slug) if isinstance(kept, dict) else None


def _keep_receipt(slug: str, token: str) -> None:
    kept = session.get(_RECEIPTS)
    kept = {k: v for k, v in kept.items() if k != slug} if isinstance(kept, dict) else {}
    kept[slug] = token
    session[_RECEIPTS] = dict(list(kept.items())[-_RECEIPTS_KEPT:])


def _forget_receipt(slug: str) -> None:
    kept = session.get(_RECEIPTS)
    if isinstance(kept, dict) and slug in kept:
        session[_RECEIPTS] = {k: v for k, v in kept.items() if k != slug}


@bp.get("/s/<slug>")
def survey(slug: str):
    """The form of a counter (poster QR) or of one dossier (receipt QR, ?d=<token>).

    A receipt link's token is checked, kept in the session for this counter, and the
    browser is sent to the clean URL, which shows the dossier's form from the session."""
    try:
        counter = svc.open_counter(slug)
    except svc.SubmissionError as exc:
        return _problem(exc)
    if counter.slug != slug:  # typed from a poster in other letters: to the printed one
        args = {k: v for k, v in request.args.items() if k in ("d", "lang")}
        return redirect(url_for("public.survey", slug=counter.slug, **args), code=302)
    from_link = request.args.get("d") or None
    token = from_link or _session_receipt(slug)
    try:
        claim = svc.read_claim(counter, token)
    except svc.SubmissionError as exc:
        if not from_link:  # a kept token that expired or was answered meanwhile
            _forget_receipt(slug)
        return _problem(exc, counter)
    if from_link:
        _keep_receipt(slug, from_link)
        clean = url_for("public.survey", slug=slug, lang=request.args.get("lang") or None)
        return redirect(clean, code=303), {"Cache-Control": "no-store"}
    # The token also rides in the form's body (never a URL), so a form opened in a second
    # tab stays bound to its dossier after the first one was sent and the session forgot it.
    meta = SurveyMetaForm(formdata=None, form_token=issue_form_token(counter.id), d=token or "")
    return _render_form(counter, claim, meta)


def _client_limit() -> str:
    return current_app.config["SURVEY_RATE_LIMIT_CLIENT"]


def _counter_limit() -> str:
    return current_app.config["SURVEY_RATE_LIMIT_COUNTER"]


def _raw_body_is_utf8() -> bool:
    """Werkzeug quietly keeps undecodable bytes as '%FF' text: refuse them before parsing."""
    from urllib.parse import unquote_to_bytes

    raw = request.get_data(cache=True)
    try:
        for pair in raw.split(b"&"):
            unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _spend_counter_budget(slug: str, form_token) -> None:
    """Count a submission against its counter's limit once its tokens verified, and each
    form token once: junk (bad CSRF or form token, replays) is paid for only by the
    client's own budget, so nobody can close a counter to citizens (issue 11). A citizen
    correcting a refused form sends the same token again and is not counted twice."""
    hours = float(current_app.config.get("FORM_TOKEN_HOURS", 12))
    if first_time(f"form:{form_token.nonce}", int(hours * 3600) + 60) and not spend(
            _counter_limit(), "counter", slug):
        abort(429)


@bp.post("/s/<slug>")
@csrf.exempt  # checked below, after the raw body was checked (see _raw_body_is_utf8)
@limiter.limit(_client_limit, key_func=client_key)  # every POST, junk included
def submit_survey(slug: str):
    utf8 = _raw_body_is_utf8()
    csrf.protect()  # raises CSRFError → a 400 page
    try:
        counter = svc.open_counter(slug)
    except svc.SubmissionError as exc:
        return _problem(exc)
    if not utf8:
        return _problem(svc.MalformedInput(), counter)
    form = request.form
    try:
        _spend_counter_budget(slug, svc.verified_form_token(counter, form.get("form_token", "")))
    except svc.SubmissionError as exc:
        return _problem(exc, counter)
    answers = {key[2:]: value for key, value in form.items() if key.startswith("q_")}
    req = svc.SubmissionRequest(
        counter=counter, form_token=form.get("form_token", ""), answers=answers,
        field_code=form.get("field") or None, comment=form.get("comment"),
        dossier_token=form.get("d") or _session_receipt(slug),
        honeypot=form.get("website"),
        locale=current_locale(), client_hash=client_hash())
    try:
        svc.submit(req)
    except svc.InvalidAnswers as exc:
        claim = svc.read_claim(counter, req.dossier_token) if req.dossier_token else None
        if req.dossier_token:  # the language switch of this page finds it in the session
            _keep_receipt(slug, req.dossier_token)
        meta = SurveyMetaForm(formdata=None, form_token=req.form_token,
                              d=req.dossier_token or "")
        return _render_form(counter, claim, meta, answers=answers, errors=exc.errors,
                            values={"field": req.field_code, "comment": req.comment or ""},
                            status=exc.status)
    except svc.SubmissionError as exc:
        if isinstance(exc, svc.DossierAlreadyRated | svc.AlreadyReceived):
            _forget_receipt(slug)
        return _problem(exc, counter)
    _forget_receipt(slug)
    return redirect(url_for("public.thanks", slug=slug), code=303)


@bp.get("/s/<slug>/cam-on")
def thanks(slug: str):
    """"Cảm ơn": what happens with the answers, and the unit's public results if any."""
    try:
        counter = svc.open_counter(slug)
    except svc.SubmissionError as exc:
        return _problem(exc)
    return render_template("public/thanks.html", counter=counter, unit=counter.unit)


@bp.app_errorhandler(CSRFError)
def csrf_failed(_exc: CSRFError):
    return _problem(svc.SessionExpired())
