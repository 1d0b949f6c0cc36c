"""The time BPMN timers are evaluated against.

SpiffWorkflow 3.2's timer event definitions read `datetime.now(timezone.utc)` directly
(SpiffWorkflow/bpmn/specs/event_definitions/timer.py), so a job run "as of" another date, or a
test, could not make a timer fire. We swap that module's `datetime` for a subclass whose `now()`
returns the time set by `engine_clock(now)` for the current thread/context, and the real time
otherwise: without an override the library behaves exactly as shipped. A context variable (not a
global) keeps concurrent web requests and scheduler threads independent."""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_NOW: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("engine_now", default=None)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        override = _NOW.get()
        if override is None:
            return datetime.now(tz)
        aware = override if override.tzinfo is not None else override.astimezone()  # naive = local
        return aware.astimezone(tz) if tz is not None else aware.astimezone().replace(tzinfo=None)


_timer_module.datetime = _ClockedDatetime


@contextmanager
def engine_clock(now: datetime | None):
    """Evaluate timers inside the block as if the time were `now` (naive = server local)."""
    token = _NOW.set(now)
    try:
        yield
    finally:
        _NOW.reset(token)
