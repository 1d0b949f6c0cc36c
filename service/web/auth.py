"""Login, logout and `/` (the login page for a visitor, the inbox after login)."""
from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext

from ..core.directory import find_user
from ..core.security import password_matches
from ..http.context import db
from .base import bp, web_user
from .tasks import inbox_page


def _safe_next(target: str | None) -> str:
    # Only paths on this site: "//evil.example" or "https://…" would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.index")


@bp.get("/")
def index():
    if web_user() is None:
        return render_template("web/login.html", next="", error=None)
    return inbox_page()


@bp.get("/login")
def login_form():
    return render_template("web/login.html", next=request.args.get("next", ""), error=None)


@bp.post("/login")
def login():
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    user = find_user(db(), username)
    if not password_matches(user.password_hash if user else None, password) or not user.active:
        return render_template("web/login.html", next=request.form.get("next", ""),
                               error=gettext("用户名或密码错误"), username=username), 401
    session.clear()  # a fresh session (and CSRF token) on login: no session fixation
    session["user_id"] = user.id
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("web.index"))
