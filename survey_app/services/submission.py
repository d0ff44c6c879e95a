"""The one submission service: every response, from the web form or an API, goes through here.

Keeping the rules in one place is what makes "every honest answer counts exactly once"
checkable: validation against the counter's instrument, the dedupe keys (one-time form
token, dossier), the spam flags, and the single transaction that writes a response with
its answers and comment (or nothing at all).

Views turn the typed errors below into 4xx pages (or JSON) in the user's language; each
error carries its HTTP status, a title and a message as lazy translations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from instruments import Instrument, Question
from survey_app.extensions import db
from survey_app.models import Answer, Comment, Counter, Field, Response, Unit
from survey_app.models.organisation import slug_key
from survey_app.services.survey_tokens import (
    DossierClaim,
    TokenExpired,
    TokenInvalid,
    read_form_token,
    read_receipt_token,
)

NOT_APPLICABLE = "na"  # the value the form and the API use for "không áp dụng"


# --- errors ---------------------------------------------------------------------------


class SubmissionError(Exception):
    """Base of the refusals; nothing has been stored when one is raised."""

    status = 400
    title = _l("Không thể ghi nhận câu trả lời")
    message = _l("Dữ liệu gửi lên không hợp lệ. Vui lòng tải lại trang và thử lại.")


class MalformedInput(SubmissionError):
    message = _l("Nội dung gửi lên có ký tự không hợp lệ. Vui lòng kiểm tra lại và gửi lại.")


class SessionExpired(SubmissionError):
    """The CSRF token is missing or stale (e.g. the form was left open for hours)."""

    title = _l("Phiên làm việc đã hết hạn")
    message = _l("Trang đã mở quá lâu hoặc trình duyệt chặn cookie. Vui lòng tải lại trang "
                 "và gửi lại câu trả lời.")


class CounterUnavailable(SubmissionError):
    status = 404
    title = _l("Không tìm thấy quầy đánh giá")
    message = _l("Mã QR hoặc đường dẫn này không còn hoạt động. Vui lòng hỏi cán bộ tại quầy "
                 "hoặc quét mã QR đang dán tại quầy.")


class FormInvalid(SubmissionError):
    title = _l("Phiếu khảo sát không hợp lệ")
    message = _l("Phiếu khảo sát này không hợp lệ. Vui lòng mở lại đường dẫn và điền lại.")


class FormExpired(SubmissionError):
    title = _l("Phiếu khảo sát đã quá hạn")
    message = _l("Phiếu đã mở quá lâu nên đã hết hạn. Vui lòng mở lại đường dẫn và điền lại.")


class LinkInvalid(SubmissionError):
    title = _l("Đường dẫn đánh giá không hợp lệ")
    message = _l("Đường dẫn trên phiếu hẹn không đúng hoặc đã bị thay đổi. Vui lòng quét lại "
                 "mã QR trên phiếu, hoặc đánh giá chung bằng mã QR dán tại quầy.")


class LinkExpired(SubmissionError):
    status = 410
    title = _l("Đường dẫn đánh giá đã hết hạn")
    message = _l("Thời hạn đánh giá hồ sơ qua phiếu hẹn này đã hết. Ông/Bà vẫn có thể đánh giá "
                 "chung sự phục vụ của quầy.")


class AlreadyReceived(SubmissionError):
    """The same form was sent twice (double tap, refresh, retry): the first one counts."""

    status = 409
    title = _l("Câu trả lời đã được ghi nhận")
    message = _l("Chúng tôi đã nhận câu trả lời của Ông/Bà từ lần gửi trước, không cần gửi lại. "
                 "Xin cảm ơn!")


class DossierAlreadyRated(SubmissionError):
    status = 409
    title = _l("Hồ sơ này đã được đánh giá")
    message = _l("Mỗi hồ sơ chỉ được đánh giá một lần và hồ sơ này đã được đánh giá. "
                 "Xin cảm ơn Ông/Bà đã quan tâm.")


class InvalidAnswers(SubmissionError):
    """Answers that break the instrument's rules; `errors` maps a question code (or
    'field', 'comment', '_form') to the message shown next to it."""

    status = 422
    title = _l("Vui lòng kiểm tra lại")
    message = _l("Một số câu trả lời chưa hợp lệ. Vui lòng xem các ô được đánh dấu.")

    def __init__(self, errors: Mapping[str, object]):
        super().__init__(", ".join(errors))
        self.errors = dict(errors)


# --- requests and results -------------------------------------------------------------


@dataclass
class SubmissionRequest:
    """What a citizen sent. Answers map a question code to "1".."9", an int, "na" or ""."""

    counter: Counter
    form_token: str
    answers: Mapping[str, object]
    field_code: str | None = None
    comment: str | None = None
    dossier_token: str | None = None
    honeypot: str | None = None
    locale: str = "vi"
    channel: str | None = None  # default: receipt_qr with a dossier token, else counter_qr
    client_hash: str | None = None
    now: datetime | None = None


@dataclass
class SubmissionResult:
    response_id: int
    status: str
    status_reason: str | None
    counter: Counter
    unit: Unit
    stored_answers: int = 0
    flags: list[str] = field(default_factory=list)


# --- look-ups shared with the GET view ---------------------------------------------------


def open_counter(slug: str) -> Counter:
    """The active counter of an active unit behind a poster slug, or CounterUnavailable.

    One query brings the counter with its unit, instrument version and field, which every
    form and submission needs: on the busiest path of the system, separate lazy loads were
    three more round trips per request (measured with bench/load_submit.py)."""
    counter = db.session.scalar(
        db.select(Counter).filter_by(slug=slug).options(
            joinedload(Counter.unit), joinedload(Counter.instrument_version),
            joinedload(Counter.field))) if slug else None
    if counter is None and slug:  # typed from a poster: another case, l for I, 0 for O
        counter = _typed_counter(slug)
    if counter is None or not counter.active or not counter.unit.active:
        raise CounterUnavailable()
    return counter


def _typed_counter(slug: str) -> Counter | None:
    """The one counter whose slug reads like `slug` (slug_key), None when none or several
    do (never a guess between two counters)."""
    if len(slug) > 32 or not (slug.isascii() and slug.replace("-", "").replace("_", "").isalnum()):
        return None
    found = db.session.scalars(db.select(Counter).where(
        slug_key(Counter.slug) == slug_key(slug)).limit(2)).all()
    return found[0] if len(found) == 1 else None


def read_claim(counter: Counter, token: str | None) -> DossierClaim | None:
    """The dossier a receipt link speaks for (None without a link); refuses a rated dossier."""
    if not token:
        return None
    try:
        claim = read_receipt_token(token, counter.id)
    except TokenExpired:
        raise LinkExpired() from None
    except TokenInvalid:
        raise LinkInvalid() from None
    if dossier_rated(counter.unit_id, claim.dossier_hash):
        raise DossierAlreadyRated()
    return claim


def verified_form_token(counter: Counter, token: str):
    """The form token of this counter, verified (signature, counter, age), or FormInvalid /
    FormExpired. The web view checks it before counting a POST against the counter's
    limit, so junk cannot use up that limit (issue 11)."""
    try:
        return read_form_token(token, counter.id)
    except TokenExpired:
        raise FormExpired() from None
    except TokenInvalid:
        raise FormInvalid() from None


def dossier_rated(unit_id: int, dossier_hash: str) -> bool:
    """Whether the unit already has a response for this dossier. Per unit: a dossier code
    is the unit's own numbering, and another unit's key must not be able to use it up."""
    return db.session.scalar(
        db.select(Response.id).filter_by(unit_id=unit_id, dossier_hash=dossier_hash)
        .limit(1)) is not None


def _offered_today():
    """Fields a respondent may pick today: switched on and valid on Viet Nam's date (an
    ended field keeps its responses but is no longer offered)."""
    today = datetime.now(timezone(timedelta(hours=7))).date()
    return (Field.active.is_(True),
            db.or_(Field.valid_from.is_(None), Field.valid_from <= today),
            db.or_(Field.valid_to.is_(None), Field.valid_to > today))


def active_field(code: str | None) -> Field | None:
    if not code:
        return None
    return db.session.scalar(db.select(Field).where(Field.code == code, *_offered_today()))


def known_field(counter: Counter, claim: DossierClaim | None) -> Field | None:
    """The field given by the receipt link, else by the counter; None means: ask."""
    return (claim and active_field(claim.field_code)) or counter.field


def _deciding_unit(claim: DossierClaim | None) -> int | None:
    """The deciding agency the link named, if that unit still exists (it was checked when
    the link was made; a unit deleted since then must not make the submission fail)."""
    if claim is None or claim.deciding_unit_id is None:
        return None
    return claim.deciding_unit_id if db.session.get(Unit, claim.deciding_unit_id) else None


def selectable_fields() -> list[Field]:
    return list(db.session.scalars(
        db.select(Field).where(*_offered_today()).order_by(Field.sort_order, Field.name_vi)))


# --- the service ----------------------------------------------------------------------


def submit(req: SubmissionRequest) -> SubmissionResult:
    """Validate, dedupe and store one response in one transaction; raise a SubmissionError."""
    counter = req.counter
    if not counter.active or not counter.unit.active:
        raise CounterUnavailable()
    _check_text(req.form_token, req.dossier_token, req.field_code, req.comment, req.honeypot,
                *(str(k) for k in req.answers), *(str(v) for v in req.answers.values()))
    form = verified_form_token(counter, req.form_token)
    claim = read_claim(counter, req.dossier_token)

    instrument: Instrument = counter.instrument_version.instrument
    errors: dict[str, object] = {}
    values = _validate_answers(instrument, req.answers, errors)
    the_field = known_field(counter, claim)
    if the_field is None:
        the_field = active_field(req.field_code)
        if the_field is None:
            errors["field"] = (_l("Vui lòng chọn lĩnh vực của thủ tục.") if not req.field_code
                               else _l("Lĩnh vực đã chọn không có trong danh sách."))
    comment = _validate_comment(instrument, req.comment, errors)
    if errors:
        raise InvalidAnswers(errors)

    # A form sent twice (double tap, retry) is refused by the unique submission key when
    # the response is written below; looking it up first would cost every submission a
    # query to save the rare duplicate some validation work.
    now = req.now or datetime.now(UTC)
    flags = _spam_flags(req, form.issued_at, now, sum(v is not None for v in values.values()))
    response = Response(
        instrument_version_id=counter.instrument_version_id,
        counter_id=counter.id,
        unit_id=counter.unit_id,
        field_id=the_field.id,
        deciding_unit_id=_deciding_unit(claim),
        procedure_code=(claim.procedure_code or None) if claim else None,
        channel=req.channel or ("receipt_qr" if claim else "counter_qr"),
        submitted_at=now,
        locale=req.locale if req.locale in ("vi", "en") else "vi",
        dossier_hash=claim.dossier_hash if claim else None,
        submission_key=form.submission_key,
        client_hash=req.client_hash,
        status="flagged" if flags else "valid",
        status_reason="; ".join(flags)[:200] if flags else None,
    )
    if comment:
        response.comment = Comment(text=comment)
    db.session.add(response)
    try:
        db.session.flush()
        # The answers go in as one multi-row INSERT without the unit of work's per-object
        # bookkeeping (half the flush time of a submission, py-spy); same transaction.
        rows = []
        for code, value in values.items():
            q = instrument.question(code)
            rows.append({"response_id": response.id, "item_code": code,
                         "element_code": q.element,
                         "item_position": instrument.item_position(code), "value": value,
                         "satisfied": q.is_satisfied(value)})
        db.session.execute(db.insert(Answer), rows)
        # Read what the caller gets before the commit expires the objects: afterwards each
        # attribute would be reloaded with a query of its own.
        result = SubmissionResult(response.id, response.status, response.status_reason,
                                  counter, counter.unit, len(values), flags)
        db.session.commit()
    except IntegrityError:
        # A concurrent request won the race for one of the unique keys: say which.
        db.session.rollback()
        if _exists(Response.submission_key == form.submission_key):
            raise AlreadyReceived() from None
        if claim and dossier_rated(counter.unit_id, claim.dossier_hash):
            raise DossierAlreadyRated() from None
        raise
    return result


def _exists(condition) -> bool:
    return db.session.scalar(db.select(Response.id).where(condition).limit(1)) is not None


def _check_text(*texts: str | None) -> None:
    """Refuse text no database should see: NUL, lone surrogates, undecodable UTF-8."""
    for text in texts:
        if text is None:
            continue
        if "\x00" in text or "\ufffd" in text:
            raise MalformedInput()
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedInput() from None


def _parse_value(q: Question, raw: object) -> tuple[bool, int | None, object | None]:
    """(answered, value, error) for one raw answer."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return False, None, None
    if isinstance(raw, str) and raw.strip().lower() == NOT_APPLICABLE:
        if not q.not_applicable:
            return False, None, _l("Câu hỏi này cần chọn một mức đánh giá.")
        return True, None, None
    if isinstance(raw, bool):
        return False, None, _l("Câu trả lời không nằm trong các lựa chọn.")
    try:
        value = int(raw.strip()) if isinstance(raw, str) else raw
    except ValueError:
        value = None
    if not isinstance(value, int) or value not in q.scale.values:
        return False, None, _l("Câu trả lời không nằm trong các lựa chọn.")
    return True, value, None


def _validate_answers(instrument: Instrument, answers: Mapping[str, object],
                      errors: dict[str, object]) -> dict[str, int | None]:
    values: dict[str, int | None] = {}
    for code in answers:
        if instrument.question(str(code)) is None:
            errors.setdefault("_form", _l("Phiếu có câu hỏi không thuộc bộ câu hỏi này."))
    for q in instrument.questions:
        answered, value, problem = _parse_value(q, answers.get(q.code))
        if problem is not None:
            errors[q.code] = problem
        elif answered:
            values[q.code] = value
        elif q.required:
            errors[q.code] = _l("Vui lòng chọn một câu trả lời cho câu hỏi này.")
    if not values and not errors:
        errors["_form"] = _l("Vui lòng trả lời ít nhất một câu hỏi.")
    return values


def _validate_comment(instrument: Instrument, text: str | None,
                      errors: dict[str, object]) -> str | None:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return None
    if instrument.comment is None:
        errors["comment"] = _l("Phiếu này không nhận góp ý bằng chữ.")
    elif len(text) > instrument.comment.max_length:
        errors["comment"] = _l("Góp ý dài quá %(max)d ký tự (hiện có %(n)d ký tự).",
                               max=instrument.comment.max_length, n=len(text))
    return text


def _spam_flags(req: SubmissionRequest, issued_at: datetime, now: datetime,
                answered: int) -> list[str]:
    """Reasons to keep a response out of the indices while keeping it for audit."""
    flags = []
    if req.honeypot and req.honeypot.strip():
        flags.append("honeypot filled")
    config = current_app.config
    minimum = max(float(config["SURVEY_MIN_SECONDS"]),
                  float(config["SURVEY_MIN_SECONDS_PER_ANSWER"]) * answered)
    elapsed = (now - issued_at).total_seconds()
    if elapsed < minimum:
        flags.append(f"too fast: {elapsed:.1f} s for {answered} answers")
    return flags
