"""The designer's JSON API (admin only; /api/admin/ is checked before the body is read)."""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ...api.admin import require_admin
from ...core import cases, definitions
from ...http.context import current_user, db, platform
from ...http.transaction import transactional
from ...http.documents import read_document

blp = Blueprint("designer_api", __name__, url_prefix="/api/admin",
                description="流程设计（管理员）/ process designer (admin)")


class ProblemOut(Schema):
    element_id = fields.String(allow_none=True)
    message = fields.String()
    line = fields.Integer(allow_none=True)


class ValidationOut(Schema):
    valid = fields.Boolean()
    problems = fields.List(fields.Nested(ProblemOut))
    kind = fields.String()


class VersionOut(Schema):
    process_id = fields.String()
    name = fields.String()
    version = fields.Integer()
    kind = fields.String()
    deployed_at = fields.DateTime()
    deployed_by = fields.String(allow_none=True)
    running_instances = fields.Integer()


class MigrateIn(Schema):
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))


@blp.post("/processes/validate")
@blp.response(200, ValidationOut)
def validate_process():
    """Check a BPMN or DMN document (request body, `application/xml`) exactly as deploy
    would: every problem with its element id and line. Nothing is deployed."""
    require_admin()
    result = definitions.validate(db(), read_document(), platform().forms)
    db().rollback()
    return result


@blp.get("/processes")
@blp.response(200, VersionOut(many=True))
def list_versions():
    """Every deployed version of every process and decision table."""
    require_admin()
    return definitions.all_versions(db())


@blp.get("/processes/<process_id>/versions/<int:version>")
@blp.response(200, content_type="application/xml")
def version_xml(process_id, version):
    """The XML of one deployed version."""
    require_admin()
    row = definitions.version_of(db(), process_id, version)
    return Response(row.xml, mimetype="application/xml")


@blp.post("/instances/<int:instance_id>/migrate")
@blp.arguments(MigrateIn)
@blp.response(200)
@transactional
def migrate_instance(body, instance_id):
    """Move a running case to version `version` of its process: 409 naming the open tasks
    that version lacks."""
    user = require_admin()
    instance = cases.migrate(platform(), db(), user, instance_id, body["version"])
    return {"id": instance.id, "process_id": instance.process_id, "version": instance.version,
            "status": instance.status}
