"""Ids and paging from the outside world: one rule for every path, query string, form and
body, so a number no table can hold is "not found" (or clamped), never a database error."""
from __future__ import annotations

# Integer primary keys are 32-bit on PostgreSQL; SQLite's are wider, but one bound for both.
MAX_ID = 2**31 - 1
MAX_OFFSET = 10**6  # deeper than any real list; a larger offset is clamped


def parse_id(value) -> int | None:
    """A positive id from text or a number, or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 12:
        number = int(value.strip())
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def clamp(value, default: int, low: int, high: int) -> int:
    """An int query parameter clamped into [low, high]; unparsable text takes the default."""
    try:
        number = int(str(value).strip()) if value is not None and len(str(value)) <= 20 else default
    except ValueError:
        number = default
    return min(max(number, low), high)
