"""Logging in, for the API's tokens and the pages' sessions alike: the password check, the
throttle on failed attempts (10 per username within 15 minutes, then 429 until the window has
passed) and the server-side web sessions that logging out ends."""
from __future__ import annotations

import hashlib
import math
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..errors import ServiceError, Unauthorized
from .directory import find_user
from .models import LoginFailure, User, WebSession
from .security import password_matches

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)


class TooManyAttempts(ServiceError):
    status = 429

    def __init__(self, retry_after: int):
        minutes = max(1, -(-retry_after // 60))
        super().__init__(f"登录失败次数过多，请 {minutes} 分钟后再试 / too many failed logins; "
                         f"retry in {retry_after} s")
        self.retry_after = retry_after
        self.minutes = minutes


def authenticate(platform, session: Session, username: str, password: str) -> User:
    """The active user with this username and password, or Unauthorized (the failure is kept
    for the throttle, in a transaction of its own) or TooManyAttempts."""
    username = (username or "")[:200]
    now = platform.now()
    recent = list(session.scalars(select(LoginFailure.at).where(
        LoginFailure.username == username, LoginFailure.at > now - WINDOW)
        .order_by(LoginFailure.at.desc()).limit(MAX_FAILURES)))
    if len(recent) >= MAX_FAILURES:
        # Locked until the oldest of the last ten failures leaves the window.
        raise TooManyAttempts(max(1, math.ceil((recent[-1] + WINDOW - now).total_seconds())))
    user = find_user(session, username)
    if not password_matches(user.password_hash if user else None, password) or not user.active:
        # End the request's read first: on SQLite it holds the write lock the record needs.
        session.rollback()
        _remember_failure(platform, username, now)
        raise Unauthorized("用户名或密码错误 / wrong username or password")
    return user


def _remember_failure(platform, username: str, now) -> None:
    # Its own transaction: the caller's is rolled back with the 401.
    with platform.transaction() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                                   LoginFailure.at <= now - WINDOW))
        session.add(LoginFailure(username=username, at=now))


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_web_session(platform, session: Session, user: User) -> str:
    """A new server-side session for a browser; returns the token its cookie carries."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(id=_key(token), user_id=user.id, created_at=platform.now()))
    return token


def web_session_user_id(session: Session, token: str | None) -> int | None:
    if not token or not isinstance(token, str):
        return None
    row = session.get(WebSession, _key(token))
    return row.user_id if row is not None else None


def close_web_session(session: Session, token: str | None) -> None:
    if token and isinstance(token, str):
        session.execute(delete(WebSession).where(WebSession.id == _key(token)))


def revoke_tokens(session: Session, user: User) -> None:
    """Every API token issued to `user` so far stops working."""
    user.token_generation = (user.token_generation or 0) + 1
