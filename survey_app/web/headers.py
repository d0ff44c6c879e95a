"""HTTP security headers and the reverse-proxy setting.

- CSP: everything from this origin only; no inline script or style, no plugins, no
  framing (clickjacking), forms post only here.
- Referrer-Policy same-origin: a receipt link's signed token (?d=) must not travel to
  any other site in a Referer header. Not no-referrer: behind TLS, Flask-WTF refuses a
  form post whose Referer is missing (WTF_CSRF_SSL_STRICT), so with no-referrer every
  login, admin form and survey answer over HTTPS was a 400.
- HSTS only when the deployment says it is behind TLS (SIPAS_SECURE_COOKIES=1).
- Pages for logged-in staff are never cached by browsers or proxies.
- SIPAS_PROXY_COUNT=N trusts N reverse proxies' X-Forwarded-For/-Proto, so rate limits
  see the citizen's address, not nginx's (and never trusts a client-sent header
  when no proxy is declared).
"""

from __future__ import annotations

from flask import Flask, Response
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("PROXY_COUNT") or 0)  # parsed and checked in config.py
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,
                                x_host=proxies)  # type: ignore[method-assign]

    @app.after_request
    def headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and getattr(current_user, "is_authenticated", False):
            h["Cache-Control"] = "no-store"
        return response
