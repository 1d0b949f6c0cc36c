"""Chinese working-day calendar used for task due dates.

A working day is Monday–Friday, except official public holidays, plus the weekend
make-up working days (调休上班) announced by the State Council. The arrangement is
read from a data file (default ``service/data/cn_workdays.json``, overridable with the
``TALENTFLOW_WORKDAYS_FILE`` environment variable), which an admin extends each
December. For a year missing from the file the calendar falls back to Monday–Friday
and logs a warning once per year.

File format::

    {"source": "...",
     "years": {"2026": {"holidays": ["2026-10-01", ...],
                        "workdays": ["2026-10-10", ...]}}}
"""
from __future__ import annotations

import json
import logging
import os
import threading
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

log = logging.getLogger(__name__)

ENV_VAR = "TALENTFLOW_WORKDAYS_FILE"
DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "cn_workdays.json"

__all__ = ["WorkCalendar", "default_calendar", "ENV_VAR", "DEFAULT_FILE"]


def _as_date(d: date | datetime) -> date:
    # datetime is a subclass of date but never equals one, so normalise explicitly.
    return d.date() if isinstance(d, datetime) else d


def _weekdays_in(a: date, b: date) -> int:
    """Number of Monday–Friday dates in the half-open interval (a, b], a <= b."""
    days = (b - a).days
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    wd = a.weekday()
    for i in range(1, rest + 1):
        if (wd + i) % 7 < 5:
            count += 1
    return count


class WorkCalendar:
    """Working-day arithmetic over an official holiday arrangement."""

    def __init__(
        self,
        years: Mapping[int, tuple[Iterable[date], Iterable[date]]] | None = None,
        source: str = "",
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        """``years`` maps a year to ``(holidays, make_up_workdays)``."""
        self.source = source
        self.path = str(path) if path is not None else None
        self._holidays: dict[int, frozenset[date]] = {}
        self._workdays: dict[int, frozenset[date]] = {}
        for year, (hols, works) in (years or {}).items():
            year = int(year)
            h = frozenset(hols)
            w = frozenset(works)
            for d in h | w:
                if d.year != year:
                    raise ValueError(f"{d.isoformat()} listed under year {year}")
            for d in w:
                if d.weekday() < 5:
                    raise ValueError(
                        f"make-up workday {d.isoformat()} is not a Saturday/Sunday"
                    )
            both = h & w
            if both:
                raise ValueError(
                    "dates listed as both holiday and workday: "
                    + ", ".join(sorted(x.isoformat() for x in both))
                )
            self._holidays[year] = h
            self._workdays[year] = w
        self._warned: set[int] = set()
        self._lock = threading.Lock()

    # -- loading ---------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike[str] | None = None) -> "WorkCalendar":
        """Load the arrangement from ``path``, else ``$TALENTFLOW_WORKDAYS_FILE``,
        else the packaged ``service/data/cn_workdays.json``."""
        if path is None:
            path = os.environ.get(ENV_VAR) or DEFAULT_FILE
        path = Path(path)
        try:
            with path.open(encoding="utf-8") as f:
                doc = json.load(f)
            return cls._from_dict(doc, path)
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as e:
            raise ValueError(f"invalid working-day file {path}: {e}") from e

    @classmethod
    def _from_dict(cls, doc: Mapping, path: Path | None = None) -> "WorkCalendar":
        if not isinstance(doc, Mapping) or not isinstance(doc.get("years"), Mapping):
            raise ValueError('expected an object with a "years" object')
        years: dict[int, tuple[list[date], list[date]]] = {}
        for key, entry in doc["years"].items():
            if not (isinstance(key, str) and key.isdigit() and len(key) == 4):
                raise ValueError(f"year key {key!r} is not YYYY")
            if not isinstance(entry, Mapping):
                raise ValueError(f"year {key}: expected an object")
            unknown = set(entry) - {"holidays", "workdays"}
            if unknown:
                raise ValueError(f"year {key}: unknown keys {sorted(unknown)}")
            years[int(key)] = (
                [date.fromisoformat(s) for s in entry.get("holidays", [])],
                [date.fromisoformat(s) for s in entry.get("workdays", [])],
            )
        return cls(years, source=str(doc.get("source", "")), path=path)

    # -- queries ---------------------------------------------------------------

    @property
    def years(self) -> frozenset[int]:
        """Years for which the official arrangement is known."""
        return frozenset(self._holidays)

    def _known(self, year: int) -> bool:
        if year in self._holidays:
            return True
        if year not in self._warned:
            with self._lock:
                if year not in self._warned:
                    self._warned.add(year)
                    log.warning(
                        "No official holiday data for %d; counting Monday-Friday as "
                        "working days. Add %d to the working-day file %s.",
                        year, year, self.path or "(none loaded)",
                    )
        return False

    def is_workday(self, d: date | datetime) -> bool:
        d = _as_date(d)
        if self._known(d.year):
            if d in self._workdays[d.year]:
                return True
            if d in self._holidays[d.year]:
                return False
        return d.weekday() < 5

    def add_workdays(self, start: date | datetime, n: int) -> date:
        """The n-th working day after ``start``'s date (``start`` itself not counted).

        ``n == 0`` gives ``start``'s date if it is a working day, else the next one.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        d = _as_date(start)
        if n == 0:
            while not self.is_workday(d):
                d += timedelta(days=1)
            return d
        while n:
            d += timedelta(days=1)
            if self.is_workday(d):
                n -= 1
        return d

    def workdays_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days in (a, b]; negative (-count of (b, a]) if b < a.

        E.g. ``workdays_between(today, due)`` is "due in N working days" and a
        negative value is the number of working days overdue.
        """
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.workdays_between(b, a)
        count = _weekdays_in(a, b)
        for year in range(a.year, b.year + 1):
            if not self._known(year):
                continue
            for d in self._holidays[year]:
                if a < d <= b and d.weekday() < 5:
                    count -= 1
            for d in self._workdays[year]:
                if a < d <= b:
                    count += 1
        return count

    def due_at(self, created: datetime, n: int) -> datetime:
        """End (23:59:59) of the n-th working day after ``created``, in
        ``created``'s tzinfo. The calendar date is taken from ``created`` as
        given, so pass it in China local time (Asia/Shanghai) or naive local."""
        day = self.add_workdays(created, n)
        return datetime.combine(
            day, time(23, 59, 59), tzinfo=getattr(created, "tzinfo", None)
        )


@lru_cache(maxsize=None)
def default_calendar() -> WorkCalendar:
    """Process-wide calendar from the default file (or $TALENTFLOW_WORKDAYS_FILE).

    Call ``default_calendar.cache_clear()`` to reload after the file changes.
    """
    return WorkCalendar.from_file()
