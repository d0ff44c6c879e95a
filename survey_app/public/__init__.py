"""Pages for citizens: the landing page, the survey form, the thank-you page."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from survey_app.public import results, routes  # noqa: E402,F401
