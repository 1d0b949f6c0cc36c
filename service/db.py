"""Engine and session handling for SQLite (default) and PostgreSQL."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import create_engine, event, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _serialize_sqlite_writers(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _serialize_sqlite_writers(engine: Engine) -> None:
    """SQLite has no row locks: take the database write lock at BEGIN so a second user acting
    on the same case waits, then sees the first one's commit (and gets a clean 409) instead of
    failing on a stale snapshot. Per SQLAlchemy's pysqlite transaction recipe."""

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
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


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
    session.flush()  # as session.execute would: pending rows first, the FKs may need them
    connection = session.connection()
    if not _psycopg(connection):
        session.execute(insert(model), rows)
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
