"""The /reports page: the summary as ECharts charts, each with its figures as a table."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext
from sqlalchemy import func, select

from ...core import definitions
from ...core.models import HumanTask, Unit
from ...http.context import current_user, db, platform
from ...web.base import login_required
from ...web.casefacts import STATUS_LABELS
from ..talents.pages import STATUS_LABELS as TALENT_STATUS_LABELS
from . import summary

bp = Blueprint("reporting", __name__, template_folder="templates")

CASE_STATUS_LABELS = {**STATUS_LABELS, "error": lazy_gettext("出错")}
TALENT_STATUSES = {"exited": lazy_gettext("已退出"), "suspended": lazy_gettext("暂停培养"),
                   **TALENT_STATUS_LABELS}
# Cases' statuses in the order the chart stacks them, each with its colour.
STATUS_ORDER = ["running", "completed", "cancelled", "error"]
STATUS_COLOURS = {"running": "#f59e0b", "completed": "#16a34a", "cancelled": "#98a2b3",
                  "error": "#dc2626"}
ROUTE_LABELS = {"special_fund": lazy_gettext("人才开发专项资金"), "employer": lazy_gettext("用人单位报销")}


def _step_titles() -> dict:
    """BPMN task id -> its Chinese title, as the task index recorded it."""
    return {name: title for name, title in db().execute(
        select(HumanTask.name, func.max(HumanTask.title)).group_by(HumanTask.name))}


def _category_labels() -> dict:
    schema = platform().forms.get("submit_application") or {}
    return schema.get("properties", {}).get("talent_category", {}).get("x-enum-labels", {})


def _labelled(figures: dict) -> dict:
    """The figures as (label, value) rows, in the order the page shows them."""
    processes = {d.process_id: d.name or d.process_id for d in definitions.list_latest(db())}
    steps = _step_titles()
    units = {str(u.id): u.name for u in db().scalars(select(Unit))}
    categories = _category_labels()
    found = {s for by in figures["cases_by_process_status"].values() for s in by}
    statuses = [s for s in STATUS_ORDER if s in found] + sorted(found - set(STATUS_ORDER))
    cases = {
        "statuses": [(s, str(CASE_STATUS_LABELS.get(s, s))) for s in statuses],
        "colours": [STATUS_COLOURS.get(s, "#7c3aed") for s in statuses],
        "rows": [(processes.get(p, p), [by.get(s, 0) for s in statuses], sum(by.values()))
                 for p, by in sorted(figures["cases_by_process_status"].items())],
    }
    years = sorted(figures.get("rewards_paid_by_year_route", {}))
    routes = sorted({r for by in figures.get("rewards_paid_by_year_route", {}).values() for r in by})
    return {
        "cases": cases,
        "open_tasks": sorted(((steps.get(n, n), v) for n, v in figures["open_tasks_by_name"].items()),
                             key=lambda row: -row[1]),
        "overdue_by_unit": sorted(((units.get(u, str(lazy_gettext("无单位"))), v)
                                   for u, v in figures["overdue_tasks_by_unit"].items()),
                                  key=lambda row: -row[1]),
        "talents_by_status": [(str(TALENT_STATUSES.get(s, s)), v)
                              for s, v in sorted(figures.get("talents_by_status", {}).items())],
        "talents_by_category": [(categories.get(c, c), v)
                                for c, v in sorted(figures.get("talents_by_category", {}).items())],
        "rewards": {
            "routes": [(r, str(ROUTE_LABELS.get(r, r))) for r in routes],
            "rows": [(y, [figures["rewards_paid_by_year_route"][y].get(r, 0) for r in routes],
                      figures["rewards_paid_by_year"].get(y, 0)) for y in years],
        },
    }


@bp.get("/reports")
@login_required
def reports_page():
    figures = summary.summary(db(), current_user(), platform().today())
    return render_template("reporting/reports.html", figures=figures, rows=_labelled(figures),
                           today=platform().today())
