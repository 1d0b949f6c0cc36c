"""What every HTTP view (API and pages alike) needs: the platform, the request's session and
the caller. One session, and so one transaction, per request (see transaction.py)."""
from __future__ import annotations

from flask import current_app, g, request
from flask import session as web_session
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..core import login
from ..core.ids import MAX_ID
from ..core.models import User
from ..core.security import TokenSigner
from ..errors import Unauthorized
from .dberrors import safe_rollback


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
        safe_rollback(session)
        session.close()


# The caller and their roles in one round trip, every request: the statement is built once
# (building it per request cost a third of its time).
_CALLER = select(User).options(joinedload(User.role_rows)).where(User.id == bindparam("id"))


def token_signer() -> TokenSigner:
    cfg = platform().config
    return TokenSigner(cfg["SECRET_KEY"], cfg["TOKEN_MAX_AGE"])


def current_user() -> User:
    """The caller: a bearer token on /api, the web session on pages; 401 otherwise.

    The API never accepts the session cookie: its endpoints have no CSRF token, so a cookie
    would let another site post on a logged-in official's behalf."""
    if "user" in g:
        return g.user
    user_id, generation = None, None
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user_id, generation = token_signer().verify(header[7:].strip()) or (None, None)
    elif not request.path.startswith("/api/"):
        user_id = login.web_session_user_id(db(), web_session.get("sid"))
    user = (db().scalars(_CALLER, {"id": user_id}).unique().first()
            if isinstance(user_id, int) and 0 < user_id <= MAX_ID else None)
    if generation is not None and user is not None and generation != (user.token_generation or 0):
        user = None  # a token revoked by logging out
    if user is None or not user.active:
        raise Unauthorized("请先登录 / not logged in")
    g.user = user
    return user
