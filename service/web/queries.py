"""Read-side queries the pages need on top of the domain services (inbox filters, case facts).

The inbox starts from core/inbox.py's query, so role and scope rules are applied once."""
from __future__ import annotations

from flask_babel import lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import cases, definitions
from ..core import inbox as inbox_service
from ..core.models import HumanTask, Instance, ProcessDefinition, Unit, User

TABS = {"all": lazy_gettext("全部"), "mine": lazy_gettext("我的待办"), "queue": lazy_gettext("待签收")}


def _tab_clause(user: User, tab: str):
    if tab == "mine":
        return HumanTask.assignee_id == user.id
    if tab == "queue":
        return HumanTask.assignee_id.is_(None)
    return None


def _filtered(user: User, tab: str, filters: dict):
    query = inbox_service.inbox_query(user)
    clause = _tab_clause(user, tab)
    if clause is not None:
        query = query.where(clause)
    if filters.get("process"):
        query = query.where(HumanTask.process_id == filters["process"])
    if filters.get("task"):
        query = query.where(HumanTask.name == filters["task"])
    if filters.get("unit"):
        query = query.where(HumanTask.unit_id == filters["unit"])
    if filters.get("q"):
        query = query.where(HumanTask.applicant_name.contains(filters["q"], autoescape=True))
    if filters.get("round"):
        query = query.join(Instance, Instance.id == HumanTask.instance_id).where(
            Instance.campaign_id == filters["round"])
    return query


def inbox_page(session: Session, user: User, tab: str, filters: dict, page: int, size: int):
    """(tasks, total) of one page; overdue and soonest-due first, tasks without a due date last."""
    query = _filtered(user, tab, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at,
                                          HumanTask.id).limit(size).offset((page - 1) * size))
    return list(rows), total


def tab_counts(session: Session, user: User, filters: dict) -> dict:
    return {tab: session.scalar(select(func.count()).select_from(
        _filtered(user, tab, filters).subquery())) for tab in TABS}


def inbox_choices(session: Session, user: User) -> dict:
    """Options for the filter selects: only what occurs in the user's own inbox."""
    base = inbox_service.inbox_query(user).subquery()
    tasks = session.execute(select(base.c.name, base.c.title).distinct().order_by(base.c.title)).all()
    units = session.execute(select(Unit.id, Unit.name).where(
        Unit.id.in_(select(base.c.unit_id))).order_by(Unit.name)).all()
    return {"tasks": [(n, t) for n, t in tasks], "units": units}


def process_names(session: Session) -> dict[str, str]:
    return {d.process_id: d.name or d.process_id for d in definitions.list_latest(session)}


def open_tasks(session: Session, instance: Instance) -> list[HumanTask]:
    return list(session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "ready").order_by(HumanTask.id)))


def finished_task_names(session: Session, instance: Instance) -> list[str]:
    return list(session.scalars(select(HumanTask.name).distinct().where(
        HumanTask.instance_id == instance.id, HumanTask.status == "completed")))


def application_form_name(session: Session, instance: Instance) -> str | None:
    """The form the applicant filled in (the case's first task that belongs to the starter)."""
    return session.scalar(select(HumanTask.form).where(
        HumanTask.instance_id == instance.id, HumanTask.role.is_(None),
        HumanTask.form.is_not(None)).order_by(HumanTask.id).limit(1))


def submitted_form_names(session: Session, instance: Instance) -> list[str]:
    """The forms the case's completed steps submitted, in the order they were first done;
    review decisions are not forms to show (the timeline has them)."""
    return list(session.scalars(select(HumanTask.form).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "completed",
        HumanTask.form.is_not(None), HumanTask.form != cases.REVIEW_FORM)
        .group_by(HumanTask.form).order_by(func.min(HumanTask.id))))


def diagram_xml(session: Session, instance: Instance) -> str:
    return session.get(ProcessDefinition, instance.definition_id).xml


def names_by_username(session: Session, usernames) -> dict[str, str]:
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    return {u: d or u for u, d in session.execute(
        select(User.username, User.display_name).where(User.username.in_(wanted)))}


def my_ready_task(session: Session, user: User, instance_id: int) -> HumanTask | None:
    return session.scalar(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "ready",
        HumanTask.assignee_id == user.id).order_by(HumanTask.id).limit(1))
