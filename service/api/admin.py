"""Admin-only endpoints: directory, selection rounds, diagram deployment."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from .. import directory, processes, selection
from ..errors import Forbidden, Invalid
from .common import commit, current_user, db, platform
from .schemas import CampaignIn, DepartmentIn, IdOut, UnitIn, UserIn

blp = Blueprint("admin", __name__, url_prefix="/api/admin", description="系统管理 / admin")


def require_admin():
    user = current_user()
    if not user.has_role("admin"):
        raise Forbidden("仅限系统管理员 / admin only")
    return user


@blp.post("/departments")
@blp.arguments(DepartmentIn)
@blp.response(201, IdOut)
def create_department(body):
    require_admin()
    department = directory.create_department(db(), body["name"])
    commit()
    return {"id": department.id}


@blp.post("/units")
@blp.arguments(UnitIn)
@blp.response(201, IdOut)
def create_unit(body):
    require_admin()
    unit = directory.create_unit(db(), body["name"], body["type"], body["department_id"])
    commit()
    return {"id": unit.id}


@blp.post("/users")
@blp.arguments(UserIn)
@blp.response(201, IdOut)
def create_user(body):
    require_admin()
    user = directory.create_user(db(), **body)
    commit()
    return {"id": user.id}


@blp.post("/campaigns")
@blp.arguments(CampaignIn)
@blp.response(201, IdOut)
def create_campaign(body):
    require_admin()
    campaign = selection.create_campaign(db(), body["kind"], body["opens_on"], body["closes_on"])
    commit()
    return {"id": campaign.id}


@blp.post("/processes")
@blp.response(201)
def deploy_process():
    """Deploy a BPMN or DMN document (request body, `Content-Type: application/xml`)."""
    user = require_admin()
    body = request.get_data()
    if not body.strip():
        raise Invalid("请求体为空 / empty body", {"document": ["需要 BPMN 或 DMN XML"]})
    created = processes.deploy(db(), body, platform().forms, user.id)
    commit()
    first = created[0]
    return {"process_id": first.process_id, "version": first.version, "kind": first.kind,
            "also_deployed": [{"process_id": c.process_id, "version": c.version}
                              for c in created[1:]]}
