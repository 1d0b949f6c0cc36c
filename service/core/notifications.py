"""In-app notifications (the bell); the scheduler's reminders add to these."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from .. import deferred
from ..db import insert_rows, update_rows
from ..errors import NotFound
from . import access, mail
from .models import Notification, User, UserRole, localnow
from .registry import REGISTRY

# The kinds the workflow core sends (core/events.py, assignment.py, reminders.py); each
# feature declares its own next to the code that sends it.
for _kind, _label in {"task": "新待办", "assigned": "转办", "returned": "退回", "rejected": "未通过",
                      "completed": "已办结", "reminder": "提醒"}.items():
    REGISTRY.notification_kind(_kind, _label)


def for_user(session: Session, user: User, limit: int = 200) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user.id)
                                .order_by(Notification.created_at.desc(), Notification.id.desc())
                                .limit(limit)))


def mark_read(session: Session, user: User, notification_id: int) -> Notification:
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound("通知不存在 / no such notification")
    notification.read = True
    return notification


def mark_all_read(session: Session, user: User) -> int:
    """全部标为已读: returns how many were unread."""
    result = session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read.is_(False)).values(read=True))
    return result.rowcount or 0


def _compose(user: User, kind: str, message: str, task_id: int | None, subject: str | None,
             link: str | None, now) -> tuple[dict, str, str]:
    """What one notice writes: the notification's column values, and the email's subject and
    body (for mail.queue / mail.outbox_row). Both notify paths build them here."""
    if kind not in REGISTRY.notification_kinds:  # it would reach the user without a label
        raise ValueError(f"notification kind {kind!r} is not declared (REGISTRY.notification_kind)")
    body = f"{user.display_name or user.username}，您好：\n\n{message}"
    if link:
        body += f"\n\n办理链接：{link}"
    return ({"user_id": user.id, "kind": kind, "task_id": task_id, "message": message,
             "created_at": now or localnow(), "read": False},
            subject or f"【人才培养】{message[:60]}", body)


def _collapses(kind: str, task_id: int | None) -> bool:
    # Reminders of one task collapse into one entry, refreshed and unread again, rather than
    # piling up day after day (each is still sent by email).
    return kind == "reminder" and task_id is not None


def notify(session: Session, user: User, kind: str, message: str, *, task_id: int | None = None,
           subject: str | None = None, link: str | None = None, now=None) -> None:
    """An in-app notification plus, where the user has an address, the same notice by email
    (queued in the caller's transaction, see service/mail.py). Both rows are written with the
    action's other appended rows (service/deferred.py): nothing reads their ids back."""
    values, subject, body = _compose(user, kind, message, task_id, subject, link, now)
    earlier = None
    if _collapses(kind, task_id):
        earlier = session.scalar(select(Notification).where(
            Notification.task_id == task_id, Notification.kind == "reminder",
            Notification.user_id == user.id).order_by(Notification.id.desc()).limit(1))
    if earlier is None:
        deferred.insert_row(session, Notification, values)
    else:
        earlier.message, earlier.created_at, earlier.read = (
            values["message"], values["created_at"], False)
    mail.queue(session, user, subject, body)


class Batch:
    """Notices gathered by a job and written in three statements (`write`) instead of an ORM
    object each: the same rows `notify` writes, collapsing reminders alike. `earlier`:
    {(user id, task id): notification id} from `earlier_reminders`, one query for all."""

    def __init__(self, earlier: dict):
        self.earlier = earlier
        self.new: list[dict] = []
        self.refreshed: list[dict] = []
        self.mails: list[dict] = []

    def add(self, user: User, kind: str, message: str, *, task_id: int | None = None,
            subject: str | None = None, link: str | None = None, now=None) -> None:
        values, subject, body = _compose(user, kind, message, task_id, subject, link, now)
        earlier = self.earlier.get((user.id, task_id)) if _collapses(kind, task_id) else None
        if earlier is None:
            self.new.append(values)
        else:
            self.refreshed.append({"id": earlier, "message": values["message"],
                                   "created_at": values["created_at"], "read": False})
        email = mail.outbox_row(user, subject, body)
        if email is not None:
            self.mails.append(email)

    def write(self, session: Session) -> None:
        insert_rows(session, Notification, self.new)
        update_rows(session, Notification, self.refreshed)
        mail.queue_many(session, self.mails)
        self.new, self.refreshed, self.mails = [], [], []


def earlier_reminders(session: Session, task_ids) -> dict:
    """{(user id, task id): id of the latest reminder} for the tasks `task_ids` (a SELECT of
    their ids) in one query: the database joins, which holds up however many tasks and
    whatever its statistics say (500-id IN lists were scanned whole on PostgreSQL when the
    table had just grown)."""
    found: dict = {}
    for row_id, user_id, task_id in session.execute(
            select(Notification.id, Notification.user_id, Notification.task_id).where(
                Notification.kind == "reminder", Notification.task_id.in_(task_ids))
            .order_by(Notification.id)):
        found[(user_id, task_id)] = row_id
    return found


def users_with_role(session: Session, role: str) -> list[User]:
    # Their roles come in the same round trip: the scope checks that follow read them.
    return list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == role, User.active.is_(True))
                                .options(joinedload(User.role_rows))
                                .order_by(User.id)).unique())


class _Scope(NamedTuple):
    """What access.may_work reads of an unclaimed role task (an ORM HumanTask built to ask
    cost more than the answer)."""
    role: str
    unit_id: int | None
    department_id: int | None
    starter_id: int | None = None
    assignee_id: int | None = None


def task_recipients(session: Session, task, role: str | None = None,
                    users_by_role: dict | None = None, holders=None) -> list[User]:
    """Who is reminded of `task`: its holder, or when unclaimed the users of its role within
    the task's scope (the inbox rules of service/access.py). With `role`, the users of that
    role who would be in scope of the same case (escalation to a supervising role).
    `holders`: the process's core/recipients.RoleHolders, to read a role's users from there."""
    if role is None and task.assignee_id is not None:
        holder = session.get(User, task.assignee_id)
        return [holder] if holder is not None and holder.active else []
    role = role or task.role
    if role is None:
        return []
    if users_by_role is None:
        probe = _Scope(role, task.unit_id, task.department_id, task.starter_id)
        users = holders.of_role(session, role) if holders else users_with_role(session, role)
        return [user for user in users if access.may_work(user, probe)]
    # A job reminding thousands of tasks asks the same few scopes again and again: cache the
    # answer per (role, unit, department), still decided by access.may_work — on snapshots
    # (core/recipients.Holder): the ORM's attribute access was a third of the job's Python.
    scope = (role, task.unit_id, task.department_id)
    if scope not in users_by_role:
        if role not in users_by_role:
            from .recipients import Holder
            users_by_role[role] = [Holder.of(user) for user in users_with_role(session, role)]
        probe = _Scope(role, task.unit_id, task.department_id)
        users_by_role[scope] = [u for u in users_by_role[role] if access.may_work(u, probe)]
    return [u for u in users_by_role[scope] if u.id != task.starter_id]


def task_link(base_url: str, task_id: int) -> str:
    return f"{base_url.rstrip('/')}/tasks/{task_id}"
