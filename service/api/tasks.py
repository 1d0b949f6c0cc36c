"""The caller's inbox and task actions."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from ..core import cases, inbox
from ..core.ids import MAX_OFFSET, clamp
from ..core.models import User
from ..http.context import current_user, db, platform
from ..http.transaction import transactional
from .schemas import DataIn, TaskDetailOut, TaskOut

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks", description="待办与办理 / tasks")


def task_view(task) -> dict:
    assignee = db().get(User, task.assignee_id) if task.assignee_id else None
    return {"id": task.id, "instance_id": task.instance_id, "process_id": task.process_id,
            "name": task.name, "title": task.title, "role": task.role,
            "assignee": assignee.username if assignee else None,
            "applicant_name": task.applicant_name, "status": task.status,
            "created_at": task.created_at, "due_at": task.due_at,
            "completed_at": task.completed_at, "decision": task.decision}


def _paging():
    return (clamp(request.args.get("limit"), 200, 1, 1000),
            clamp(request.args.get("offset"), 0, 0, MAX_OFFSET))


@blp.get("")
@blp.response(200, TaskOut(many=True))
def my_inbox():
    limit, offset = _paging()
    return [task_view(t) for t in inbox.inbox(db(), current_user(), limit, offset)]


@blp.get("/done")
@blp.response(200, TaskOut(many=True))
def my_done():
    limit, offset = _paging()
    return [task_view(t) for t in inbox.done(db(), current_user(), limit, offset)]


@blp.get("/<int:task_id>")
@blp.response(200, TaskDetailOut)
def get_task(task_id):
    task = cases.get_task_for(db(), current_user(), task_id)
    view = task_view(task)
    view["form"] = cases.task_form(platform(), db(), task)
    view["data"] = cases.task_data(db(), task)
    return view


@blp.post("/<int:task_id>/claim")
@blp.response(200, TaskOut)
@transactional
def claim(task_id):
    task = cases.claim(platform(), db(), current_user(), task_id)
    return task_view(task)


@blp.post("/<int:task_id>/release")
@blp.response(200, TaskOut)
@transactional
def release(task_id):
    task = cases.release(platform(), db(), current_user(), task_id)
    return task_view(task)


@blp.post("/<int:task_id>/complete")
@blp.arguments(DataIn)
@blp.response(200, TaskOut)
@transactional
def complete(body, task_id):
    task = cases.complete(platform(), db(), current_user(), task_id, body["data"])
    return task_view(task)
