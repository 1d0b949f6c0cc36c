"""Login, logout and `/` (the login page for a visitor, the inbox after login)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext

from ..core import login as login_service
from ..errors import Unauthorized
from ..http.context import db, platform
from ..http.transaction import transactional
from .base import bp, web_user
from .tasks import inbox_page


def _safe_next(target: str | None) -> str:
    """Only a path of this site. Browsers drop tabs and newlines and read a backslash as a
    slash, so "/\t/evil.example" would become "//evil.example": any such character, or a
    scheme or host, sends the user to the inbox instead."""
    if not target or not target.startswith("/") or any(
            ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7f or ch == "\\" for ch in target):
        return url_for("web.index")
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return url_for("web.index")
    return target


@bp.get("/")
def index():
    if web_user() is None:
        return render_template("web/login.html", next="", error=None)
    return inbox_page()


@bp.get("/login")
def login_form():
    return render_template("web/login.html", next=request.args.get("next", ""), error=None)


@bp.post("/login")
@transactional
def login():
    username = request.form.get("username", "").strip()
    try:
        user = login_service.authenticate(platform(), db(), username,
                                          request.form.get("password", ""))
    except login_service.TooManyAttempts as exc:
        response = make_response(render_template(
            "web/login.html", next=request.form.get("next", ""), username=username,
            error=gettext("登录失败次数过多，请 %(minutes)s 分钟后再试。", minutes=exc.minutes)), 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Unauthorized:
        return render_template("web/login.html", next=request.form.get("next", ""),
                               error=gettext("用户名或密码错误"), username=username), 401
    session.clear()  # a fresh session (and CSRF token) on login: no session fixation
    session["sid"] = login_service.open_web_session(platform(), db(), user)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
@transactional
def logout():
    login_service.close_web_session(db(), session.get("sid"))  # the old cookie no longer works
    session.clear()
    return redirect(url_for("web.index"))
