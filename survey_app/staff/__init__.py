"""Pages for Nội vụ analysts and unit reviewers: the dashboard and its views (scoped)."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/bang-dieu-khien")

from survey_app.staff import routes  # noqa: E402,F401
