"""Running jobs: once by hand (`talentflow jobs run`), or on their schedules with APScheduler.

APScheduler keeps its jobs in the application database (SQLAlchemyJobStore), so after
downtime it knows what was missed and runs each missed job once (coalesce, no grace limit).
Every firing goes through `run_job`, which takes the job's lock: of several processes (web
workers with the scheduler inside, or a separate `talentflow scheduler`) only one runs a job
at a time, and the job_runs keys make any later rerun a no-op."""
from __future__ import annotations

import logging
import time
import traceback
from datetime import date

from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from ..core import mail
from ..core import settings as settings_store
from ..core.registry import REGISTRY
from . import status
from .locks import JobLock

log = logging.getLogger("scheduler")
JOB_TABLE = "apscheduler_jobs"
_platform = None  # the process's Platform, for the scheduler's firings (see `fire`)


MAIL_LOCK_WAIT_SECONDS = 60


def run_job(platform, job: str, as_of: date | None = None, wait_seconds: float = 0) -> dict:
    """Run one job as of a date under its lock, then send the mail it queued.

    Returns the job's summary, or {"skipped": "locked"} when another process holds the lock
    and `wait_seconds` passed. Raises what the job raised (its work rolled back)."""
    if job not in REGISTRY.jobs:
        raise KeyError(job)
    as_of = as_of or platform.today()
    lock = JobLock(platform, job)
    if not lock.acquire(wait_seconds):
        log.info("%s: another process is running it; skipped", job)
        return {"skipped": "locked"}
    started = time.perf_counter()
    try:
        try:
            with platform.transaction() as session:
                summary = REGISTRY.jobs[job].run(platform, session, as_of)
        except Exception as exc:
            status.record(platform, job, as_of, "error", error="".join(
                traceback.format_exception_only(type(exc), exc)).strip(),
                duration_ms=int((time.perf_counter() - started) * 1000))
            raise
    finally:
        lock.release()
    # Wait for a sender that holds the mail lock: it may have finished its batch before this
    # job's rows were committed, and skipping would leave them until the next run.
    summary["mail"] = send_mail(platform, max(wait_seconds, MAIL_LOCK_WAIT_SECONDS))
    status.record(platform, job, as_of, "ok", summary,
                  duration_ms=int((time.perf_counter() - started) * 1000))
    log.info("%s as of %s: %s", job, as_of, summary)
    return summary


def send_mail(platform, wait_seconds: float = 0) -> dict:
    """Deliver the outbox under its own lock, so two senders never send one message twice.
    Mail a busy sender leaves behind goes out with the next run."""
    lock = JobLock(platform, "mail")
    if not lock.acquire(wait_seconds):
        return {"skipped": "locked"}
    try:
        return mail.send_pending(platform)
    finally:
        lock.release()


def fire(job: str) -> None:
    """APScheduler's entry point (a textual reference, so the job store can persist it)."""
    try:
        run_job(_platform, job)
    except Exception:
        log.exception("%s failed", job)


def sync_schedules(scheduler, platform) -> None:
    """Make the scheduler's jobs match the schedules in the settings table. A job already
    stored with the same schedule is left alone, keeping its next run time (catch-up)."""
    with platform.transaction() as session:
        values = settings_store.load(session, platform.config)
    for job in REGISTRY.jobs:
        trigger = CronTrigger.from_crontab(values[f"schedule.{job}"])
        existing = scheduler.get_job(job)
        if existing is None:
            try:
                scheduler.add_job("talentflow.scheduler.runner:fire", trigger, args=[job], id=job, name=job,
                                  jobstore="default", **CATCH_UP)
            except ConflictingIdError:  # another process added it a moment ago
                pass
            continue
        if str(existing.trigger) != str(trigger):
            log.info("%s: schedule changed to %s", job, values[f"schedule.{job}"])
            scheduler.reschedule_job(job, jobstore="default", trigger=trigger)
        if any(getattr(existing, key) != value for key, value in CATCH_UP.items()):
            existing.modify(**CATCH_UP)  # a job stored by an older setup keeps catching up


# A missed run (downtime) still runs, however late, but only once (coalesced); never two at once.
CATCH_UP = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


def start_scheduler(platform) -> BackgroundScheduler:
    """Start the scheduler in background threads of this process."""
    global _platform
    _platform = platform
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=platform.engine, tablename=JOB_TABLE),
                   "memory": MemoryJobStore()},
        job_defaults=CATCH_UP)
    setup = JobLock(platform, "scheduler-setup")  # two processes starting at once would race
    setup.acquire(wait_seconds=60)                 # to create the job table and add the jobs
    try:
        scheduler.start(paused=True)
        sync_schedules(scheduler, platform)
    finally:
        setup.release()
    scheduler.add_job(sync_schedules, "interval", minutes=1, args=[scheduler, platform],
                      id="sync_schedules", jobstore="memory", replace_existing=True)
    scheduler.resume()
    log.info("scheduler started: %s", ", ".join(f"{j.id} next {j.next_run_time}"
                                               for j in scheduler.get_jobs(jobstore="default")))
    return scheduler


def run_forever(platform) -> None:
    """`talentflow scheduler`: the scheduler alone, until SIGINT/SIGTERM."""
    import signal
    import threading
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    scheduler = start_scheduler(platform)
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
