"""Overdue reminders (the `task_reminders` job) and the reminder a BPMN timer sends
(the `remind_task_holders` service-task operation)."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import notifications
from . import settings as settings_store
from .jobs import DatedPlatform, done_targets, once_many
from .models import HumanTask, User
from .registry import REGISTRY


def overdue_cutoff(as_of: date) -> datetime:
    """A ready task is overdue on `as_of` when its due_at is before this: its last day ended
    before that day (the reminders and the summary report count alike)."""
    return datetime.combine(as_of, time.min)


@REGISTRY.job("0 9 * * *", "超期提醒任务")
def task_reminders(platform, session: Session, as_of: date) -> dict:
    """Remind the holder (or the role's users in scope) of every task past its due date, once
    per task per day; from `reminder_escalation_days` working days overdue, also the
    supervising role in the same scope."""
    values = settings_store.load(session, platform.config)
    calendar = platform.calendar
    period = as_of.isoformat()
    summary = {"date": period, "tasks": 0, "notified": 0, "escalated": 0, "skipped": 0}
    if values["reminder_workdays_only"] and not calendar.is_workday(as_of):
        summary["reason"] = "not_a_workday"
        return summary
    cutoff = overdue_cutoff(as_of)
    done = done_targets(session, "task_reminders", period)
    # Columns, not ORM objects: the job only reads them, ten thousand at a time.
    is_overdue = (HumanTask.due_at < cutoff, HumanTask.status == "ready")
    overdue = [t for t in session.execute(select(*_TASK_COLUMNS).where(*is_overdue)
                                          .order_by(HumanTask.due_at))
               if f"task:{t.id}" not in done]
    summary["skipped"] = len(done)
    escalate_after = int(values["reminder_escalation_days"])
    supervisors = values["escalation_roles"] or {}
    users_by_role: dict = {}  # notifications.task_recipients keeps its answers per scope here
    now = DatedPlatform(platform, as_of).now()
    earlier = notifications.earlier_reminders(session, select(HumanTask.id).where(*is_overdue)) \
        if overdue else {}
    late_by_due: dict[date, int] = {}

    def remind(task, batch: notifications.Batch) -> tuple[int, int]:
        due = task.due_at.date()
        if due not in late_by_due:
            late_by_due[due] = max(calendar.workdays_between(due, as_of), 0)
        late = late_by_due[due]
        link = notifications.task_link(values["base_url"], task.id)
        what = f"“{task.applicant_name or '申请人'}”的“{task.title}”"
        told = set()
        for user in notifications.task_recipients(session, task, users_by_role=users_by_role):
            batch.add(user, "reminder",
                      f"待办超期提醒：{what}已于 {task.due_at:%Y-%m-%d} 到期（超期 {late} 个工作日），请尽快办理。",
                      task_id=task.id, subject=f"【人才培养】待办超期提醒：{task.title}", link=link,
                      now=now)
            told.add(user.id)
        escalated = 0
        role = supervisors.get(task.role or "applicant")
        if escalate_after and late >= escalate_after and role:
            if role == "department_reviewer" and task.department_id is None:
                role = "org_reviewer"  # a unit without a department answers to the district
            for user in notifications.task_recipients(session, task, role=role,
                                                      users_by_role=users_by_role):
                if user.id in told:
                    continue
                batch.add(user, "reminder",
                          f"督办提醒：{what}已超期 {late} 个工作日仍未办理，请督促办理。",
                          task_id=task.id, subject=f"【人才培养】督办提醒：{task.title}", link=link,
                          now=now)
                escalated += 1
        return len(told), escalated

    def remind_many(tasks: list) -> None:
        # The holders in one query; task_recipients then finds them in the session's identity
        # map (which holds them only while referenced: hence the name kept till the end).
        holder_ids = {t.assignee_id for t in tasks if t.assignee_id is not None}
        holders = list(session.scalars(select(User).where(User.id.in_(holder_ids)))) \
            if holder_ids else []
        batch = notifications.Batch(earlier)
        counted = [remind(task, batch) for task in tasks]
        batch.write(session)
        # Counted once written: a chunk that failed is redone task by task and counted then.
        summary["notified"] += sum(n for n, _ in counted)
        summary["escalated"] += sum(e for _, e in counted)
        del holders

    counts = once_many(session, "task_reminders", period, overdue, lambda t: f"task:{t.id}",
                       remind_many)
    summary["tasks"] = counts["done"]
    summary["skipped"] += counts["skipped"]
    summary["failed"] = counts["failed"]
    return summary


_TASK_COLUMNS = (HumanTask.id, HumanTask.title, HumanTask.applicant_name, HumanTask.due_at,
                 HumanTask.role, HumanTask.unit_id, HumanTask.department_id,
                 HumanTask.starter_id, HumanTask.assignee_id)


@REGISTRY.operation(label="提醒待办的办理人")
def remind_task_holders(ctx, data: dict, params: dict) -> int:
    """Notify whoever may work the case's open task `task` (a BPMN id; e.g. a boundary timer on
    a slow review): the holder, or the role's users in scope. Returns how many were told."""
    name = params.get("task")
    tasks = list(ctx.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == ctx.instance.id, HumanTask.status == "ready",
        HumanTask.name == name)))
    base_url = ctx.platform.settings(ctx.session)["base_url"]  # the cache: no read per case
    told = 0
    for task in tasks:
        message = (f"“{task.applicant_name or '申请人'}”的“{task.title}”已等待较长时间，"
                   f"请尽快办理。")
        for user in notifications.task_recipients(ctx.session, task):
            notifications.notify(ctx.session, user, "reminder", message, task_id=task.id,
                                 subject=f"【人才培养】待办提醒：{task.title}",
                                 link=notifications.task_link(base_url, task.id), now=ctx.now)
            told += 1
    return told
