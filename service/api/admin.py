"""Admin-only endpoints of the core: directory and diagram deployment."""
from __future__ import annotations

from flask_smorest import Blueprint

from ..core import definitions, directory
from ..errors import Forbidden
from ..http.context import current_user, db, platform
from ..http.documents import read_document
from ..http.transaction import transactional
from .schemas import DepartmentIn, IdOut, UnitIn, UserIn

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
