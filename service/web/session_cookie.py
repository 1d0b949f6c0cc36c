"""The session cookie: HttpOnly and SameSite=Lax always (config), Secure whenever the page
was served over HTTPS (also behind a proxy that says so, if the app trusts it)."""
from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface


class SessionCookie(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure
