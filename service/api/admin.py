"""Admin-only endpoints of the core: directory (users, departments, units), settings and
diagram deployment. The rules are core/directory.py's and core/settings.py's, shared with the
admin console pages and the CLI."""
from __future__ import annotations

from flask_smorest import Blueprint

from ..core import definitions, directory
from ..core import settings as settings_store
from ..errors import Forbidden, Invalid, NotFound
from ..http.context import current_user, db, platform
from ..http.documents import read_document
from ..http.transaction import transactional
from .schemas import (DepartmentIn, DepartmentOut, IdOut, PasswordIn, SettingIn, SettingOut,
                      UnitIn, UnitOut, UnitPatch, UserIn, UserOut, UserPatch)

blp = Blueprint("admin", __name__, url_prefix="/api/admin", description="系统管理 / admin")


def require_admin():
    user = current_user()
    if not user.has_role("admin"):
        raise Forbidden("仅限系统管理员 / admin only")
    return user


@blp.post("/departments")
@blp.arguments(DepartmentIn)
@blp.response(201, IdOut)
@transactional
def create_department(body):
    require_admin()
    department = directory.create_department(db(), body["name"])
    return {"id": department.id}


@blp.post("/units")
@blp.arguments(UnitIn)
@blp.response(201, IdOut)
@transactional
def create_unit(body):
    require_admin()
    unit = directory.create_unit(db(), body["name"], body["type"], body["department_id"])
    return {"id": unit.id}


@blp.post("/users")
@blp.arguments(UserIn)
@blp.response(201, IdOut)
@transactional
def create_user(body):
    require_admin()
    user = directory.create_user(db(), **body)
    return {"id": user.id}


def user_out(user) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "email": user.email, "roles": user.roles, "unit_id": user.unit_id,
            "department_id": user.department_id, "active": bool(user.active)}


@blp.get("/users")
@blp.response(200, UserOut(many=True))
def list_users():
    require_admin()
    return [user_out(u) for u in directory.list_users(db())]


@blp.get("/users/<int:user_id>")
@blp.response(200, UserOut)
def get_user(user_id):
    require_admin()
    return user_out(directory.get_user(db(), user_id))


@blp.patch("/users/<int:user_id>")
@blp.arguments(UserPatch)
@blp.response(200, UserOut)
@transactional
def update_user(body, user_id):
    """Change roles, unit, department, display name or email (only the fields sent)."""
    admin = require_admin()
    return user_out(directory.update_user(db(), admin, user_id, **body))


@blp.post("/users/<int:user_id>/deactivate")
@blp.response(200, UserOut)
@transactional
def deactivate_user(user_id):
    """The user can no longer log in; their API tokens and browser sessions stop working."""
    admin = require_admin()
    return user_out(directory.set_active(db(), admin, user_id, False))


@blp.post("/users/<int:user_id>/activate")
@blp.response(200, UserOut)
@transactional
def activate_user(user_id):
    admin = require_admin()
    return user_out(directory.set_active(db(), admin, user_id, True))


@blp.post("/users/<int:user_id>/password")
@blp.arguments(PasswordIn)
@blp.response(200, UserOut)
@transactional
def reset_password(body, user_id):
    """Set a new password (at least 8 characters); the user's sessions and tokens end."""
    admin = require_admin()
    return user_out(directory.reset_password(db(), admin, user_id, body["password"]))


@blp.get("/departments")
@blp.response(200, DepartmentOut(many=True))
def list_departments():
    require_admin()
    return [{"id": d.id, "name": d.name} for d in directory.list_departments(db())]


@blp.patch("/departments/<int:department_id>")
@blp.arguments(DepartmentIn)
@blp.response(200, DepartmentOut)
@transactional
def rename_department(body, department_id):
    require_admin()
    department = directory.rename_department(db(), department_id, body["name"])
    return {"id": department.id, "name": department.name}


def unit_out(unit) -> dict:
    return {"id": unit.id, "name": unit.name, "type": unit.type, "department_id": unit.department_id}


@blp.get("/units")
@blp.response(200, UnitOut(many=True))
def list_units():
    require_admin()
    return [unit_out(u) for u in directory.list_units(db())]


@blp.patch("/units/<int:unit_id>")
@blp.arguments(UnitPatch)
@blp.response(200, UnitOut)
@transactional
def update_unit(body, unit_id):
    """Rename a unit, change its type or its department (only the fields sent)."""
    require_admin()
    changes = {("type_" if k == "type" else k): v for k, v in body.items()}
    return unit_out(directory.update_unit(db(), unit_id, **changes))


def settings_out() -> list[dict]:
    values = settings_store.load(db(), platform().config)
    defaults = settings_store.defaults(platform().config)
    return [{"key": key, "value": values[key], "default": defaults[key], "kind": spec.kind,
             "description": spec.description} for key, spec in settings_store.specs().items()]


@blp.get("/settings")
@blp.response(200, SettingOut(many=True))
def list_settings():
    """Every admin-changeable setting: job schedules, round dates, due days, …"""
    require_admin()
    return settings_out()


@blp.put("/settings/<string:key>")
@blp.arguments(SettingIn)
@blp.response(200, SettingOut)
@transactional
def put_setting(body, key):
    """Set one setting (422 with the reason beside the key when the value is refused)."""
    require_admin()
    if key not in settings_store.specs():
        raise NotFound("未知设置 / unknown setting")
    settings_store.put(db(), key, body["value"])
    db().flush()
    return next(s for s in settings_out() if s["key"] == key)


@blp.post("/processes")
@blp.response(201)
@transactional
def deploy_process():
    """Deploy a BPMN or DMN document (request body, `Content-Type: application/xml`)."""
    user = require_admin()
    created = definitions.deploy(db(), read_document(), platform().forms, user.id)
    first = created[0]
    return {"process_id": first.process_id, "version": first.version, "kind": first.kind,
            "also_deployed": [{"process_id": c.process_id, "version": c.version}
                              for c in created[1:]]}
