"""The web UI: server-rendered pages in Chinese for every role; the text goes through
Flask-Babel catalogs (see i18n.py) so another locale can follow.

Views are thin: identity and session from talentflow.http, `@transactional` for actions, one
call into the same core or feature services as the JSON API; they only turn HTML forms into
data and results into pages. Features add their own page blueprints through the registry."""
from __future__ import annotations

from ..core.registry import REGISTRY
from . import allcases, auth, cases, i18n, notifications, tasks  # noqa: F401  (register routes)
from .base import bp, check_csrf, csrf_token, layout_values
from .errors import handle_error
from .session_cookie import SessionCookie

__all__ = ["init_app", "handle_error"]


def init_app(app) -> None:
    # Lax keeps the session cookie off cross-site POSTs, which also shields the cookie-accepting
    # API from cross-site form posts; the web forms carry a CSRF token on top.
    # (update, not setdefault: Flask's defaults already hold these keys.)
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True)
    app.session_interface = SessionCookie()
    i18n.init_app(app)
    app.before_request(check_csrf)
    app.context_processor(layout_values)
    app.add_template_global(csrf_token)  # a global, so imported macros see it too
    app.register_blueprint(bp)
    for blueprint in REGISTRY.web_blueprints:
        app.register_blueprint(blueprint)
