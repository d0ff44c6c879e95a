"""Staff login: Nội vụ (admin, analyst) and unit reviewers. Citizens never log in."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/dang-nhap")

from survey_app.auth import routes  # noqa: E402,F401
