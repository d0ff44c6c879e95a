"""Pages for Nội vụ administrators: units, fields, counters and their posters,
instruments, targets, dossier volumes, users, spam review, comment moderation, audit log.

Every view of this blueprint is admin-only through one `before_request` guard, so a
new page cannot be forgotten: anonymous → the login page, another role → 403.
"""

from flask import Blueprint, abort, current_app
from flask_login import current_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if current_user.role != "admin":
        abort(403)
    return None


from survey_app.admin.common import page_url  # noqa: E402

bp.add_app_template_global(page_url)

from survey_app.admin import (  # noqa: E402,F401
    routes_catalogue,
    routes_counters,
    routes_home,
    routes_imports,
    routes_invitations,
    routes_posters,
    routes_review,
    routes_targets,
    routes_units,
    routes_users,
)
