"""The extension objects, created once here and bound to the app in create_app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from survey_app.models.base import db
from survey_app.services.privacy import client_key
from survey_app.web.migrations import LazyMigrate

migrate = LazyMigrate(render_as_batch=True, compare_type=True)  # Alembic loads on use
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
# Rate-limit keys are salted hashes of the client address, never the address itself.
limiter = Limiter(key_func=client_key, default_limits=[], strategy="moving-window")

__all__ = ["babel", "csrf", "db", "limiter", "login_manager", "migrate"]


@login_manager.user_loader
def _load_user(user_id: str):
    """The session and the remember cookie carry "id:version" (`User.get_id`); a cookie
    from before the user's last logout, password change or deactivation names an old
    version and logs no one in."""
    import hmac

    from survey_app.models import User

    number, _sep, version = user_id.partition(":")
    if not number.isdigit() or not version:
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.active or not user.session_version:
        return None
    return user if hmac.compare_digest(user.session_version, version) else None


from flask_babel import lazy_gettext as _l  # noqa: E402

login_manager.login_message = _l("Vui lòng đăng nhập để xem trang này.")
login_manager.login_message_category = "info"
