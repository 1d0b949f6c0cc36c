"""BPMN timers (the `timer_events` job): wake the cases whose next timer is due."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import cases
from .jobs import DatedPlatform, once
from .models import Instance
from .registry import REGISTRY


@REGISTRY.job("* * * * *", "流程定时器任务")
def timer_events(platform, session: Session, as_of: date, batch: int = 1000) -> dict:
    """Fire the BPMN timers that are due: only instances whose indexed `next_timer_at` has
    passed are loaded; each goes through cases.fire_timers (the user-action code path)."""
    dated = DatedPlatform(platform, as_of)
    now = dated.now()
    summary = {"now": now.isoformat(sep=" "), "fired": 0, "not_due": 0, "failed": 0}
    while True:
        due = session.execute(select(Instance.id, Instance.next_timer_at).where(
            Instance.next_timer_at <= now, Instance.status == "running")
            .order_by(Instance.next_timer_at, Instance.id).limit(batch)).all()
        progressed = False
        for instance_id, timer_at in due:
            result = once(session, "timer_events", timer_at.isoformat(sep=" "),
                          f"instance:{instance_id}",
                          lambda i=instance_id: cases.fire_timers(dated, session, i))
            if result == "done":
                summary["fired"] += 1
                progressed = True
            elif result == "failed":
                summary["failed"] += 1
            else:  # not due after all under the row lock (another process fired it)
                summary["not_due"] += 1
            # Commit case by case: each fired case holds its row lock until commit, and an
            # official approving that case meanwhile should wait milliseconds, not the batch.
            session.commit()
        if len(due) < batch or not progressed:
            return summary
