"""Writes an action defers to its end: the rows it adds and does not read back (its history
line, the notices and mails it raises), the tasks it opens where their ids can be taken ahead
(`add`: PostgreSQL), and the updates of rows it already holds under the case lock (the case
itself, the task it completed). On PostgreSQL they go in one statement — the case's
version-checked UPDATE, the others chained to it as data-modifying CTEs — elsewhere one
statement each. A completion spent a round trip and an ORM flush on each (six of its thirteen
statements).

They are written in the action's transaction before its next query through the session (so a
read in the same action sees them, as autoflush would) or at the latest before the commit, and
dropped on rollback: nothing changes about what is atomic. A versioned row (the case's
lock_version) is checked as the ORM checks it: a lost race raises StaleDataError (a 409)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, String, bindparam, cast, event, func, inspect, insert, literal_column,
                        select, update as update_statement)
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from . import jsontext, sequence_ids

_PENDING = "talentflow_deferred"
# More rows than this of one table (a job telling every reviewer of the district) go in an
# executemany of their own rather than a CTE each.
CHAIN_ROWS = 8


class _Pending:
    def __init__(self):
        self.inserts: dict = {}  # (table, keys) -> [values], in the order first queued
        self.updates: dict = {}  # (table, id) -> (found by, values, version column or None)
        self.updated: list = []  # the ORM objects given values not yet written
        self.added: list = []  # new ORM objects with their ids taken ahead, not yet written


def _pending(session: Session) -> _Pending:
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = _Pending()
    return pending


def insert_row(session: Session, model, values: dict) -> None:
    """Queue one row of `model` (every value it needs: column defaults are applied, but rows
    of one table with the same keys are inserted together)."""
    _pending(session).inserts.setdefault((model.__table__, tuple(values)), []).append(values)


def add(session: Session, obj) -> None:
    """A new ORM object, inserted with the action's other deferred writes where its id can be
    taken ahead (service/sequence_ids.py: PostgreSQL); it joins the session, persistent, once
    written, and is written with the values it has then. Elsewhere plain session.add: the
    ORM's flush gives it its id. Nothing pending in the ORM may refer to it (the ORM writes
    first); deferred rows may."""
    state = inspect(obj)
    mapper = state.mapper
    (key,) = mapper.primary_key
    ident = sequence_ids.take(session, mapper.local_table)
    if ident is None:
        session.add(obj)
        return
    setattr(obj, mapper.get_property_by_column(key).key, ident)
    for prop in mapper.column_attrs:  # unset and without a default: NULL, known as such
        column = prop.columns[0]
        if prop.key not in state.dict and column.default is None and column.server_default is None:
            setattr(obj, prop.key, None)
    _pending(session).added.append(obj)


def _added_rows(added: list) -> dict:
    """The added objects' rows, grouped as insert_row groups them."""
    rows: dict = {}
    for obj in added:
        state = inspect(obj)
        values = {prop.columns[0].key: state.dict[prop.key]
                  for prop in state.mapper.column_attrs if prop.key in state.dict}
        rows.setdefault((state.mapper.local_table, tuple(values)), []).append(values)
    return rows


def update(session: Session, obj, values: dict) -> None:
    """Give the persistent `obj` the attribute `values` now, as if already saved (the ORM will
    not write them), and queue the UPDATE of its row; with a version column the version is
    raised and checked. For rows the action holds under the case's lock."""
    state = inspect(obj)
    if state.modified:
        session.flush()  # its earlier changes first, with their own version check
    mapper = state.mapper
    table = mapper.local_table
    (key,) = mapper.primary_key
    ident = getattr(obj, key.key)
    pending = _pending(session).updates
    entry = pending.get((table, ident))
    if entry is None:  # found by its id, and by the version the action read if it has one
        version = mapper.version_id_col
        if version is None:
            entry = ({"_id": ident}, {}, None)
        else:
            expected = getattr(obj, version.key)
            entry = ({"_id": ident, "_version": expected}, {version.key: expected + 1},
                     version.name)
        pending[(table, ident)] = entry
        _pending(session).updated.append(obj)
    entry[1].update(values)
    for name, value in entry[1].items():
        set_committed_value(obj, name, value)


