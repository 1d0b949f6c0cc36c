"""Who may see and work what: one place for role and scope rules (API and web share it)."""
from __future__ import annotations

from sqlalchemy import and_, false, or_, select

from ..errors import Conflict, Forbidden
from .models import HumanTask, Instance, User
from .roles import CASE_WIDE_ROLES, DISTRICT_ROLES, TASK_SCOPED_ROLES, UNIT_ROLES


def claim_scope(user: User) -> tuple:
    """What decides which unclaimed tasks a user may pick up, hashable (a cache key)."""
    return user.id, user.unit_id, user.department_id, tuple(user.roles)


def claimable_clause(user: User):
    """SQL condition: unclaimed role tasks this user may pick up (role + scope)."""
    return claimable_in(claim_scope(user))


def claimable_in(scope: tuple):
    """claimable_clause of a claim_scope."""
    user_id, unit_id, department_id, roles = scope
    clauses = []
    for role in roles:
        if role in UNIT_ROLES:
            if unit_id is not None:
                clauses.append(and_(HumanTask.role == role, HumanTask.unit_id == unit_id))
        elif role == "department_reviewer":
            if department_id is not None:
                clauses.append(and_(HumanTask.role == role,
                                    HumanTask.department_id == department_id))
        elif role in DISTRICT_ROLES:
            clauses.append(HumanTask.role == role)
    if not clauses:
        return false()
    # Separation of duties: the starter of a case never works its reviews.
    return and_(or_(*clauses), or_(HumanTask.starter_id.is_(None), HumanTask.starter_id != user_id))


def may_work(user: User, task: HumanTask) -> bool:
    """May `user` claim or complete `task` (ignoring who holds it)?"""
    if task.role is None:
        return task.assignee_id == user.id
    if not user.has_role(task.role) or task.starter_id == user.id:
        return False
    if task.role in UNIT_ROLES:
        return user.unit_id is not None and task.unit_id == user.unit_id
    if task.role == "department_reviewer":
        return user.department_id is not None and task.department_id == user.department_id
    return True


def may_see_task(user: User, task: HumanTask) -> bool:
    """Its holder sees it while they may work it (a role taken away, it is gone for them),
    whoever completed it always (their 已办)."""
    return may_work(user, task) or task.completed_by == user.id or user.has_role("admin")


def may_see_instance(user: User, instance: Instance, session=None) -> bool:
    if instance.starter_id == user.id or user.has_role(*CASE_WIDE_ROLES):
        return True
    if user.unit_id is not None and instance.unit_id == user.unit_id and user.has_role(*UNIT_ROLES):
        return True
    if (user.department_id is not None and instance.department_id == user.department_id
            and user.has_role("department_reviewer")):
        return True
    scoped = [role for role in user.roles if role in TASK_SCOPED_ROLES]
    if scoped and session is not None:
        return session.scalar(select(HumanTask.id).where(
            HumanTask.instance_id == instance.id, HumanTask.role.in_(scoped)).limit(1)) is not None
    return False


def visible_instances_clause(user: User):
    if user.has_role(*CASE_WIDE_ROLES):
        return True
    clauses = [Instance.starter_id == user.id]
    scoped = [role for role in user.roles if role in TASK_SCOPED_ROLES]
    if scoped:
        clauses.append(Instance.id.in_(select(HumanTask.instance_id).where(
            HumanTask.role.in_(scoped))))
    if user.unit_id is not None and user.has_role(*UNIT_ROLES):
        clauses.append(Instance.unit_id == user.unit_id)
    if user.department_id is not None and user.has_role("department_reviewer"):
        clauses.append(Instance.department_id == user.department_id)
    return or_(*clauses)


def ensure_may_work_now(user: User, task: HumanTask) -> None:
    """Completing a task or keeping a draft of it: the task is still open, the user may work
    it, and nobody else holds it (409 / 403 / 409)."""
    if task.status != "ready":
        raise Conflict("任务已办结 / the task is already completed")
    if not may_work(user, task):
        raise Forbidden("无权办理该任务 / you may not work this task")
    if task.assignee_id is not None and task.assignee_id != user.id:
        raise Conflict("任务已被他人签收 / someone else holds this task")
