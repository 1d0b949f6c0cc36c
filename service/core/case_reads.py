"""What a case and its tasks show, for the API, the pages and the features alike: the task's
form as deployed with the case's version, the values it shows, the return that reopened it,
a task or the case itself for a caller who may see it, its history, and the caller's own cases.
Read-only: the actions on a case are core/cases.py's."""
from __future__ import annotations

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from . import access
from .models import HistoryEvent, HumanTask, Instance, User
from .recipients import REVISION_COLUMN, remember_revision

# With the directory's revision: a caller kept by the process is confirmed against it at no
# extra round trip (http/callers.py; GET /api/tasks/<id> and /api/instances/<id> are such reads).
_TASK = select(HumanTask, REVISION_COLUMN).where(HumanTask.id == bindparam("id"))
_CASE = select(Instance, REVISION_COLUMN).where(Instance.id == bindparam("id"))


def _with_revision(session: Session, statement, ident: int):
    """The row `statement` finds by `ident` (None when none), its revision remembered."""
    found = session.execute(statement, {"id": ident}).first()
    if found is None:
        return None
    remember_revision(session, found[1])
    return found[0]


def get_task_for(session: Session, user: User, task_id: int) -> HumanTask:
    task = _with_revision(session, _TASK, task_id)
    if task is None or not access.may_see_task(user, task):
        raise NotFound("任务不存在 / no such task")
    return task


def case_of(session: Session, task: HumanTask) -> Instance:
    """The task's case. A caller needing it twice keeps it: the session holds loaded rows only
    while something refers to them, and a second session.get read it again."""
    return session.get(Instance, task.instance_id)


def task_form(platform, session: Session, task: HumanTask, case: Instance) -> dict | None:
    """The task's form as its case's version was deployed with it."""
    if not task.form:
        return None
    return platform.definitions.form(session, case.definition_id, task.form)


def task_data(case: Instance) -> dict:
    """Values a task shows: the case data as it stands (earlier answers pre-fill a returned form)."""
    return case.data or {}


def return_notice(session: Session, task: HumanTask) -> HistoryEvent | None:
    """The return (退回) that reopened this task, for the top of its form: the latest return in
    the case after this step was last completed, made by another step (its own return sent the
    case back, it did not come back to it) and not explicitly to a third step."""
    if task.status != "ready":
        return None
    last_done = session.scalar(select(HumanTask.completed_at).where(
        HumanTask.instance_id == task.instance_id, HumanTask.name == task.name,
        HumanTask.status == "completed").order_by(HumanTask.completed_at.desc()).limit(1))
    if last_done is None:
        return None
    return session.scalar(select(HistoryEvent).where(
        HistoryEvent.instance_id == task.instance_id, HistoryEvent.decision == "return",
        HistoryEvent.at >= last_done, HistoryEvent.task_name != task.name,
        or_(HistoryEvent.return_to.is_(None), HistoryEvent.return_to == task.name)).order_by(HistoryEvent.at.desc(), HistoryEvent.id.desc())
        .limit(1))


def get_instance_for(session: Session, user: User, instance_id: int) -> Instance:
    instance = _with_revision(session, _CASE, instance_id)
    if instance is None or not access.may_see_instance(user, instance, session):
        raise NotFound("案件不存在 / no such case")
    return instance


def history(session: Session, instance: Instance) -> list[dict]:
    rows = session.execute(
        select(HistoryEvent, User.username).outerjoin(User, User.id == HistoryEvent.user_id)
        .where(HistoryEvent.instance_id == instance.id).order_by(HistoryEvent.at, HistoryEvent.id))
    return [{"name": e.task_name, "title": e.title, "by": username, "at": e.at,
             "decision": e.decision, "comment": e.comment, "return_to": e.return_to}
            for e, username in rows]


def my_instances(session: Session, user: User) -> list[Instance]:
    return list(session.scalars(select(Instance).where(Instance.starter_id == user.id)
                                .order_by(Instance.created_at.desc(), Instance.id.desc())))