def write(session: Session) -> None:
    """Write what is queued now (pending ORM objects first: a row may refer to them)."""
    pending = session.info.pop(_PENDING, None)
    if pending is None or not (pending.inserts or pending.updates or pending.added):
        return
    session.flush()
    connection = session.connection()
    chained = connection.dialect.name == "postgresql"
    first, last = [], []  # executemany before / after the statement: added rows are referred to
    parts = []  # (shape, values): a shape is what the statement looks like, without values
    added = _added_rows(pending.added)
    for (table, keys), rows in [*added.items(), *pending.inserts.items()]:
        if not chained or len(rows) > CHAIN_ROWS:
            (first if (table, keys) in added else last).append((table, rows))
        else:
            parts += [(("insert", table, keys, None), row) for row in rows]
    for (table, _ident), (found_by, values, version) in pending.updates.items():
        parts.append((("update", table, tuple(values), version), {**values, **found_by}))
    for table, rows in first:
        connection.execute(insert(table), rows)  # one executemany
    checked = [part for part in parts if part[0][3] is not None]
    others = [part for part in parts if part[0][3] is None]
    if not chained:
        for part in others + checked:
            _execute(connection, [part], chained)
    else:
        for part in checked[:-1]:
            _execute(connection, [part], chained)
        if checked or others:
            _execute(connection, checked[-1:] + others, chained)
    for table, rows in last:
        connection.execute(insert(table), rows)
    for obj in pending.added:  # written: persistent from here on, as if the ORM had loaded it
        make_transient_to_detached(obj)
        session.add(obj)


def _execute(connection, parts: list, as_json: bool) -> None:
    """One statement: the first part, the others chained to it as CTEs (PostgreSQL, where an
    inserted row is also one JSON parameter: `as_json`). Its rowcount is the first part's,
    checked when that is a versioned update."""
    shape = tuple(part[0] for part in parts)
    statement = _STATEMENTS.get((as_json, shape))
    if statement is None:
        if len(_STATEMENTS) > 256:
            _STATEMENTS.clear()
        statement = _STATEMENTS[(as_json, shape)] = _statement(
            shape, connection.dialect.identifier_preparer if as_json else None)
    params = {}
    for i, ((kind, *_rest), values) in enumerate(parts):
        if as_json and kind == "insert":
            params[f"p{i}"] = jsontext.dumps(values, default=_json_value)
        else:
            params.update((f"p{i}_{name}", value) for name, value in values.items())
    result = connection.execute(statement, params)
    (_kind, table, _keys, version) = shape[0]
    if version is not None and result.rowcount != 1:
        raise StaleDataError(f"{table.name}: the row changed since it was read "
                             f"(expected 1 row, matched {result.rowcount})")


def _json_value(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        # the columns hold naive local time; a JSON offset would be dropped silently
        raise TypeError("timestamp columns take naive local datetimes")
    if isinstance(value, (datetime, date)):
        return value.isoformat()  # PostgreSQL reads ISO 8601 into timestamp and date columns
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not a column value: {type(value).__name__}")


# Statements built once per shape, the values bound per call: building and hashing a fresh
# statement cost more Python than PostgreSQL took to run it.
_STATEMENTS: dict = {}


def _statement(shape: tuple, json_rows=None):
    """`json_rows` (PostgreSQL's identifier preparer): an inserted row is one JSON parameter,
    spread into the table's columns by json_populate_record — a parameter per column made a
    completion's statement 55 parameters long, and psycopg re-parses a statement of more than
    50 on every execution (≈ 0.2 ms here)."""
    def bound(i, table, keys):
        return {k: bindparam(f"p{i}_{k}", type_=table.c[k].type) for k in keys}

    statements = []
    for i, (kind, table, keys, version_name) in enumerate(shape):
        if kind == "insert" and json_rows is not None:
            row = func.json_populate_record(
                literal_column(f"NULL::{json_rows.format_table(table)}"),
                cast(bindparam(f"p{i}", type_=String), JSON)).table_valued(*keys)
            statements.append(insert(table).from_select(list(keys), select(*row.c)))
            continue
        if kind == "insert":
            statements.append(insert(table).values(bound(i, table, keys)))
            continue
        (key,) = table.primary_key.columns
        statement = update_statement(table).where(key == bindparam(f"p{i}__id", type_=key.type))
        if version_name is not None:
            version = table.c[version_name]
            statement = statement.where(version == bindparam(f"p{i}__version", type_=version.type))
        statements.append(statement.values(bound(i, table, keys)))
    main, *chained = statements
    for i, statement in enumerate(chained):
        main = main.add_cte(statement.cte(f"deferred_{i}"))
    return main


def install(factory: sessionmaker) -> None:
    @event.listens_for(factory, "do_orm_execute")
    def _before_query(state):
        write(state.session)

    @event.listens_for(factory, "before_commit")
    def _before_commit(session):
        write(session)

    @event.listens_for(factory, "after_soft_rollback")
    def _rolled_back(session, _previous):
        # What is pending was queued since the transaction or savepoint began (begin_nested
        # writes what came before): drop it, and forget the values it gave objects.
        pending = session.info.pop(_PENDING, None)
        for obj in pending.updated if pending is not None else ():
            if obj in session:
                session.expire(obj)


def begin_nested(session: Session):
    """session.begin_nested(), after writing what is pending: those writes belong to the
    enclosing transaction, not to a savepoint that may roll back."""
    write(session)
    return session.begin_nested()
