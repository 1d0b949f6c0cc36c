"""转办 and admin release: who may hand a task to whom — one rule for the API, the task page's
picker and the check itself."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, Invalid, NotFound
from . import access, case_locks, cases, notifications
from .models import HumanTask, User


def eligible_users(session: Session, task: HumanTask) -> list[User]:
    """Active users holding the task's role within its scope (never the case's starter for a
    review). An applicant's step belongs to the starter and is never handed on."""
    if task.role is None or task.status != "ready":
        return []
    return [user for user in notifications.users_with_role(session, task.role)
            if access.may_work(user, task)]


def may_assign(user: User, task: HumanTask) -> bool:
    return task.status == "ready" and task.role is not None and (
        user.has_role("admin") or _holds(user, task))


def _holds(user: User, task: HumanTask) -> bool:
    """Holds it and still may work it (a holder whose role was taken away holds nothing)."""
    return task.assignee_id == user.id and access.may_work(user, task)


def _locked(session: Session, user: User, task_id: int) -> HumanTask:
    task = case_locks.lock_task_row(session, task_id).task
    if task is None or not access.may_see_task(user, task):
        raise NotFound("任务不存在 / no such task")
    return task


def assign(platform, session: Session, user: User, task_id: int, username) -> HumanTask:
    """转办: the admin or the task's holder hands it to a user holding its role in scope."""
    task = _locked(session, user, task_id)
    if not (user.has_role("admin") or _holds(user, task)):
        raise Forbidden("只有办理人或系统管理员可以转办 / only the holder or an admin may reassign")
    if task.status != "ready":
        raise Conflict("任务已办结 / the task is already completed")
    if task.role is None:
        raise Invalid("申请人本人的事项不能转办 / an applicant's step cannot be reassigned",
                      {"username": ["申请人本人的事项不能转办"]})
    target = session.scalar(select(User).where(User.username == username)) \
        if isinstance(username, str) else None
    if target is None or not target.active or not access.may_work(target, task):
        raise Invalid("只能转办给在本案件范围内具有该角色的用户 / the user must hold the task's role in its scope",
                      {"username": ["只能转办给在本案件范围内具有该角色的用户"]})
    if task.assignee_id == target.id:
        return task
    task.assignee_id = target.id
    base_url = platform.settings(session)["base_url"]
    by = user.display_name or user.username
    notifications.notify(
        session, target, "assigned",
        f"{by}将“{task.applicant_name or '申请人'}”的“{task.title}”转交给您办理。",
        task_id=task.id, subject=f"【人才培养】转办：{task.title}",
        link=notifications.task_link(base_url, task.id), now=platform.now())
    return task


def release(platform, session: Session, user: User, task_id: int) -> HumanTask:
    """Back to the role's queue: by its holder (core/cases.release), or by an admin for any
    claimed task."""
    if not user.has_role("admin"):
        return cases.release(platform, session, user, task_id)
    task = _locked(session, user, task_id)
    if task.assignee_id == user.id and access.may_work(user, task):
        return cases.release(platform, session, user, task_id)
    if task.status != "ready":
        raise Conflict("任务已办结 / the task is already completed")
    if task.role is None:
        raise Conflict("申请人任务不能退回队列 / an applicant task cannot be released")
    task.assignee_id = None
    return task
