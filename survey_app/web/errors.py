"""Error pages in the user's language; a broken database is a 503, never a crash loop."""

from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: (_l("Yêu cầu không hợp lệ"),
          _l("Dữ liệu gửi lên không hợp lệ. Vui lòng quay lại và thử lại.")),
    401: (_l("Cần đăng nhập"), _l("Vui lòng đăng nhập để xem trang này.")),
    403: (_l("Không có quyền truy cập"),
          _l("Tài khoản của bạn không được phép xem trang này.")),
    404: (_l("Không tìm thấy trang"),
          _l("Địa chỉ này không tồn tại hoặc đã ngừng hoạt động. Vui lòng kiểm tra lại đường dẫn.")),
    405: (_l("Thao tác không được hỗ trợ"), _l("Trang này không hỗ trợ thao tác bạn vừa thực hiện.")),
    409: (_l("Đã ghi nhận trước đó"), _l("Yêu cầu này đã được xử lý.")),
    410: (_l("Đã hết hạn"), _l("Đường dẫn này đã hết hạn.")),
    413: (_l("Dữ liệu quá lớn"), _l("Tệp hoặc nội dung gửi lên vượt quá giới hạn cho phép.")),
    422: (_l("Dữ liệu chưa hợp lệ"), _l("Một số thông tin gửi lên chưa hợp lệ.")),
    429: (_l("Quá nhiều yêu cầu"),
          _l("Bạn đã gửi quá nhiều lần trong thời gian ngắn. Vui lòng đợi vài phút rồi thử lại.")),
    500: (_l("Lỗi hệ thống"),
          _l("Đã có lỗi xảy ra phía máy chủ. Lỗi đã được ghi lại; vui lòng thử lại sau.")),
    503: (_l("Hệ thống tạm thời gián đoạn"),
          _l("Hệ thống đang bảo trì hoặc quá tải. Câu trả lời chưa được lưu; "
             "vui lòng thử lại sau ít phút.")),
}


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    wants_json = request.accept_mimetypes.best == "application/json" or request.path.startswith(
        "/api/"
    )
    if wants_json:
        return {"error": str(title), "message": detail or str(message), "status": code}, code
    return render_template(
        "errors/error.html", code=code, title=title, message=message, detail=detail
    ), code


def _reset_session() -> None:
    """Leave the request's database session usable for drawing the error page: roll back,
    or, when the connection itself is gone, drop it (the pool reconnects later)."""
    from survey_app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - any failure here means the connection is unusable
        db.session.invalidate()


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        detail = exc.description if getattr(exc, "show_detail", False) else None
        return render_error(exc.code or 500, detail)

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError):
        # The server is down or restarting, the disk is full, the file is read-only: one
        # log line naming the cause, a 503 page, and the worker lives on to serve the
        # next request (the pool's pre-ping reconnects once the database is back).
        app.logger.error("database unavailable on %s %s: %s", request.method, request.path,
                         str(exc.orig).strip().splitlines()[0] if exc.orig else exc)
        _reset_session()
        # The page's header shows the logged-in user, and loading (or refreshing) the
        # user is a query too: it failed the same way, and a staff member got a bare 500
        # instead of this page. Draw it as for an anonymous visitor.
        g._login_user = current_app.login_manager.anonymous_user()
        body, code = render_error(503)
        return body, code, {"Retry-After": "30"}

    @app.errorhandler(Exception)
    def unexpected(_exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        # A failed flush leaves the session unusable: without the rollback, the error page
        # itself (the logged-in user's name in the header) raises and the user gets the
        # server's bare 500 instead of ours.
        _reset_session()
        return render_error(500)
