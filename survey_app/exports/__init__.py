"""Downloads for staff: index tables and anonymised responses as CSV/XLSX (scoped, audited)."""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/xuat")

from survey_app.exports import routes  # noqa: E402,F401
