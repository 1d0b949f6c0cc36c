"""The inbox (待办) and done list (已办): indexed queries on the human-task table."""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .access import claimable_clause
from .models import HumanTask, User


def inbox_query(user: User):
    """Ready tasks assigned to the user plus unclaimed tasks of the user's roles in scope."""
    return select(HumanTask).where(
        HumanTask.status == "ready",
        or_(HumanTask.assignee_id == user.id,
            and_(HumanTask.assignee_id.is_(None), claimable_clause(user))),
    )


def inbox(session: Session, user: User, limit: int = 200, offset: int = 0) -> list[HumanTask]:
    query = inbox_query(user).order_by(HumanTask.due_at, HumanTask.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def done(session: Session, user: User, limit: int = 200, offset: int = 0) -> list[HumanTask]:
    query = (select(HumanTask).where(HumanTask.completed_by == user.id)
             .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()).limit(limit).offset(offset))
    return list(session.scalars(query))
