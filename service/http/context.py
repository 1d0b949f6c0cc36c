"""What every HTTP view (API and pages alike) needs: the platform, the request's session and
the caller. One session, and so one transaction, per request (see transaction.py)."""
from __future__ import annotations

import functools

from flask import current_app, g, has_request_context, request
from flask import session as web_session

from ..core import login
from ..core.ids import MAX_ID
from ..core.models import User
from ..core.security import TokenSigner
from ..errors import Unauthorized
from . import callers
from .dberrors import safe_rollback


def platform():
    return current_app.extensions["talentflow"]


def db():
    """One session (and so one transaction) per request; closed at teardown. A GET only reads
    (db.read_only_engine): on PostgreSQL its statements run without a transaction, on SQLite
    without the write lock."""
    if "db" not in g:
        reads_only = has_request_context() and request.method in ("GET", "HEAD")
        factory = platform().read_sessions if reads_only else platform().sessions
        g.db = factory()
    return g.db


def close_db(_exc=None) -> None:
    session = g.pop("db", None)
    if session is not None:
        safe_rollback(session)
        session.close()


def token_signer() -> TokenSigner:
    cfg = platform().config
    return _signer(cfg["SECRET_KEY"], cfg["TOKEN_MAX_AGE"])


@functools.lru_cache(maxsize=16)
def _signer(secret: str, max_age: int) -> TokenSigner:
    """One signer per key and lifetime, kept: it keeps the tokens it verified."""
    return TokenSigner(secret, max_age)


def current_user() -> User:
    """The caller: a bearer token on /api, the web session on pages; 401 otherwise.

    The API never accepts the session cookie: its endpoints have no CSRF token, so a cookie
    would let another site post on a logged-in official's behalf."""
    if "user" in g:
        return g.user
    user_id, generation = _identity()
    if generation is not None and _confirms_caller():
        kept = platform().callers.kept(db(), user_id, generation)
        if kept is not None:  # confirmed before the action commits or answers
            g.user, g.caller_kept = kept
            return g.user
    return _read_caller(user_id, generation)


def _identity() -> tuple[int, int | None]:
    """Who the request says it is: (user id, token generation) from a bearer token, or
    (user id, None) from the web session on pages; 401 when neither holds."""
    user_id, generation = None, None
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user_id, generation = token_signer().verify(header[7:].strip()) or (None, None)
    elif not request.path.startswith("/api/"):
        user_id = login.web_session_user_id(db(), web_session.get("sid"))
    if not (isinstance(user_id, int) and 0 < user_id <= MAX_ID):
        raise Unauthorized("请先登录 / not logged in")
    return user_id, generation


def _read_caller(user_id: int, generation: int | None) -> User:
    user = platform().callers.read(db(), user_id)
    if generation is not None and user is not None and generation != (user.token_generation or 0):
        user = None  # a token revoked by logging out
    if user is None or not user.active:
        raise Unauthorized("请先登录 / not logged in")
    g.user = user
    return user


def _confirms_caller() -> bool:
    """Whether this request's view confirms a kept caller before it commits or answers (an
    action, or a read marked for it: http/transaction.py). Admin paths always read theirs
    (their role is checked before the view, and could not be checked again), and so do
    uploads: an action run again must find its body again, and only a JSON body is kept once
    read."""
    if request.path.startswith("/api/admin/") or request.method in ("HEAD", "OPTIONS"):
        return False
    if not request.is_json and (request.content_length
                                or "chunked" in request.headers.get("Transfer-Encoding", "").lower()):
        return False
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "confirms_caller", False)


def caller_unconfirmed() -> bool:
    return g.get("caller_kept") is not None


def confirm_caller() -> bool:
    """True when the request's caller is the database's as of its transaction (always, for a
    caller read by this request). Otherwise the kept one is dropped from the session and the
    caller read afresh (401 when no longer valid); False: what the request did with the kept
    one must be done again."""
    kept = g.pop("caller_kept", None)
    if kept is None:
        return True
    if callers.confirmed(platform().callers, db(), g.user.id, kept):
        return True
    stale = g.pop("user")
    kept_objects = [stale, *stale.__dict__.get("role_rows", ())]  # no lazy load after rollback
    platform().callers.forget(stale.id)
    db().rollback()
    for obj in kept_objects:
        if obj in db():
            db().expunge(obj)
    _read_caller(*_identity())
    return False
