"""Admin console pages. Thin: parse the form, check the admin role, call one service in one
transaction; a refused form (422, or 409 for a name already taken) is shown again with the
typed values and the reasons beside the fields, in Chinese."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select

from ...core import directory
from ...core import settings as settings_store
from ...core.ids import parse_id
from ...core.models import Campaign, Department, Unit, User
from ...core.roles import ROLE_LABELS, ROLES
from ...core.text import bad_strings
from ...errors import Forbidden, Invalid, NotFound, ServiceError
from ...http.context import current_user, db, platform
from ...http.transaction import discard_changes, transactional
from ...web.base import chinese, login_required
from ..selection import rounds

bp = Blueprint("console", __name__, template_folder="templates")

# An id a form sent that is no id at all: fails the service's "does not exist" check.
NOT_AN_ID = -1


def require_admin() -> User:
    user = current_user()
    if not user.has_role("admin"):
        raise Forbidden("仅限系统管理员 / admin only")
    return user


def field_errors(exc: ServiceError) -> dict:
    errors = {key: [chinese(m) for m in messages] for key, messages in (exc.errors or {}).items()}
    return errors or {"_": [chinese(exc.message)]}


def form_id(name: str):
    """An optional id from a select: '' → None; anything not an id → NOT_AN_ID."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    return parse_id(raw) or NOT_AN_ID


def form_text(*names: str) -> dict:
    values = {name: request.form.get(name, "").strip() for name in names}
    problems = bad_strings(values)
    if problems:
        raise Invalid("输入有误 / invalid text", problems)
    return values


def lookups() -> dict:
    departments = directory.list_departments(db())
    units = directory.list_units(db())
    return {"departments": departments, "units": units,
            "department_names": {d.id: d.name for d in departments},
            "unit_names": {u.id: u.name for u in units},
            "unit_types": directory.UNIT_TYPES, "roles": ROLES, "role_labels": ROLE_LABELS}


# Overview ----------------------------------------------------------------------------

@bp.get("/admin")
@login_required
def index():
    require_admin()
    session = db()
    counts = {
        "users": session.scalar(select(func.count(User.id)).where(User.active.is_(True))),
        "inactive": session.scalar(select(func.count(User.id)).where(User.active.is_(False))),
        "departments": session.scalar(select(func.count(Department.id))),
        "units": session.scalar(select(func.count(Unit.id))),
        "rounds": session.scalar(select(func.count(Campaign.id))),
        "settings": len(settings_store.specs()),
    }
    open_round = rounds.open_campaign(session, platform().today())
    return render_template("console/index.html", counts=counts, open_round=open_round)


# Users -------------------------------------------------------------------------------

def _render_users(values=None, errors=None, status=200):
    q = request.args.get("q", "").strip()[:200]
    role = request.args.get("role", "")
    users = [u for u in directory.list_users(db())
             if (not q or q in u.username or q in (u.display_name or ""))
             and (role not in ROLES or role in u.roles)]
    return render_template("console/users.html", users=users, q=q, role=role,
                           values=values or {"roles": []}, errors=errors or {},
                           **lookups()), status


@bp.get("/admin/users")
@login_required
def users():
    require_admin()
    return _render_users()


@bp.post("/admin/users")
@login_required
@transactional
def create_user():
    require_admin()
    values = {"roles": request.form.getlist("roles"), "unit_id": request.form.get("unit_id", ""),
              "department_id": request.form.get("department_id", "")}
    try:
        values.update(form_text("username", "display_name", "email"))
        password = request.form.get("password", "")
        user = directory.create_user(
            db(), values["username"], password, values["roles"],
            display_name=values["display_name"], unit_id=form_id("unit_id"),
            department_id=form_id("department_id"), email=values["email"] or None)
    except (Invalid, ServiceError) as exc:
        if exc.status not in (409, 422):
            raise
        discard_changes()
        return _render_users(values, field_errors(exc), exc.status)
    flash(gettext("已创建用户：%(name)s", name=user.username))
    return redirect(url_for("console.users"))


