"""The reads that start a case action: lock the case's row (PostgreSQL: FOR UPDATE; SQLite
serializes writers at BEGIN) and read what the action needs as it stands under the lock, in as
few round trips as possible. No authorization here: core/cases.py and core/assignment.py
decide who may act."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import BigInteger, Boolean, Text, bindparam, column, exists, func, select, text
from sqlalchemy.dialects import postgresql
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
    return case, open_rows


_LOCK_CASE, _OPEN_ROWS_UNDER_LOCK = _lock_statements()


def _locked_with_open_rows():
    """PostgreSQL: lock_task_row's two reads in one round trip. The case's row is locked in a
    subquery; its open tasks come from talentflow_open_tasks (migration 0010), a volatile
    function called after the lock is held, so they are read with a snapshot taken then — a
    join would return them as they stood before waiting for the lock. One row per open task
    (none: one row with no task); fields picked from the function's row by name, matched to
    the ORM's columns by position. The function's drafts and done-steps rule is the SQL twin
    of _OPEN_ROWS_UNDER_LOCK's (SQLite's second read): change both together."""
    dialect = postgresql.dialect()
    quote = dialect.identifier_preparer.quote
    revision_sql = REVISION_COLUMN.element.compile(dialect=dialect,
                                                   compile_kwargs={"literal_binds": True})
    cases, tasks = Instance.__table__.columns, HumanTask.__table__.columns
    revision, has_draft, done_names = (column("revision", BigInteger),
                                       column("has_draft", Boolean), column("done_names", Text))
    case_table, task_table = quote(Instance.__tablename__), quote(HumanTask.__tablename__)
    sql = (f"SELECT {', '.join(f'i.{quote(c.name)}' for c in cases)}, "
           f"({revision_sql}) AS revision, "
           f"{', '.join(f'(f.task).{quote(c.name)}' for c in tasks)}, f.has_draft, f.done_names "
           f"FROM (SELECT * FROM {case_table} WHERE id = (SELECT instance_id FROM {task_table} "
           f"WHERE id = :task_id) FOR UPDATE) AS i "
           f"LEFT JOIN LATERAL talentflow_open_tasks(i.id) AS f ON true")
    textual = text(sql).columns(*cases, revision, *tasks, has_draft, done_names)
    return select(Instance, revision, HumanTask, has_draft, done_names).from_statement(
        textual).execution_options(populate_existing=True)


_LOCK_WITH_OPEN_ROWS = _locked_with_open_rows()


def lock_task_row(session, task_id) -> LockedTask:
    """Lock the task's case and read its open tasks as they stand under the lock — the one
    acted on, and what re-indexing compares with afterwards — with which of them have drafts
    and which steps the case has completed before (what the action's notices need). On
    PostgreSQL one round trip (_locked_with_open_rows), elsewhere two (the writer holds the
    database). No authorization: callers decide who may act."""
    if is_postgres(session):
        found = session.execute(_LOCK_WITH_OPEN_ROWS, {"task_id": task_id}).all()
        if not found:
            return LockedTask(None, None, [], frozenset(), None)
        instance, revision = found[0][0], found[0][1]
        found = [(row, draft, names) for _, _, row, draft, names in found if row is not None]
    else:
        locked = session.execute(_LOCK_CASE, {"task_id": task_id}).first()
        if locked is None:
            return LockedTask(None, None, [], frozenset(), None)
        instance, revision = locked
        found = session.execute(_OPEN_ROWS_UNDER_LOCK, {"instance_id": instance.id}).all()
    remember_revision(session, revision)
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
