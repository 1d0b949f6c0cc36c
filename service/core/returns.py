"""回退: a review sends its case back to any user task the case has already passed.

The engine rewinds to that task's latest run (service/engine/runtime.py `return_to`); here are
the rules around it: which steps a task may return to, and who gets the reopened step."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..engine import LiveWorkflow
from ..errors import Invalid
from . import access
from .models import HumanTask, User


def targets(live: LiveWorkflow, current_name: str) -> list[tuple[str, str]]:
    """(name, title) of the user tasks the case has passed on its current path, oldest first,
    the task being worked excluded."""
    tasks = live.compiled.user_tasks
    return [(name, tasks[name].title if name in tasks else name)
            for name in live.passed_user_tasks() if name != current_name]


def check_target(live: LiveWorkflow, task: HumanTask, target) -> None:
    if not isinstance(target, str) or target not in {n for n, _ in targets(live, task.name)}:
        raise Invalid("只能退回到本案件已经办理过的步骤 / return_to must name a step this case has passed",
                      {"return_to": ["只能退回到本案件已经办理过的步骤"]})


def reopen_for_last_holder(session: Session, opened: list[HumanTask], target: str) -> None:
    """The reopened step goes back to whoever did it last, while they still may work it;
    otherwise it waits for its role (an applicant's step always belongs to the starter)."""
    for row in opened:
        if row.name != target or row.role is None:
            continue
        last = session.scalar(
            select(HumanTask.completed_by).where(
                HumanTask.instance_id == row.instance_id, HumanTask.name == target,
                HumanTask.status == "completed", HumanTask.completed_by.is_not(None))
            .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(1))
        user = session.get(User, last) if last else None
        if user is not None and user.active and access.may_work(user, row):
            row.assignee_id = user.id
