"""The programme's summary (GET /api/reports/summary, the /reports page): where every case,
task, talent and reward stands, as indexed SQL aggregates — never a scan of case data.

The core's own figures (cases, tasks) are computed here; the features add theirs through
`REGISTRY.report_figures` (talents by status and category, rewards paid per year, training
shortfalls), and the summary merges them. "Today" is the platform's clock (server-local)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core.models import HumanTask, Instance, User
from ...core.registry import REGISTRY
from ...core.reminders import overdue_cutoff
from ...errors import Forbidden

# Admin and the district roles (CONTRACT.md "Operations"): they see every case of the district.
REPORT_ROLES = ("admin", "org_reviewer", "hr_reviewer", "leadership")


def may_see_reports(user: User) -> bool:
    return user.has_role(*REPORT_ROLES)


def check_may_see(user: User) -> None:
    if not may_see_reports(user):
        raise Forbidden("无权查看统计报表 / not allowed to see the reports")


def cases_by_process_status(session: Session) -> dict:
    found: dict[str, dict[str, int]] = {}
    for process_id, status, n in session.execute(
            select(Instance.process_id, Instance.status, func.count())
            .group_by(Instance.process_id, Instance.status)):
        found.setdefault(process_id, {})[status] = n
    return found


def open_tasks_by_name(session: Session) -> dict:
    return {name: n for name, n in session.execute(
        select(HumanTask.name, func.count()).where(HumanTask.status == "ready")
        .group_by(HumanTask.name))}


def overdue_tasks(session: Session, as_of: date) -> int:
    return session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.status == "ready", HumanTask.due_at < overdue_cutoff(as_of))) or 0


def overdue_tasks_by_unit(session: Session, as_of: date) -> dict:
    """Overdue open tasks per unit of the case ("none": cases started outside any unit)."""
    return {str(unit_id) if unit_id is not None else "none": n for unit_id, n in session.execute(
        select(HumanTask.unit_id, func.count()).where(
            HumanTask.status == "ready", HumanTask.due_at < overdue_cutoff(as_of))
        .group_by(HumanTask.unit_id))}


def summary(session: Session, user: User, as_of: date) -> dict:
    check_may_see(user)
    figures = {
        "cases_by_process_status": cases_by_process_status(session),
        "open_tasks_by_name": open_tasks_by_name(session),
        "overdue_tasks": overdue_tasks(session, as_of),
        "overdue_tasks_by_unit": overdue_tasks_by_unit(session, as_of),
    }
    for name, figure in REGISTRY.report_figures.items():
        figures[name] = figure(session, as_of)
    return figures
