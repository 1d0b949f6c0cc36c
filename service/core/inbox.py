"""The inbox (待办) and done list (已办): indexed queries on the human-task table."""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .access import claimable_clause
from .models import HumanTask, User


# What a task list shows, with the holder's username, read as plain rows in one query: loading
# ORM objects and then each holder cost more than the query itself.
LISTED = (HumanTask.id, HumanTask.instance_id, HumanTask.process_id, HumanTask.name,
          HumanTask.title, HumanTask.role, HumanTask.applicant_name, HumanTask.status,
          HumanTask.created_at, HumanTask.due_at, HumanTask.completed_at, HumanTask.decision,
          User.username.label("assignee"))


def _inbox_condition(user: User):
    """Ready tasks assigned to the user plus unclaimed tasks of the user's roles in scope."""
    return and_(HumanTask.status == "ready",
                or_(HumanTask.assignee_id == user.id,
                    and_(HumanTask.assignee_id.is_(None), claimable_clause(user))))


def inbox_query(user: User):
    return select(HumanTask).where(_inbox_condition(user))


def _listed(condition, *order):
    return (select(*LISTED).select_from(HumanTask)
            .outerjoin(User, User.id == HumanTask.assignee_id).where(condition).order_by(*order))


def inbox(session: Session, user: User, limit: int = 200, offset: int = 0) -> list:
    """The inbox as rows of LISTED, the soonest due first."""
    return list(session.execute(_listed(_inbox_condition(user), HumanTask.due_at, HumanTask.id)
                                .limit(limit).offset(offset)))


def done(session: Session, user: User, limit: int = 200, offset: int = 0) -> list:
    """已办 as rows of LISTED, the latest first."""
    return list(session.execute(_listed(HumanTask.completed_by == user.id,
                                        HumanTask.completed_at.desc(), HumanTask.id.desc())
                                .limit(limit).offset(offset)))
