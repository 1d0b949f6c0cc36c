"""Who is told what when a case moves: one rule, raised by core/cases.py after re-indexing, in
the action's transaction (a notice is never sent for work that rolled back).

- `task`: a task opened for the user (assigned to them, or for a role they hold in scope — the
  inbox rules of core/access.py, so never the case's starter for a review);
- `returned`: the case went back to a step it had passed — to the starter, with the comment;
- `rejected` / `completed`: the case ended — to the starter, with the reason or the outcome;
- `assigned` (core/assignment.py): a task was handed to the user.
The acting user is never told of their own action."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import notifications
from .models import HistoryEvent, HumanTask, Instance, ProcessDefinition, User
from .registry import REGISTRY

# Outcomes any process may have; the features register their own (REGISTRY.outcome_labels).
GENERIC_OUTCOMES = {"rejected": "未通过", "cancelled": "已撤回"}


def outcome_label(outcome: str | None) -> str:
    label = REGISTRY.outcome_labels.get(outcome) or GENERIC_OUTCOMES.get(outcome)
    if label is None:
        return outcome or "已办结"
    try:
        return str(label)
    except Exception:  # a lazy translation outside a request: its msgid is the Chinese text
        return getattr(label, "_args", [outcome])[0]


def _process_name(session: Session, instance: Instance) -> str:
    definition = session.get(ProcessDefinition, instance.definition_id)
    return (definition.name if definition is not None and definition.name else instance.process_id)


def _latest_event(session: Session, instance: Instance, decision: str) -> HistoryEvent | None:
    return session.scalar(select(HistoryEvent).where(
        HistoryEvent.instance_id == instance.id, HistoryEvent.decision == decision)
        .order_by(HistoryEvent.at.desc(), HistoryEvent.id.desc()).limit(1))


def case_changed(platform, session: Session, instance: Instance, opened: list[HumanTask],
                 actor: User | None, done_names: frozenset[str] | None = None) -> None:
    """`done_names`: the steps the case has completed, when the caller read them already."""
    actor_id = actor.id if actor is not None else None
    base_url = platform.settings(session)["base_url"]
    now = platform.now()
    starter = None
    told_starter_of: set[int] = set()
    reopened = []
    if opened and instance.status == "running":
        names = {row.name for row in opened}
        passed = done_names & names if done_names is not None else set(session.scalars(
            select(HumanTask.name).where(
                HumanTask.instance_id == instance.id, HumanTask.status == "completed",
                HumanTask.name.in_(names)).distinct()))
        reopened = [row for row in opened if row.name in passed]
    if reopened and instance.starter_id != actor_id:
        starter = session.get(User, instance.starter_id)
        if starter is not None and starter.active:
            back = _latest_event(session, instance, "return")
            comment = back.comment if back is not None and back.comment else ""
            own = next((row for row in reopened if row.assignee_id == starter.id), None)
            steps = "、".join(f"“{row.title}”" for row in reopened)
            message = f"您的“{_process_name(session, instance)}”已被退回至{steps}。"
            if comment:
                message += f"退回意见：{comment}"
            notifications.notify(
                session, starter, "returned", message, task_id=own.id if own else None,
                subject=f"【人才培养】申请被退回：{_process_name(session, instance)}",
                link=notifications.task_link(base_url, own.id) if own else None, now=now)
            if own is not None:
                told_starter_of.add(own.id)
    for row in opened:
        if row.id in told_starter_of:
            continue
        what = f"“{row.applicant_name or '申请人'}”的“{row.title}”"
        for user in notifications.task_recipients(session, row, holders=platform.role_holders):
            if user.id == actor_id:
                continue
            notifications.notify(
                session, user, "task", f"新待办：{what}，请于 {row.due_at:%Y-%m-%d} 前办理。"
                if row.due_at else f"新待办：{what}，请及时办理。", task_id=row.id,
                subject=f"【人才培养】新待办：{row.title}",
                link=notifications.task_link(base_url, row.id), now=now)
    if instance.status == "completed":
        starter = starter or session.get(User, instance.starter_id)
        if starter is None or not starter.active:
            return
        name = _process_name(session, instance)
        if instance.outcome == "rejected":
            refusal = _latest_event(session, instance, "reject")
            reason = refusal.comment if refusal is not None and refusal.comment else ""
            notifications.notify(session, starter, "rejected",
                                 f"您的“{name}”未获通过。" + (f"理由：{reason}" if reason else ""),
                                 subject=f"【人才培养】申请未获通过：{name}", now=now)
        else:
            notifications.notify(session, starter, "completed",
                                 f"您的“{name}”已办结，结果：{outcome_label(instance.outcome)}。",
                                 subject=f"【人才培养】申请已办结：{name}", now=now)
