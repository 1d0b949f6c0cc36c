"""Primary keys taken ahead from a PostgreSQL sequence, a block at a time, so that a new row
can be referred to (a notice names the task that opened) before it is written — and so be
written with the action's other deferred rows (service/deferred.py) in its one statement,
instead of an INSERT … RETURNING round trip and an ORM flush of its own.

Each id of a block comes from its own nextval: the sequence is not reconfigured, an insert
elsewhere that takes its id from the column's default gets a value no block holds, and two
processes never share one. What a process leaves unused when it stops is a gap, as a rolled
back insert leaves one. Ids stay unique, not ordered across processes: nothing may read the
order in which rows were made from them across actions (created_at says that)."""
from __future__ import annotations

import threading
import weakref
from collections import deque

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

# One round trip per BLOCK rows; small enough that a block does not outlive a burst by long.
BLOCK = 16

_free: weakref.WeakKeyDictionary[Engine, dict[str, deque]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_STATEMENTS: dict[str, object] = {}


def _statement(table: Table):
    statement = _STATEMENTS.get(table.name)
    if statement is None:
        (key,) = table.primary_key.columns
        series = func.generate_series(1, bindparam("n")).table_valued("i")
        statement = _STATEMENTS[table.name] = select(
            func.nextval(func.pg_get_serial_sequence(table.name, key.name))).select_from(series)
    return statement


def take(session: Session, table: Table) -> int | None:
    """The next id for a new row of `table`, or None where the database gives ids only at the
    insert (SQLite)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return None
    engine = connection.engine  # per engine: another database has its own sequence
    with _lock:
        free = _free.setdefault(engine, {}).setdefault(table.name, deque())
        if free:
            return free.popleft()
    block = list(connection.execute(_statement(table), {"n": BLOCK}).scalars())
    with _lock:
        free.extend(block[1:])
    return block[0]
