"""Admin-changeable settings (schedules and dates), stored in the `settings` table.

A key absent from the table takes its default here, so a fresh install works and an admin
changes only what differs. `talentflow settings list|set` and `talentflow jobs set-schedule`
edit them; the running scheduler picks schedule changes up within a minute."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Invalid
from ..db import on_commit
from .models import Setting, localnow
from .roles import ROLES

# The defaults of the due dates: working days from a task's creation (CONTRACT.md).
DEFAULT_DUE_WORKING_DAYS = {"review": 10, "applicant": 20}


@dataclass
class Spec:
    default: object
    description: str
    kind: str = "json"  # cron | int | positive_int | month_day | bool | url | json
    # Bounds of an int / positive_int setting (a value out of them is 422): a year or a day
    # count no date arithmetic can overflow on.
    high: int = 100_000
    low: int | None = None


# Working days a task may be given at most (a year's worth).
MAX_DUE_WORKING_DAYS = 366


# key -> Spec. Features add theirs with `register`; every job's schedule is `schedule.<job>`.
SPECS: dict[str, Spec] = {
    "first_round_year": Spec(None, "首个选拔年度（此后每两年一轮）", "int", high=9000, low=2000),
    "reminder_escalation_days": Spec(5, "超期多少个工作日后同时提醒上级角色", "int"),
    "reminder_workdays_only": Spec(False, "是否只在工作日发送超期提醒", "bool"),
    "escalation_roles": Spec({
        "applicant": "unit_reviewer", "unit_reviewer": "department_reviewer",
        "department_reviewer": "org_reviewer", "org_reviewer": "leadership",
        "hr_reviewer": "leadership", "finance": "leadership",
        "employer_finance": "unit_reviewer", "leadership": "admin",
    }, "超期督办：任务角色 → 上级角色（单位无主管部门时 department_reviewer 由 org_reviewer 代替）"),
    "due_working_days": Spec(dict(DEFAULT_DUE_WORKING_DAYS),
                             "办理期限（工作日）：review/applicant 为默认，"
                             "“流程ID.任务ID”为单个任务"),
    "base_url": Spec(None, "邮件中任务链接的网址前缀", "url"),
}


_generation = [0]


def generation() -> int:
    """Bumped whenever a setting is committed in this process (caches compare it)."""
    return _generation[0]


def _bump(_session) -> None:
    _generation[0] += 1


def register(key: str, default, description: str, kind: str = "json", **bounds) -> None:
    SPECS[key] = Spec(default, description, kind, **bounds)


def specs() -> dict[str, Spec]:
    """Every setting: the schedules of the registered jobs, then the others."""
    from .registry import REGISTRY
    found = {f"schedule.{job.name}": Spec(job.default_schedule, f"{job.description}的执行时间（cron）",
                                          "cron") for job in REGISTRY.jobs.values()}
    found.update(SPECS)
    return found


def defaults(config: dict) -> dict:
    values = {key: spec.default for key, spec in specs().items()}
    # Defaults the contract ties to the environment.
    values["first_round_year"] = int(config.get("FIRST_ROUND_YEAR", 2026))
    values["base_url"] = config.get("BASE_URL") or "http://127.0.0.1:5000"
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
    spec = specs().get(key)
    if spec is None:
        raise Invalid(f"未知设置 / unknown setting: {key}", {key: ["未知设置"]})
    value = _parse(key, spec, raw)
    on_commit(session, _bump)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value, updated_at=localnow()))
    else:
        row.value, row.updated_at = value, localnow()
    return value


# Why a value of each kind is refused, in Chinese beside the field (pages and API alike).
KIND_PROBLEMS = {
    "cron": "须为 cron 表达式：分 时 日 月 周，例如 0 9 * * *",
    "int": "须为不小于 0 的整数",
    "positive_int": "须为正整数",
    "month_day": "须为 MM-DD 格式的日期，例如 03-01",
    "bool": "须为 true 或 false",
    "url": "须为以 http:// 或 https:// 开头的网址",
    "json": "须为 JSON 对象，例如 {\"review\": 10}",
}


def _parse(key: str, spec: Spec, raw):
    import json
    kind = spec.kind
    try:
        if kind == "cron":
            from apscheduler.triggers.cron import CronTrigger
            text = str(raw).strip()
            if len(text.split()) != 5:
                raise ValueError("expected five fields")
            CronTrigger.from_crontab(text)
            return text
        if kind in ("int", "positive_int"):
            if isinstance(raw, bool) or isinstance(raw, float):
                raise ValueError("not a whole number")
            value = int(str(raw).strip()) if isinstance(raw, str) else int(raw)
            low = spec.low if spec.low is not None else (1 if kind == "positive_int" else 0)
            if value < low:
                raise ValueError("too small")
            if value > spec.high:
                raise ValueError("too large")
            return value
        if kind == "month_day":
            text = str(raw).strip()
            if not re.fullmatch(r"\d{2}-\d{2}", text):
                raise ValueError("expected MM-DD")
            month_day(text, 2028)  # a leap year: 02-29 is allowed
            return text
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
                raise ValueError("expected true or false")
            return text in ("1", "true", "yes", "on")
        if kind == "url":
            text = str(raw).strip().rstrip("/")
            if not re.fullmatch(r"https?://[^\s]+", text):
                raise ValueError("expected an http(s) address")
            return text
        value = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(value, dict):
            raise ValueError("expected a JSON object")
        if key == "due_working_days" and not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_DUE_WORKING_DAYS
                for v in value.values()):
            raise ValueError("values must be whole working days")
        if key == "escalation_roles" and not all(
                role in ROLES for pair in value.items() for role in pair):
            raise ValueError("keys and values must be role keys")
        return value
    except (ValueError, TypeError, OverflowError) as exc:
        problem = KIND_PROBLEMS.get(kind, KIND_PROBLEMS["json"])
        if kind in ("int", "positive_int"):
            low = spec.low if spec.low is not None else (1 if kind == "positive_int" else 0)
            problem = f"须为 {low} 至 {spec.high} 之间的整数"
        if key == "due_working_days":
            problem = (f"须为 JSON 对象，值为 0 至 {MAX_DUE_WORKING_DAYS} 的整数（工作日），"
                       "例如 {\"review\": 10, \"applicant\": 20}")
        if key == "escalation_roles":  # a misspelt role would escalate to nobody, unseen
            problem = ("须为 JSON 对象，键和值都是角色，例如 "
                       "{\"unit_reviewer\": \"department_reviewer\"}；可用角色：" + "、".join(ROLES))
        raise Invalid(f"设置值无效 / invalid value for {key}: {exc}", {key: [problem]}) from exc


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
    kind = "review" if is_review else "applicant"
    return int(table.get(kind, DEFAULT_DUE_WORKING_DAYS[kind]))
