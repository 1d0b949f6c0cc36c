"""The one clock. Every rule reads "now" and "today" here, through the platform
(`platform.now()` / `platform.today()`, which a job run "as of" a date moves, see jobs.py) or,
for bookkeeping timestamps with no platform at hand, `localnow()` directly.

Server-local wall time: "today" for every rule is the server's local date (CONTRACT.md)."""
from __future__ import annotations

from datetime import date, datetime


def localnow() -> datetime:
    return datetime.now().replace(microsecond=0)


def localtoday() -> date:
    return localnow().date()
