"""Calendar arithmetic the policy's rules share (ages, periods in years)."""
from __future__ import annotations

from datetime import date


def full_years(start: date, on: date) -> int:
    """周岁 / full years completed on `on`."""
    years = on.year - start.year
    if (on.month, on.day) < (start.month, start.day):
        years -= 1
    return years


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)
