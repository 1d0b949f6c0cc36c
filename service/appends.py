"""Rows an action adds and does not read back — its history event, the notices and mails it
raises — queued on the session and written together: on PostgreSQL in one INSERT statement
(the others chained as data-modifying CTEs), elsewhere one executemany per table. A completion
spent a round trip and an ORM object on each (three of its thirteen statements).

They are written in the action's transaction before its next query through the session (so a
read in the same action sees them, as autoflush would) or at the latest before the commit, and
dropped on rollback: nothing changes about what is atomic."""
from __future__ import annotations

from sqlalchemy import event, insert
from sqlalchemy.orm import Session, sessionmaker

_PENDING = "talentflow_appends"


def add(session: Session, model, values: dict) -> None:
    """Queue one row of `model` (every value it needs: column defaults are applied, but rows
    of one table with the same keys are inserted together)."""
    session.info.setdefault(_PENDING, []).append((model.__table__, values))


def write(session: Session) -> None:
    """Write the queued rows now (pending ORM objects first: a row may refer to them)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()
    groups: dict = {}
    for table, values in pending:  # in the order queued, one group per table and key set
        groups.setdefault((table, tuple(values)), []).append(values)
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for (table, _keys), rows in groups.items():
            connection.execute(insert(table), rows)
        return
    *first, (last, _keys) = groups
    statement = insert(last).values(groups[(last, _keys)])
    for i, key in enumerate(first):
        statement = statement.add_cte(insert(key[0]).values(groups[key]).cte(f"append_{i}"))
    connection.execute(statement)


def install(factory: sessionmaker) -> None:
    @event.listens_for(factory, "do_orm_execute")
    def _before_query(state):
        write(state.session)

    @event.listens_for(factory, "before_commit")
    def _before_commit(session):
        write(session)

    @event.listens_for(factory, "after_soft_rollback")
    def _rolled_back(session, _previous):
        session.info.pop(_PENDING, None)
