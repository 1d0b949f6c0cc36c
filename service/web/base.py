"""What every page shares, the core's and the features' alike: the logged-in user, the login
gate, CSRF, the header's values (navigation, unread count).

The session cookie only carries `user_id`; who may see or work what is decided by
core/access.py through the domain services, exactly as for the JSON API."""
from __future__ import annotations

import hmac
import secrets
from functools import wraps

from flask import Blueprint, g, render_template, request, session
from flask_babel import gettext
from sqlalchemy import func, select

from ..core.ids import MAX_OFFSET, clamp
from ..core.models import Notification, User
from ..core.registry import REGISTRY
from ..core.roles import ROLE_LABELS
from ..errors import Unauthorized
from ..http.context import current_user, db

bp = Blueprint("web", __name__)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def is_page_request() -> bool:
    """Every path outside /api/ is a page (or a page's static file)."""
    return not request.path.startswith("/api/")


def csrf_token() -> str:
    """One random token per session, sent back in every form (synchroniser-token pattern)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf():
    """before_request for every page form, the features' included; the /api endpoints are
    bearer-token and keep no CSRF. A page's script posting a document (the process editor)
    sends the token in the `X-CSRF-Token` header instead of a form field."""
    if not is_page_request() or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        return render_template("web/error.html", status=400,
                               message=gettext("页面已过期或来源不明，请刷新页面后重试。")), 400
    return None


def web_user():
    """The logged-in user, or None for a visitor (never raises)."""
    if "sid" not in session:
        return None
    try:
        return current_user()
    except Unauthorized:
        session.pop("sid", None)
        return None


def login_required(view):
    """A visitor gets the login page itself (401), not a redirect, so a page's address
    answers the same way to everybody who may not see it."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if web_user() is None:
            return render_template("web/login.html", next=request.full_path.rstrip("?"),
                                   error=None), 401
        return view(*args, **kwargs)
    return wrapper


def layout_values():
    if g.get("database_unavailable"):
        return {"me": None, "unread_count": 0, "role_labels": ROLE_LABELS, "nav_links": []}
    user = web_user() if is_page_request() else None
    unread = 0
    if user is not None:
        unread = db().scalar(select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read.is_(False))) or 0
    return {"me": user, "unread_count": unread, "role_labels": ROLE_LABELS,
            "nav_links": sorted(REGISTRY.nav, key=lambda link: link.order)}


def chinese(message: str) -> str:
    """The domain's messages are "中文 / English"; the pages are Chinese only."""
    return message.split(" / ", 1)[0]


def page_args() -> tuple[int, int]:
    size = 20
    return clamp(request.args.get("page"), 1, 1, MAX_OFFSET // size), size


def user_name(user_id) -> str:
    user = db().get(User, user_id) if user_id else None
    return (user.display_name or user.username) if user else ""
