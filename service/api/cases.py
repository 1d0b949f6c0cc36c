"""Processes, cases, attachments and notifications."""
from __future__ import annotations

from pathlib import Path

from flask import request, send_file
from flask_smorest import Blueprint

from ..core import attachments, case_reads, caselist, cases, definitions, notifications
from ..errors import Invalid
from ..http.context import current_user, db, platform
from ..http.transaction import confirmed_read, transactional
from .query_docs import paging_params, query_param
from .schemas import (
    AttachmentOut, CaseListOut, CommentIn, CountOut, DataIn, InstanceOut, NotificationOut,
    ProcessOut,
)

blp = Blueprint("cases", __name__, url_prefix="/api", description="案件 / cases")


@blp.get("/processes")
@blp.response(200, ProcessOut(many=True))
def list_processes():
    current_user()
    return [{"process_id": d.process_id, "name": d.name, "version": d.version}
            for d in definitions.list_latest(db())]


@blp.post("/processes/<process_id>/instances")
@blp.arguments(DataIn)
@blp.response(201)
@transactional
def start_instance(body, process_id):
    instance = cases.start(platform(), db(), current_user(), process_id, body["data"])
    return {"id": instance.id, "process_id": instance.process_id, "version": instance.version,
            "status": instance.status}


def instance_view(instance) -> dict:
    return {"id": instance.id, "process_id": instance.process_id, "version": instance.version,
            "status": instance.status, "outcome": instance.outcome,
            "applicant_name": instance.applicant_name, "created_at": instance.created_at,
            "data": instance.data or {}, "history": case_reads.history(db(), instance),
            "attachments": AttachmentOut(many=True).dump(attachments.list_for(db(), instance))}


@blp.get("/instances")
@blp.response(200, CaseListOut(many=True))
@blp.doc(parameters=[
    query_param("process_id", "流程 / process id", {"type": "string", "maxLength": 200}),
    query_param("status", "状态 / status (400 for another value)",
                {"type": "string", "enum": list(caselist.STATUSES)}),
    query_param("q", "申请人姓名包含 / the applicant's name contains",
                {"type": "string", "maxLength": 200}),
    query_param("unit_id", "单位 / unit id", {"type": "integer", "minimum": 1}),
    *paging_params(50, caselist.MAX_LIMIT),
])
def list_instances():
    """The cases the caller may see, newest first; filters process_id, status, q (applicant's
    name), unit_id; paging limit (1–200, default 50) and offset."""
    user = current_user()
    filters = caselist.parse_filters(request.args)
    return [{"id": i.id, "process_id": i.process_id, "version": i.version, "status": i.status,
             "outcome": i.outcome, "applicant_name": i.applicant_name, "unit_id": i.unit_id,
             "current_tasks": [t.name for t in row.open_tasks], "created_at": i.created_at}
            for row in caselist.visible_cases(db(), user, filters) for i in [row.instance]]


@blp.get("/instances/<int:instance_id>")
@blp.response(200, InstanceOut)
@confirmed_read
def get_instance(instance_id):
    return instance_view(case_reads.get_instance_for(db(), current_user(), instance_id))


@blp.post("/instances/<int:instance_id>/withdraw")
@blp.arguments(CommentIn)
@blp.response(200, InstanceOut)
@transactional
def withdraw(body, instance_id):
    instance = cases.withdraw(platform(), db(), current_user(), instance_id, body["comment"])
    return instance_view(instance)


@blp.get("/instances/<int:instance_id>/attachments")
@blp.response(200, AttachmentOut(many=True))
@confirmed_read
def list_attachments(instance_id):
    instance = case_reads.get_instance_for(db(), current_user(), instance_id)
    return attachments.list_for(db(), instance)


@blp.post("/instances/<int:instance_id>/attachments")
@blp.response(201, AttachmentOut)
@transactional
def upload_attachment(instance_id):
    user = current_user()
    instance = case_reads.get_instance_for(db(), user, instance_id)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("缺少文件 / no file", {"file": ["请选择要上传的文件（multipart 字段 file）"]})
    task_id = attachments.upload_task_id(request.form.get("task_id"))
    cfg = platform().config
    attachment = attachments.save(db(), user, instance, upload, cfg["UPLOAD_DIR"],
                                  cfg["MAX_UPLOAD_BYTES"], task_id)
    return attachment


@blp.get("/attachments/<int:attachment_id>")
def download_attachment(attachment_id):
    attachment = attachments.get_for(db(), current_user(), attachment_id)
    path = Path(platform().config["UPLOAD_DIR"]) / attachment.storage_name
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.filename)


@blp.get("/notifications")
@blp.response(200, NotificationOut(many=True))
def list_notifications():
    return notifications.for_user(db(), current_user())


@blp.post("/notifications/read-all")
@blp.response(200, CountOut)
@transactional
def read_all_notifications():
    """全部标为已读."""
    return {"updated": notifications.mark_all_read(db(), current_user())}


@blp.post("/notifications/<int:notification_id>/read")
@blp.response(200, NotificationOut)
@transactional
def read_notification(notification_id):
    notification = notifications.mark_read(db(), current_user(), notification_id)
    return notification
