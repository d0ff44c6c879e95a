"""The periodic report (PDF, Vietnamese) in the shape Nội vụ files with its CCHC report."""

from flask import Blueprint

bp = Blueprint("periodic_report", __name__, url_prefix="/bao-cao")

from survey_app.periodic_report import routes  # noqa: E402,F401
