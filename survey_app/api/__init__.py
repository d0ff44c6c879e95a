"""JSON API: receipt links for the one-stop software (per-unit API key) and read-only
indices for staff scripts (per-user token). No cookies, so no CSRF: the blueprint is exempt."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from survey_app.api import coverage, delivery, events, indices, routes  # noqa: E402,F401
