"""All cases (全部案件): an indexed query over the cases the caller may see — no workflow is
loaded; the current steps come from the human-task index."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import BadRequest
from . import access
from .ids import MAX_OFFSET, clamp, parse_id
from .models import HumanTask, Instance, User
from .text import is_clean

STATUSES = ("running", "completed", "cancelled", "error")
MAX_LIMIT = 200


@dataclass
class CaseRow:
    instance: Instance
    open_tasks: list[HumanTask] = field(default_factory=list)


def parse_filters(args) -> dict:
    """Query-string filters: unknown values are a 400, paging is clamped."""
    filters = {"process_id": (args.get("process_id") or "").strip() or None,
               "status": (args.get("status") or "").strip() or None,
               "q": (args.get("q") or "").strip() or None,
               "unit_id": None,
               "limit": clamp(args.get("limit"), 50, 1, MAX_LIMIT),
               "offset": clamp(args.get("offset"), 0, 0, MAX_OFFSET)}
    if filters["status"] is not None and filters["status"] not in STATUSES:
        raise BadRequest("status 取值无效 / unknown status", {"status": [f"应为 {', '.join(STATUSES)} 之一"]})
    raw_unit = (args.get("unit_id") or "").strip()
    if raw_unit:
        filters["unit_id"] = parse_id(raw_unit)
        if filters["unit_id"] is None:
            raise BadRequest("unit_id 无效 / bad unit_id", {"unit_id": ["必须是正整数"]})
    for key in ("process_id", "q"):
        value = filters[key]
        if value is not None and (len(value) > 200 or not is_clean(value)):
            raise BadRequest(f"{key} 无效 / bad {key}", {key: ["过长或包含非法字符"]})
    return filters


def _query(user: User, filters: dict):
    query = select(Instance).where(access.visible_instances_clause(user))
    if filters.get("process_id"):
        query = query.where(Instance.process_id == filters["process_id"])
    if filters.get("status"):
        query = query.where(Instance.status == filters["status"])
    if filters.get("unit_id"):
        query = query.where(Instance.unit_id == filters["unit_id"])
    if filters.get("q"):
        query = query.where(Instance.applicant_name.contains(filters["q"], autoescape=True))
    return query


def count(session: Session, user: User, filters: dict) -> int:
    return session.scalar(select(func.count()).select_from(
        _query(user, filters).with_only_columns(Instance.id).subquery())) or 0


def visible_cases(session: Session, user: User, filters: dict) -> list[CaseRow]:
    """Newest first; each row with its open tasks (name, holder) from the index."""
    instances = list(session.scalars(
        _query(user, filters).order_by(Instance.created_at.desc(), Instance.id.desc())
        .limit(filters.get("limit", 50)).offset(filters.get("offset", 0))))
    rows = {i.id: CaseRow(i) for i in instances}
    if rows:
        for task in session.scalars(select(HumanTask).where(
                HumanTask.instance_id.in_(list(rows)), HumanTask.status == "ready")
                .order_by(HumanTask.id)):
            rows[task.instance_id].open_tasks.append(task)
    return list(rows.values())
