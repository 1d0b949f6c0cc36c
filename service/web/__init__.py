"""The web UI: server-rendered pages in Chinese for every role (issue 4); the text goes
through Flask-Babel catalogs (see i18n.py) so another locale can follow.

Views are thin: they call the same domain services as the JSON API (service/cases.py,
inbox.py, access.py, …) and only turn HTML forms into data and results into pages."""
from __future__ import annotations

from . import i18n, views_auth, views_cases, views_misc, views_tasks  # noqa: F401  (register routes)
from .base import bp


def init_app(app) -> None:
    # Lax keeps the session cookie off cross-site POSTs, which also shields the cookie-accepting
    # API from cross-site form posts; the web forms carry a CSRF token on top.
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    i18n.init_app(app)
    app.register_blueprint(bp)
