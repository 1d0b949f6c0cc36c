"""What every scheduled job needs: "today" moved to the run's date, and once-only units of work.

Jobs themselves live with their feature (or in core/reminders.py, core/timers.py) and are
registered with `REGISTRY.job`; talentflow/scheduler/ runs them."""
from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import deferred
from ..db import insert_rows
from .models import JobRun, localnow

log = logging.getLogger("scheduler")


class DatedPlatform:
    """The platform as if today were `as_of`: the domain services read the date only through
    `platform.today()` / `platform.now()`, so a job run "as of" a date (and the tests) work
    exactly like a run on that day. The time of day is the real one."""

    def __init__(self, platform, as_of: date):
        self._platform = platform
        self._as_of = as_of

    def __getattr__(self, name):
        return getattr(self._platform, name)

    def today(self) -> date:
        return self._as_of

    def now(self) -> datetime:
        real = self._platform.now()
        return real if real.date() == self._as_of else datetime.combine(self._as_of, real.time())


def done_targets(session: Session, job: str, period: str) -> set[str]:
    """Targets already done for (job, period): lets a rerun skip them without a savepoint each."""
    return set(session.scalars(select(JobRun.target).where(JobRun.job == job,
                                                           JobRun.period == period)))


def once(session: Session, job: str, period: str, target: str, work) -> str:
    """Do `work()` at most once per (job, period, target), ever.

    The key row and the work share one savepoint inside the job's transaction: if the key
    exists (a rerun, or another process got there first) nothing is done; if the work fails
    the key goes too, so the next run retries that target. Returns done | skipped | failed."""
    savepoint = deferred.begin_nested(session)
    try:
        session.add(JobRun(job=job, period=period, target=target, done_at=localnow()))
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return "skipped"
    try:
        if work() is False:  # nothing to do after all: keep no key, so a later run may act
            savepoint.rollback()
            return "nothing"
        session.flush()
    except Exception:
        savepoint.rollback()
        log.exception("%s %s %s failed; it will be retried on the next run", job, period, target)
        return "failed"
    savepoint.commit()
    return "done"


def once_many(session: Session, job: str, period: str, items: list, target_of, work_many,
              chunk: int = 500) -> dict:
    """`once` for many targets: a chunk's keys go in one INSERT and `work_many(chunk)` does
    its work in bulk, the two sharing one savepoint (not one per target). A chunk that meets
    an existing key or a failure is redone one target at a time (`work_many([item])`), so
    each keeps its own fate. `work_many` returns nothing; it may be called again with part
    of a chunk it saw fail, so it should count what it did only once its writes succeeded."""
    counts = {"done": 0, "skipped": 0, "failed": 0, "nothing": 0}
    for start in range(0, len(items), chunk):
        part = items[start:start + chunk]
        savepoint = deferred.begin_nested(session)
        try:
            done_at = localnow()
            insert_rows(session, JobRun, [{"job": job, "period": period,
                                           "target": target_of(item), "done_at": done_at}
                                          for item in part])
            work_many(part)
            session.flush()
        except Exception:
            savepoint.rollback()
            for item in part:
                counts[once(session, job, period, target_of(item),
                            lambda i=item: work_many([i]))] += 1
            continue
        savepoint.commit()
        counts["done"] += len(part)
    return counts
