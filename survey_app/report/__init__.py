"""The periodic report (PDF, Vietnamese) in the shape Nội vụ files with its CCHC report."""

from flask import Blueprint

bp = Blueprint("report", __name__, url_prefix="/bao-cao")

from survey_app.report import routes  # noqa: E402,F401
