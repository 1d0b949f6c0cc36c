"""marshmallow schemas: request validation and response shapes of the JSON API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..core.directory import UNIT_TYPES
from ..core.ids import MAX_ID
from ..core.roles import ROLES

NAME = validate.Length(min=1, max=200)
TEXT = validate.Length(max=2000)


def IdIn(**kwargs) -> fields.Integer:  # noqa: N802 (a field factory, read like a field class)
    """An id in a request body: an out-of-range number is a 422 on the field, never a query."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class TokenIn(Schema):
    username = fields.String(required=True, validate=NAME)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenOut(Schema):
    token = fields.String()


class MeOut(Schema):
    username = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String())
    unit_id = fields.Integer(allow_none=True)
    department_id = fields.Integer(allow_none=True)


class IdOut(Schema):
    id = fields.Integer()


class DepartmentIn(Schema):
    name = fields.String(required=True, validate=NAME)


class UnitIn(Schema):
    name = fields.String(required=True, validate=NAME)
    type = fields.String(required=True, validate=validate.OneOf(list(UNIT_TYPES)))
    department_id = IdIn(allow_none=True, load_default=None)


class UserIn(Schema):
    username = fields.String(required=True, validate=NAME)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    display_name = fields.String(load_default="", validate=validate.Length(max=200))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                        validate=validate.Length(min=1))
    unit_id = IdIn(allow_none=True, load_default=None)
    department_id = IdIn(allow_none=True, load_default=None)
    email = fields.Email(allow_none=True, load_default=None, validate=validate.Length(max=200))


class ProcessOut(Schema):
    process_id = fields.String()
    name = fields.String()
    version = fields.Integer()


class DataIn(Schema):
    data = fields.Dict(keys=fields.String(), load_default=dict)


class CommentIn(Schema):
    comment = fields.String(allow_none=True, load_default=None, validate=TEXT)


class TaskOut(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    process_id = fields.String()
    name = fields.String()
    title = fields.String()
    role = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    applicant_name = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    decision = fields.String(allow_none=True)


class TaskDetailOut(TaskOut):
    form = fields.Dict(allow_none=True)
    data = fields.Dict()


class ErrorOut(Schema):
    """Every error's body (CONTRACT.md: field → list of messages)."""
    message = fields.String(required=True, metadata={"description": "中文说明 / English"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         required=True, metadata={"description": "字段 → 问题 / field → messages"})
    left_out = fields.Integer(metadata={
        "description": "列表过长时未列出的字段数 / fields left out of a very long list"})

class HistoryOut(Schema):
    name = fields.String()
    title = fields.String()
    by = fields.String(allow_none=True)
    at = fields.DateTime()
    decision = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    return_to = fields.String(allow_none=True)


class InstanceSummaryOut(Schema):
    id = fields.Integer()
    process_id = fields.String()
    version = fields.Integer()
    status = fields.String()
    outcome = fields.String(allow_none=True)
    applicant_name = fields.String()
    created_at = fields.DateTime()


class InstanceOut(InstanceSummaryOut):
    data = fields.Dict()
    history = fields.List(fields.Nested(HistoryOut))
    attachments = fields.List(fields.Dict())


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    message = fields.String()
    task_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read = fields.Boolean()


class AttachmentOut(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    task_id = fields.Integer(allow_none=True)
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    uploaded_at = fields.DateTime()


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    email = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    unit_id = fields.Integer(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    active = fields.Boolean()


class UserPatch(Schema):
    """Only the fields sent change; `null` clears unit, department or email."""
    display_name = fields.String(validate=NAME)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1))
    unit_id = IdIn(allow_none=True)
    department_id = IdIn(allow_none=True)
    email = fields.Email(allow_none=True, validate=validate.Length(max=200))


class PasswordIn(Schema):
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class DepartmentOut(Schema):
    id = fields.Integer()
    name = fields.String()


class UnitOut(Schema):
    id = fields.Integer()
    name = fields.String()
    type = fields.String()
    department_id = fields.Integer(allow_none=True)


class UnitPatch(Schema):
    name = fields.String(validate=NAME)
    type = fields.String(validate=validate.OneOf(list(UNIT_TYPES)))
    department_id = IdIn(allow_none=True)


class SettingOut(Schema):
    key = fields.String()
    value = fields.Raw(allow_none=True)
    default = fields.Raw(allow_none=True)
    kind = fields.String()
    description = fields.String()


class SettingIn(Schema):
    value = fields.Raw(required=True, allow_none=False)
class AssignIn(Schema):
    username = fields.String(required=True, validate=NAME)


class CandidateOut(Schema):
    username = fields.String()
    display_name = fields.String()
    unit_id = fields.Integer(allow_none=True)
    department_id = fields.Integer(allow_none=True)


class ReturnTargetOut(Schema):
    name = fields.String()
    title = fields.String()


class DraftOut(Schema):
    task_id = fields.Integer()
    data = fields.Dict()
    saved_at = fields.DateTime(allow_none=True)


class CaseListOut(Schema):
    id = fields.Integer()
    process_id = fields.String()
    version = fields.Integer()
    status = fields.String()
    outcome = fields.String(allow_none=True)
    applicant_name = fields.String()
    unit_id = fields.Integer(allow_none=True)
    current_tasks = fields.List(fields.String())
    created_at = fields.DateTime()


class CountOut(Schema):
    updated = fields.Integer()
