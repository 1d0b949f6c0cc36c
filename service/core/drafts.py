"""暂存: a user's unfinished answers to a task form, kept per user per task until submitted."""
from __future__ import annotations

import json

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..errors import Invalid
from . import access
from .models import HumanTask, TaskDraft, User, localnow
from .text import bad_strings

MAX_DRAFT_CHARS = 256 * 1024


def get(session: Session, user: User, task: HumanTask) -> TaskDraft | None:
    return session.scalar(select(TaskDraft).where(TaskDraft.task_id == task.id,
                                                  TaskDraft.user_id == user.id))


def save(session: Session, user: User, task: HumanTask, data) -> TaskDraft:
    """Keep `data` as the user's draft of `task` (replacing an earlier one). Not validated
    against the form — a draft may be incomplete — but held to the text rules and a size."""
    access.ensure_may_work_now(user, task)
    if not isinstance(data, dict):
        raise Invalid("数据必须是 JSON 对象 / data must be an object", {"data": ["必须是 JSON 对象"]})
    bad = bad_strings(data, "data")
    if bad:
        raise Invalid("暂存的数据包含非法或过长的文本 / invalid text", bad)
    if len(json.dumps(data, ensure_ascii=False)) > MAX_DRAFT_CHARS:
        raise Invalid("暂存的数据过大 / draft too large", {"data": ["暂存内容过大"]})
    draft = get(session, user, task)
    if draft is None:
        draft = TaskDraft(task_id=task.id, user_id=user.id)
        session.add(draft)
    draft.data, draft.saved_at = data, localnow()
    return draft


def remove(session: Session, user: User, task: HumanTask) -> None:
    session.execute(delete(TaskDraft).where(TaskDraft.task_id == task.id,
                                            TaskDraft.user_id == user.id))


def discard(session: Session, task_id: int) -> None:
    """A task was submitted: nobody's draft of it is needed any more."""
    session.execute(delete(TaskDraft).where(TaskDraft.task_id == task_id))
