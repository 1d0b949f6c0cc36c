"""Engine and session handling for SQLite (default) and PostgreSQL."""
from __future__ import annotations

import time
from contextlib import contextmanager

from sqlalchemy import create_engine, event, exc, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from . import deferred, jsontext


_JSON_COLUMNS = {"json_serializer": jsontext.dumps, "json_deserializer": jsontext.loads}


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               **_JSON_COLUMNS)
        _serialize_sqlite_writers(engine)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10, **_JSON_COLUMNS)
    _ping_idle_connections(engine)
    return engine


# A pooled connection unused this long is pinged before it is handed out.
IDLE_PING_SECONDS = 5.0


def _ping_idle_connections(engine: Engine) -> None:
    """pool_pre_ping, for connections that sat idle only: a ping is a round trip, and under
    load (connections back in the pool within milliseconds) it was one of a completion's
    thirteen. A server restarted while the pool was idle is still caught here; one restarted
    under load fails the request that meets it, and SQLAlchemy then drops the whole pool.
    (SQLAlchemy's "pessimistic disconnect handling" recipe, with an idle threshold.)"""

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_conn, record):
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record):
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, _proxy):
        if time.monotonic() - record.info.get("returned_at", 0.0) < IDLE_PING_SECONDS:
            return
        try:
            ok = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error
        if not ok:
            raise exc.DisconnectionError("the database did not answer the ping")


# The execution option that marks read_only_engine's connections.
READS_ONLY = "talentflow_reads_only"


def _serialize_sqlite_writers(engine: Engine) -> None:
    """SQLite has no row locks: take the database write lock at BEGIN so a second user acting
    on the same case waits, then sees the first one's commit (and gets a clean 409) instead of
    failing on a stale snapshot. Per SQLAlchemy's pysqlite transaction recipe. A request that
    only reads (read_only_engine) begins without the lock: in WAL mode it reads a snapshot
    beside the writer, neither waiting for the other."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READS_ONLY)
                             else "BEGIN IMMEDIATE")


def read_only_engine(engine: Engine) -> Engine:
    """The engine for requests that only read (GET). PostgreSQL: its connections in autocommit
    — under READ COMMITTED each statement takes its own snapshot inside a transaction or not,
    so such a request reads the same without one, and saves the BEGIN and ROLLBACK round trips
    (two of a GET's four). SQLite: a transaction begun without the write lock (see
    _serialize_sqlite_writers), so a GET neither waits behind a case action's write nor holds
    one up. Either way a write through it would not be the action's, so it is refused."""
    if engine.dialect.name == "postgresql":
        reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    else:
        reads = engine.execution_options(**{READS_ONLY: True})

    @event.listens_for(reads, "before_cursor_execute")
    def _refuse_writes(_conn, _cursor, _statement, _params, context, _many):
        if context is not None and (context.isinsert or context.isupdate or context.isdelete):
            raise exc.InvalidRequestError("a request that only reads (GET) may not write")
    return reads


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


_ON_COMMIT = "talentflow_on_commit"


def on_commit(session: Session, fn) -> None:
    """Call `fn(session)` once the session's transaction commits, and never when it is rolled
    back: an action run again (http/transaction.py) registers its own, and the discarded
    attempt's must not fire at the commit of the next."""
    session.info.setdefault(_ON_COMMIT, []).append(fn)


def _run_on_commit(factory: sessionmaker[Session]) -> None:
    @event.listens_for(factory, "after_commit")
    def _committed(session):
        for fn in session.info.pop(_ON_COMMIT, ()):
            fn(session)

    @event.listens_for(factory, "after_soft_rollback")
    def _rolled_back(session, previous):
        if previous.parent is None:  # the whole transaction, not a savepoint
            session.info.pop(_ON_COMMIT, None)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    deferred.install(factory)
    _run_on_commit(factory)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session]):
    """One unit of work: commit on success, roll back everything on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _psycopg(connection) -> bool:
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def insert_rows(session: Session, model, rows: list[dict]) -> None:
    """Insert `rows` (column values, the same keys in each, every value the row needs: no
    Python-side default is applied) into `model`'s table in the session's transaction, reading
    no ids back. PostgreSQL takes them by COPY, two to three times faster than psycopg's
    executemany for the tens of thousands a job writes; elsewhere one executemany."""
    if not rows:
        return
    deferred.write(session)  # as session.execute would: pending rows first, the FKs may need them
    session.flush()
    connection = session.connection()
    if not _psycopg(connection):
        # the table, not the class: a plain executemany, without the ORM's bulk-insert
        # bookkeeping per row (half the time of a job's 50,000 rows on SQLite)
        connection.execute(insert(model.__table__), rows)
        return
    from psycopg import sql
    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model.__table__.name), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])


def update_rows(session: Session, model, rows: list[dict]) -> None:
    """UPDATE `model`'s rows by `id` with the values in `rows` (the same keys in each, `id`
    among them). On PostgreSQL one statement joining the values passed as arrays (an
    executemany there costs a statement per row); elsewhere one executemany."""
    if not rows:
        return
    deferred.write(session)
    session.flush()
    connection = session.connection()
    if not _psycopg(connection):
        session.execute(update(model), rows)  # ORM bulk UPDATE by primary key
        return
    from psycopg import sql
    table = model.__table__
    columns = list(rows[0])
    values = sql.SQL(", ").join(
        sql.SQL("{}::{}[]").format(sql.Placeholder(name),
                                   sql.SQL(table.c[name].type.compile(connection.dialect)))
        for name in columns)
    statement = sql.SQL("UPDATE {table} SET {sets} FROM unnest({values}) AS v ({names}) "
                        "WHERE {table}.id = v.id").format(
        table=sql.Identifier(table.name), values=values,
        sets=sql.SQL(", ").join(sql.SQL("{0} = v.{0}").format(sql.Identifier(name))
                                for name in columns if name != "id"),
        names=sql.SQL(", ").join(map(sql.Identifier, columns)))
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(statement, {name: [row[name] for row in rows] for name in columns})
