"""The caller's inbox and task actions."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from ..core import assignment, case_reads, cases, drafts, inbox
from ..core.ids import MAX_OFFSET, clamp
from ..core.models import User
from ..http.context import current_user, db, platform
from ..http.plain_json import json_response
from ..http.transaction import confirmed_read, transactional
from .query_docs import paging_params
from .schemas import (
    AssignIn, CandidateOut, DataIn, DraftOut, ReturnTargetOut, TaskDetailOut, TaskOut,
)

blp = Blueprint("tasks", __name__, url_prefix="/api/tasks", description="待办与办理 / tasks")


def task_view(task) -> dict:
    """TaskOut of a task row, with its holder's username."""
    holder = db().get(User, task.assignee_id) if task.assignee_id else None
    assignee = holder.username if holder else None
    return {"id": task.id, "instance_id": task.instance_id, "process_id": task.process_id,
            "name": task.name, "title": task.title, "role": task.role,
            "assignee": assignee,
            "applicant_name": task.applicant_name, "status": task.status,
            "created_at": task.created_at, "due_at": task.due_at,
            "completed_at": task.completed_at, "decision": task.decision}


LIST_LIMIT, LIST_MAX = 200, 1000


def _paging():
    return (clamp(request.args.get("limit"), LIST_LIMIT, 1, LIST_MAX),
            clamp(request.args.get("offset"), 0, 0, MAX_OFFSET))


@blp.get("")
@blp.response(200, TaskOut(many=True))
@blp.doc(parameters=paging_params(LIST_LIMIT, LIST_MAX))
@confirmed_read
def my_inbox():
    limit, offset = _paging()
    return json_response(inbox.inbox(db(), current_user(), limit, offset))


@blp.get("/done")
@blp.response(200, TaskOut(many=True))
@blp.doc(parameters=paging_params(LIST_LIMIT, LIST_MAX))
@confirmed_read
def my_done():
    limit, offset = _paging()
    return json_response(inbox.done(db(), current_user(), limit, offset))  # LISTED is TaskOut


@blp.get("/<int:task_id>")
@blp.response(200, TaskDetailOut)
@confirmed_read
def get_task(task_id):
    task = case_reads.get_task_for(db(), current_user(), task_id)
    view = task_view(task)
    case = case_reads.case_of(db(), task)
    view["form"] = case_reads.task_form(platform(), db(), task, case)
    view["data"] = case_reads.task_data(case)
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
    """The holder puts the task back in its role's queue; an admin may release any claimed task."""
    task = assignment.release(platform(), db(), current_user(), task_id)
    return task_view(task)


@blp.post("/<int:task_id>/assign")
@blp.arguments(AssignIn)
@blp.response(200, TaskOut)
@transactional
def assign(body, task_id):
    """转办: the holder or an admin hands the task to a user holding its role in scope."""
    task = assignment.assign(platform(), db(), current_user(), task_id, body["username"])
    return task_view(task)


@blp.get("/<int:task_id>/candidates")
@blp.response(200, CandidateOut(many=True))
def candidates(task_id):
    """Who the task may be handed to (转办), for whoever may hand it on; others get []."""
    user = current_user()
    task = case_reads.get_task_for(db(), user, task_id)
    if not assignment.may_assign(user, task):
        return []
    return assignment.eligible_users(db(), task)


@blp.get("/<int:task_id>/return-targets")
@blp.response(200, ReturnTargetOut(many=True))
def return_targets(task_id):
    """回退: the steps this review may send its case back to (passed user tasks)."""
    task = case_reads.get_task_for(db(), current_user(), task_id)
    return [{"name": n, "title": t} for n, t in cases.return_targets(platform(), db(), task)]


def _draft_view(task, draft) -> dict:
    return {"task_id": task.id, "data": draft.data if draft else {},
            "saved_at": draft.saved_at if draft else None}


@blp.get("/<int:task_id>/draft")
@blp.response(200, DraftOut)
def get_draft(task_id):
    """暂存: the caller's saved draft of this task's form ({} when none)."""
    user = current_user()
    task = case_reads.get_task_for(db(), user, task_id)
    return _draft_view(task, drafts.get(db(), user, task))


@blp.put("/<int:task_id>/draft")
@blp.arguments(DataIn)
@blp.response(200, DraftOut)
@transactional
def save_draft(body, task_id):
    user = current_user()
    task = case_reads.get_task_for(db(), user, task_id)
    return _draft_view(task, drafts.save(db(), user, task, body["data"]))


@blp.delete("/<int:task_id>/draft")
@blp.response(200, DraftOut)
@transactional
def delete_draft(task_id):
    user = current_user()
    task = case_reads.get_task_for(db(), user, task_id)
    drafts.remove(db(), user, task)
    return _draft_view(task, None)


@blp.post("/<int:task_id>/complete")
@blp.arguments(DataIn)
@blp.response(200, TaskOut)
@transactional
def complete(body, task_id):
    task = cases.complete(platform(), db(), current_user(), task_id, body["data"])
    return json_response(task_view(task))
