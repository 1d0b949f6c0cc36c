"""The reads that start a case action: lock the case's row (PostgreSQL: FOR UPDATE; SQLite
serializes writers at BEGIN) and read what the action needs as it stands under the lock, in as
few round trips as possible. No authorization here: core/cases.py and core/assignment.py
decide who may act."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session, aliased

from ..db import is_postgres
from ..errors import NotFound
from .models import HumanTask, Instance, TaskDraft
from .recipients import REVISION_COLUMN, remember_revision


def lock_instance(session: Session, instance_id: int) -> Instance:
    """The case's row, locked (with the directory's revision, for core/recipients.py)."""
    query = select(Instance, REVISION_COLUMN).where(Instance.id == instance_id).execution_options(
        populate_existing=True)
    if is_postgres(session):
        query = query.with_for_update(of=Instance)
    locked = session.execute(query).first()
    if locked is None:
        raise NotFound("案件不存在 / no such case")
    remember_revision(session, locked[1])
    return locked[0]


class LockedTask(NamedTuple):
    task: HumanTask | None
    instance: Instance | None
    open_rows: list[HumanTask]  # the case's open tasks, as they stand under the lock
    drafted: frozenset[int]  # ids of open tasks someone keeps a draft of
    done_names: frozenset[str] | None  # steps of the case completed before (None: not read)


def _lock_statements():
    """The two reads of lock_task_row, built once (building an ORM statement costs more Python
    than PostgreSQL takes to answer it); the ids are bound per call."""
    task_id = bindparam("task_id")
    case = select(Instance, REVISION_COLUMN).where(Instance.id == select(HumanTask.instance_id).where(
        HumanTask.id == task_id).scalar_subquery()).execution_options(populate_existing=True)
    done = aliased(HumanTask)
    instance_id = bindparam("instance_id")
    # each step once, however many rounds of corrections the case has been through
    names = select(done.name).where(done.instance_id == instance_id,
                                    done.status == "completed").distinct().subquery()
    done_names = select(func.aggregate_strings(names.c.name, ",")).scalar_subquery()
    has_draft = exists().where(TaskDraft.task_id == HumanTask.id)
    open_rows = select(HumanTask, has_draft, done_names).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "ready").order_by(
        HumanTask.id).execution_options(populate_existing=True)
    return case, case.with_for_update(of=Instance), open_rows


_LOCK_CASE, _LOCK_CASE_FOR_UPDATE, _OPEN_ROWS_UNDER_LOCK = _lock_statements()


def lock_task_row(session, task_id) -> LockedTask:
    """Lock the task's case and read its open tasks as they stand under the lock. Two round
    trips: the case's row (found through the task in the same statement), then every open
    task of the case — the one acted on, and what re-indexing compares with afterwards —
    with, in the same statement, which of them have drafts and which steps the case has
    completed before (what the action's notices need). No authorization: callers decide who
    may act."""
    query = _LOCK_CASE_FOR_UPDATE if is_postgres(session) else _LOCK_CASE
    locked = session.execute(query, {"task_id": task_id}).first()
    if locked is None:
        return LockedTask(None, None, [], frozenset(), None)
    instance, revision = locked
    remember_revision(session, revision)
    found = session.execute(_OPEN_ROWS_UNDER_LOCK, {"instance_id": instance.id}).all()
    open_rows = [row for row, _, _ in found]
    drafted = frozenset(row.id for row, draft, _ in found if draft)
    names = frozenset((found[0][2] or "").split(",")) - {""} if found else None
    task = next((row for row in open_rows if row.id == task_id), None)
    if task is None:  # no longer open: completed, cancelled
        task = session.get(HumanTask, task_id, populate_existing=True)
    return LockedTask(task, instance, open_rows, drafted, names)


def open_rows(session: Session, instance_id: int) -> list[HumanTask]:
    return list(session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
        .order_by(HumanTask.id).execution_options(populate_existing=True)))
