"""Admin-changeable settings (schedules and dates), stored in the `settings` table.

A key absent from the table takes its default here, so a fresh install works and an admin
changes only what differs. `talentflow settings list|set` and `talentflow jobs set-schedule`
edit them; the running scheduler picks schedule changes up within a minute."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Invalid
from .models import Setting, localnow

JOB_NAMES = ("biennial_selection", "annual_evaluation", "task_reminders", "timer_events")

# key -> (default, description). Defaults that the contract ties to the environment
# (first round year) are filled in from the config by `defaults()`.
SPECS: dict[str, tuple[object, str]] = {
    "schedule.biennial_selection": ("0 1 * * *", "选拔轮次任务的执行时间（cron）"),
    "schedule.annual_evaluation": ("0 2 * * *", "年度考核任务的执行时间（cron）"),
    "schedule.task_reminders": ("0 9 * * *", "超期提醒任务的执行时间（cron）"),
    "schedule.timer_events": ("* * * * *", "流程定时器任务的执行时间（cron）"),
    "first_round_year": (None, "首个选拔年度（此后每两年一轮）"),
    "round_opening": ("03-01", "选拔轮次开放日期（MM-DD）"),
    "round_window_days": (30, "选拔轮次开放天数"),
    "evaluation_date": ("12-01", "年度考核启动日期（MM-DD）"),
    "reminder_escalation_days": (5, "超期多少个工作日后同时提醒上级角色"),
    "reminder_workdays_only": (False, "是否只在工作日发送超期提醒"),
    "escalation_roles": ({
        "applicant": "unit_reviewer", "unit_reviewer": "department_reviewer",
        "department_reviewer": "org_reviewer", "org_reviewer": "leadership",
        "hr_reviewer": "leadership", "finance": "leadership",
        "employer_finance": "unit_reviewer", "leadership": "admin",
    }, "超期督办：任务角色 → 上级角色（单位无主管部门时 department_reviewer 由 org_reviewer 代替）"),
    "due_working_days": ({"review": 10, "applicant": 20},
                         "办理期限（工作日）：review/applicant 为默认，"
                         "“流程ID.任务ID”为单个任务"),
    "base_url": (None, "邮件中任务链接的网址前缀"),
}


def defaults(config: dict) -> dict:
    values = {key: default for key, (default, _) in SPECS.items()}
    values["first_round_year"] = int(config.get("FIRST_ROUND_YEAR", 2026))
    values["base_url"] = config.get("BASE_URL") or "http://127.0.0.1:5000"
    values["due_working_days"] = {"review": int(config.get("REVIEW_DUE_WORKDAYS", 10)),
                                  "applicant": int(config.get("APPLICANT_DUE_WORKDAYS", 20))}
    return values


def load(session: Session, config: dict) -> dict:
    """Every setting: the stored value where an admin set one, else the default."""
    values = defaults(config)
    for row in session.scalars(select(Setting)):
        if row.key in values:
            values[row.key] = row.value
    return values


def get(session: Session, config: dict, key: str):
    row = session.get(Setting, key)
    return row.value if row is not None else defaults(config)[key]


def put(session: Session, key: str, raw) -> object:
    """Validate and store one setting; `raw` may be text from the command line."""
    if key not in SPECS:
        raise Invalid(f"未知设置 / unknown setting: {key}", {key: ["未知设置"]})
    value = _parse(key, raw)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value, updated_at=localnow()))
    else:
        row.value, row.updated_at = value, localnow()
    return value


def _parse(key: str, raw):
    import json
    try:
        if key.startswith("schedule."):
            from apscheduler.triggers.cron import CronTrigger
            CronTrigger.from_crontab(str(raw))
            return str(raw)
        if key in ("first_round_year", "round_window_days", "reminder_escalation_days"):
            value = int(raw)
            if value < (1 if key == "round_window_days" else 0):
                raise ValueError("too small")
            return value
        if key in ("round_opening", "evaluation_date"):
            month_day(str(raw), 2028)  # a leap year: 02-29 is allowed
            return str(raw)
        if key == "reminder_workdays_only":
            return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes", "on")
        if key == "base_url":
            return str(raw).rstrip("/")
        value = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(value, dict):
            raise ValueError("expected a JSON object")
        if key == "due_working_days" and not all(isinstance(v, int) and v >= 0 for v in value.values()):
            raise ValueError("values must be whole working days")
        return value
    except (ValueError, TypeError) as exc:
        raise Invalid(f"设置值无效 / invalid value for {key}: {exc}", {key: [str(exc)]}) from exc


def month_day(text: str, year: int) -> date:
    """'MM-DD' of `year` (29 February falls back to the 28th in common years)."""
    month, day = (int(part) for part in text.split("-"))
    try:
        return date(year, month, day)
    except ValueError:
        if (month, day) == (2, 29):
            return date(year, 2, 28)
        raise


def due_working_days(values: dict, process_id: str, task_name: str, diagram_days: int | None,
                     is_review: bool) -> int:
    """Due days of a new task: a per-task setting wins over the diagram's own property, which
    wins over the default for reviews / applicant forms."""
    table = values.get("due_working_days") or {}
    specific = table.get(f"{process_id}.{task_name}")
    if specific is not None:
        return int(specific)
    if diagram_days:
        return diagram_days
    return int(table.get("review" if is_review else "applicant", 10 if is_review else 20))
