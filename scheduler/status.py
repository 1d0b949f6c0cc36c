"""Each job's last run (the `job_status` table) and its schedule, for `talentflow jobs list`."""
from __future__ import annotations

from datetime import date, datetime

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import inspect, text

from ..core import settings as settings_store
from ..core.models import JobStatus, localnow
from ..core.registry import REGISTRY


def record(platform, job: str, as_of: date, outcome: str, summary: dict | None = None,
           error: str | None = None, duration_ms: int | None = None) -> None:
    with platform.transaction() as session:
        row = session.get(JobStatus, job) or JobStatus(job=job)
        row.last_run_at, row.last_as_of, row.last_outcome = localnow(), as_of, outcome
        row.last_summary = summary
        row.last_error = error[:4000] if error else None
        row.last_duration_ms = duration_ms
        session.add(row)


def rows(platform) -> list[dict]:
    """Job, schedule, last run and outcome, next run (from the running scheduler's job store
    when there is one, else computed from the schedule)."""
    stored_next = _stored_next_runs(platform)
    with platform.transaction() as session:
        values = settings_store.load(session, platform.config)
        out = []
        for job in REGISTRY.jobs:
            cron = values[f"schedule.{job}"]
            status = session.get(JobStatus, job)
            next_run = stored_next.get(job)
            if next_run is None:
                trigger = CronTrigger.from_crontab(cron)
                fire = trigger.get_next_fire_time(None, datetime.now(trigger.timezone))
                next_run = fire.replace(tzinfo=None) if fire else None
            out.append({
                "job": job, "schedule": cron, "next_run": next_run,
                "last_run": status.last_run_at if status else None,
                "last_as_of": status.last_as_of if status else None,
                "outcome": status.last_outcome if status else None,
                "summary": status.last_summary if status else None,
                "error": status.last_error if status else None,
            })
        return out


def _stored_next_runs(platform) -> dict:
    if not inspect(platform.engine).has_table("apscheduler_jobs"):
        return {}
    with platform.engine.connect() as conn:
        found = conn.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all()
    return {job_id: datetime.fromtimestamp(ts) for job_id, ts in found if ts is not None}
