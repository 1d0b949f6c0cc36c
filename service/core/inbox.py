"""The inbox (待办) and done list (已办): indexed queries on the human-task table."""
from __future__ import annotations

import functools

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from .access import claim_scope, claimable_in
from .models import HumanTask, User
from .recipients import REVISION_COLUMN, remember_revision


# What a task list shows, with the holder's username, read as plain rows in one query: loading
# ORM objects and then each holder cost more than the query itself. Labelled and ordered as the
# API's TaskOut, so a row's _asdict() is the document.
LISTED = (HumanTask.id, HumanTask.instance_id, HumanTask.process_id, HumanTask.name,
          HumanTask.title, HumanTask.role, User.username.label("assignee"),
          HumanTask.applicant_name, HumanTask.status, HumanTask.created_at, HumanTask.due_at,
          HumanTask.completed_at, HumanTask.decision)


def _inbox_condition(scope: tuple):
    """Ready tasks the user holds and may work (access.may_work: their own applicant steps,
    role tasks while the role and scope are still theirs) plus the unclaimed ones of their
    roles in scope."""
    claimable = claimable_in(scope)
    return and_(HumanTask.status == "ready",
                or_(and_(HumanTask.assignee_id == scope[0],
                         or_(HumanTask.role.is_(None), claimable)),
                    and_(HumanTask.assignee_id.is_(None), claimable)))


def inbox_query(user: User):
    return select(HumanTask).where(_inbox_condition(claim_scope(user)))


def _listed(condition, *order, columns=LISTED):
    return (select(*columns).select_from(HumanTask)
            .outerjoin(User, User.id == HumanTask.assignee_id).where(condition).order_by(*order)
            .limit(bindparam("limit")).offset(bindparam("offset")))


# Built once per claim scope (role, unit, department), not per request: building the statement
# took as long as running it and reading its 60 rows (bench/bench_http.py's inbox). The
# directory's revision comes with the rows: a caller this process kept is confirmed by it
# (http/callers.py), so the inbox need not read its caller first.
@functools.lru_cache(maxsize=1024)
def _inbox_statement(scope: tuple):
    return _listed(_inbox_condition(scope), HumanTask.due_at, HumanTask.id,
                   columns=(*LISTED, REVISION_COLUMN.label("revision")))


_DONE = _listed(HumanTask.completed_by == bindparam("user_id"),
                HumanTask.completed_at.desc(), HumanTask.id.desc(),
                columns=(*LISTED, REVISION_COLUMN.label("revision")))


def inbox(session: Session, user: User, limit: int = 200, offset: int = 0) -> list[dict]:
    """The inbox as TaskOut documents (LISTED's labels), the soonest due first."""
    return _documents(session, _inbox_statement(claim_scope(user)),
                      {"limit": limit, "offset": offset})


def done(session: Session, user: User, limit: int = 200, offset: int = 0) -> list[dict]:
    """已办 as TaskOut documents, the latest first."""
    return _documents(session, _DONE, {"user_id": user.id, "limit": limit, "offset": offset})


def _documents(session: Session, statement, params: dict) -> list[dict]:
    """The rows as documents; the revision read with them is remembered for the session
    (core/recipients.py)."""
    documents = []
    for row in session.execute(statement, params):
        document = row._asdict()
        revision = document.pop("revision")
        if not documents:
            remember_revision(session, revision)
        documents.append(document)
    return documents
