"""The session cookie: HttpOnly and SameSite=Lax always (config), Secure whenever the page
was served over HTTPS (also behind a proxy that says so, if the app trusts it). The API never
reads it (http/context.py: a bearer token, or 401), so under /api/ it is not even opened."""
from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface


class SessionCookie(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if request.path.startswith("/api/"):
            # Flask would build its signing serializer on every call (1.4 % of a
            # completion's CPU); a null session cannot be written, nor is a cookie sent.
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure
