"""Poster and QR downloads of counters, one counter or a whole unit at a time."""

from __future__ import annotations

from flask import Response, abort, request

from survey_app.admin import bp
from survey_app.extensions import db
from survey_app.models import Counter, Unit
from survey_app.services.posters import SIZES, poster_filename, poster_pdf, unit_posters_zip
from survey_app.services.qr import counter_url, qr_png, qr_svg
from survey_app.web.roles import role_required


def _counter(counter_id: int) -> Counter:
    counter = db.session.get(Counter, counter_id)
    if counter is None:
        abort(404)
    return counter


def _size() -> str:
    size = request.args.get("size", "A5").upper()
    if size not in SIZES:
        abort(400)
    return size


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


@bp.get("/counters/<int:counter_id>/qr.png")
@role_required("admin")
def counter_qr_png(counter_id: int):
    counter = _counter(counter_id)
    return _download(qr_png(counter_url(counter)), "image/png", poster_filename(counter, "png"))


@bp.get("/counters/<int:counter_id>/qr.svg")
@role_required("admin")
def counter_qr_svg(counter_id: int):
    counter = _counter(counter_id)
    return _download(qr_svg(counter_url(counter)), "image/svg+xml",
                     poster_filename(counter, "svg"))


@bp.get("/counters/<int:counter_id>/poster.pdf")
@role_required("admin")
def counter_poster(counter_id: int):
    counter = _counter(counter_id)
    return _download(poster_pdf(counter, _size()), "application/pdf",
                     poster_filename(counter, "pdf"))


@bp.get("/units/<code>/posters.zip")
@role_required("admin")
def unit_posters(code: str):
    unit = db.session.scalar(db.select(Unit).filter_by(code=code))
    if unit is None:
        abort(404)
    return _download(unit_posters_zip(unit, _size()), "application/zip",
                     f"{unit.code}_posters.zip")
