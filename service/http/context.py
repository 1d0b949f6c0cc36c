"""What every HTTP view (API and pages alike) needs: the platform, the request's session and
the caller. One session, and so one transaction, per request (see transaction.py)."""
from __future__ import annotations

from flask import current_app, g, request
from flask import session as web_session

from ..core.models import User
from ..core.security import TokenSigner
from ..errors import Unauthorized


def platform():
    return current_app.extensions["talentflow"]


def db():
    """One session (and so one transaction) per request; closed at teardown."""
    if "db" not in g:
        g.db = platform().sessions()
    return g.db


def close_db(_exc=None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()


def token_signer() -> TokenSigner:
    cfg = platform().config
    return TokenSigner(cfg["SECRET_KEY"], cfg["TOKEN_MAX_AGE"])


def current_user() -> User:
    """The caller: a bearer token on /api, the web session on pages; 401 otherwise.

    The API never accepts the session cookie: its endpoints have no CSRF token, so a cookie
    would let another site post on a logged-in official's behalf."""
    if "user" in g:
        return g.user
    user_id = None
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user_id = token_signer().verify(header[7:].strip())
    elif not request.path.startswith("/api/"):
        user_id = web_session.get("user_id")
    user = db().get(User, user_id) if user_id else None
    if user is None or not user.active:
        raise Unauthorized("请先登录 / not logged in")
    g.user = user
    return user