def _render_user(user: User, values=None, errors=None, status=200):
    values = values or {"display_name": user.display_name, "email": user.email or "",
                        "roles": user.roles, "unit_id": str(user.unit_id or ""),
                        "department_id": str(user.department_id or "")}
    return render_template("console/user.html", user=user, values=values, errors=errors or {},
                           **lookups()), status


@bp.get("/admin/users/<int:user_id>")
@login_required
def user_page(user_id):
    require_admin()
    return _render_user(directory.get_user(db(), user_id))


@bp.post("/admin/users/<int:user_id>")
@login_required
@transactional
def update_user(user_id):
    admin = require_admin()
    target = directory.get_user(db(), user_id)
    values = {"roles": request.form.getlist("roles"), "unit_id": request.form.get("unit_id", ""),
              "department_id": request.form.get("department_id", "")}
    try:
        values.update(form_text("display_name", "email"))
        directory.update_user(db(), admin, user_id, display_name=values["display_name"],
                              roles=values["roles"], unit_id=form_id("unit_id"),
                              department_id=form_id("department_id"),
                              email=values["email"] or None)
    except ServiceError as exc:
        if exc.status not in (409, 422):
            raise
        discard_changes()
        return _render_user(directory.get_user(db(), user_id), values, field_errors(exc), exc.status)
    flash(gettext("已保存：%(name)s", name=target.username))
    return redirect(url_for("console.user_page", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/active")
@login_required
@transactional
def set_active(user_id):
    admin = require_admin()
    active = request.form.get("active") == "true"
    try:
        user = directory.set_active(db(), admin, user_id, active)
    except Invalid as exc:
        discard_changes()
        return _render_user(directory.get_user(db(), user_id), errors=field_errors(exc), status=422)
    flash(gettext("已启用账号：%(name)s", name=user.username) if active else
          gettext("已停用账号：%(name)s（已登录的会话同时失效）", name=user.username))
    return redirect(url_for("console.user_page", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/password")
@login_required
@transactional
def reset_password(user_id):
    admin = require_admin()
    password, again = request.form.get("password", ""), request.form.get("password_again", "")
    try:
        if password != again:
            raise Invalid("两次输入的密码不一致 / passwords differ",
                          {"password_again": ["两次输入的密码不一致"]})
        user = directory.reset_password(db(), admin, user_id, password)
    except Invalid as exc:
        discard_changes()
        return _render_user(directory.get_user(db(), user_id), errors=field_errors(exc), status=422)
    flash(gettext("已重置密码：%(name)s", name=user.username))
    return redirect(url_for("console.user_page", user_id=user_id))


# Departments and units -------------------------------------------------------------------

def _render_units(form=None, values=None, errors=None, status=200):
    """`form` names the form the values and errors belong to (several forms share the page)."""
    return render_template("console/units.html", form=form, values=values or {},
                           errors=errors or {}, **lookups()), status


@bp.get("/admin/units")
@login_required
def units():
    require_admin()
    return _render_units()


def _units_action(form: str, action, done_message):
    values = dict(request.form)
    values.pop("csrf_token", None)
    try:
        result = action()
    except ServiceError as exc:
        if exc.status not in (409, 422):
            raise
        discard_changes()
        return _render_units(form, values, field_errors(exc), exc.status)
    flash(done_message(result))
    return redirect(url_for("console.units"))


@bp.post("/admin/departments")
@login_required
@transactional
def create_department():
    require_admin()
    return _units_action("department-new",
                         lambda: directory.create_department(db(), form_text("name")["name"]),
                         lambda d: gettext("已创建部门：%(name)s", name=d.name))


@bp.post("/admin/departments/<int:department_id>")
@login_required
@transactional
def rename_department(department_id):
    require_admin()
    return _units_action(f"department-{department_id}",
                         lambda: directory.rename_department(db(), department_id,
                                                             form_text("name")["name"]),
                         lambda d: gettext("已重命名部门：%(name)s", name=d.name))


@bp.post("/admin/units/new")
@login_required
@transactional
def create_unit():
    require_admin()
    return _units_action("unit-new",
                         lambda: directory.create_unit(db(), form_text("name")["name"],
                                                       request.form.get("type", ""),
                                                       form_id("department_id")),
                         lambda u: gettext("已创建单位：%(name)s", name=u.name))


@bp.post("/admin/units/<int:unit_id>")
@login_required
@transactional
def update_unit(unit_id):
    require_admin()
    return _units_action(f"unit-{unit_id}",
                         lambda: directory.update_unit(db(), unit_id, name=form_text("name")["name"],
                                                       type_=request.form.get("type", ""),
                                                       department_id=form_id("department_id")),
                         lambda u: gettext("已保存单位：%(name)s", name=u.name))


# Selection rounds ----------------------------------------------------------------------------

def _render_rounds(values=None, errors=None, status=200):
    today = platform().today()
    campaigns = sorted(rounds.list_campaigns(db()), key=lambda c: c.opens_on, reverse=True)
    return render_template("console/rounds.html", campaigns=campaigns, today=today,
                           values=values or {}, errors=errors or {},
                           next_opening=rounds.next_opening_on(platform(), db())), status


@bp.get("/admin/rounds")
@login_required
def rounds_page():
    require_admin()
    return _render_rounds()


def _form_date(name: str, errors: dict):
    raw = request.form.get(name, "").strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = [gettext("请填写日期（年-月-日）")]
        return None


@bp.post("/admin/rounds")
@login_required
@transactional
def create_round():
    require_admin()
    values = {k: request.form.get(k, "").strip() for k in ("opens_on", "closes_on")}
    errors: dict = {}
    opens_on, closes_on = _form_date("opens_on", errors), _form_date("closes_on", errors)
    try:
        if errors:
            raise Invalid("日期有误 / invalid dates", errors)
        campaign = rounds.create_campaign(db(), "selection", opens_on, closes_on)
    except Invalid as exc:
        discard_changes()
        return _render_rounds(values, field_errors(exc), 422)
    flash(gettext("已创建选拔轮次：%(opens)s 至 %(closes)s", opens=campaign.opens_on.isoformat(),
                  closes=campaign.closes_on.isoformat()))
    return redirect(url_for("console.rounds_page"))


# Settings ----------------------------------------------------------------------------------

def _render_settings(key=None, raw=None, errors=None, status=200):
    import json
    values = settings_store.load(db(), platform().config)
    defaults = settings_store.defaults(platform().config)
    rows = []
    for name, spec in settings_store.specs().items():
        value = values[name]
        shown = json.dumps(value, ensure_ascii=False, indent=1) if spec.kind == "json" else \
            ("" if value is None else str(value).lower() if isinstance(value, bool) else str(value))
        rows.append({"key": name, "spec": spec, "shown": raw if name == key else shown,
                     "default": defaults[name], "changed": value != defaults[name]})
    return render_template("console/settings.html", rows=rows, key=key,
                           errors=errors or {}), status


@bp.get("/admin/settings")
@login_required
def settings_page():
    require_admin()
    return _render_settings()


@bp.post("/admin/settings/<string:key>")
@login_required
@transactional
def put_setting(key):
    require_admin()
    spec = settings_store.specs().get(key)
    if spec is None:
        raise NotFound("未知设置 / unknown setting")
    raw = request.form.get("value", "")
    if spec.kind == "bool":
        raw = "true" if request.form.get("value") == "true" else "false"
    try:
        problems = bad_strings({key: raw})
        if problems:
            raise Invalid("输入有误 / invalid text", problems)
        settings_store.put(db(), key, raw)
    except Invalid as exc:
        discard_changes()
        return _render_settings(key, raw, field_errors(exc), 422)
    flash(gettext("已保存设置：%(key)s", key=key))
    return redirect(url_for("console.settings_page") + f"#s-{key}")
