"""`role_required`: the one check of a logged-in user's role, used by every staff view of
every blueprint (staff, admin, exports, periodic_report), so it lives outside them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort, current_app
from flask_login import current_user

F = TypeVar("F", bound=Callable)

STAFF = ("admin", "analyst", "unit")  # who may read the dashboard, its exports and reports


def role_required(*roles: str) -> Callable[[F], F]:
    """Anonymous → the login page (or 401 while no login view exists); wrong role → 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                manager = current_app.login_manager  # type: ignore[attr-defined]
                if manager.login_view and manager.login_view in current_app.view_functions:
                    return manager.unauthorized()
                abort(401)
            if getattr(current_user, "role", None) not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
