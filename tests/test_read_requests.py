"""A request that only reads (GET) runs its statements without a transaction on PostgreSQL:
under READ COMMITTED each statement has its own snapshot either way, and the BEGIN and
ROLLBACK were two of a GET's four round trips. On SQLite it reads a snapshot without taking
the write lock, so it neither waits behind a case action nor holds one up. A write through
such a session is refused on both — it would not be an action's."""
import sqlite3
import threading

import pytest
from sqlalchemy import event, exc, insert

from flows import submit_selection
from talentflow.models import Notification, localnow


def _postgres_only(platform):
    if platform.engine.dialect.name != "postgresql":
        pytest.skip("SQLite readers keep a transaction (a snapshot)")


def _transaction_states(platform):
    """psycopg's transaction status after each statement run while the block runs."""
    states = []

    def after(_conn, cursor, *_args):
        states.append(cursor.connection.info.transaction_status.name)
    event.listen(platform.engine, "after_cursor_execute", after)
    return states, lambda: event.remove(platform.engine, "after_cursor_execute", after)


def test_a_get_reads_outside_a_transaction_and_an_action_inside_one(api, platform):
    _postgres_only(platform)
    case_id = submit_selection(api)
    task = api.task_of(case_id, "unit_reviewer", "unit_review")
    states, stop = _transaction_states(platform)
    try:
        assert api.get("/api/tasks", "unit_reviewer").status_code == 200
        read = list(states)
        states.clear()
        r = api.complete(task["id"], {"decision": "approve", "comment": "同意"}, "unit_reviewer")
        assert r.status_code == 200, r.get_json()
    finally:
        stop()
    assert read and set(read) == {"IDLE"}, read
    assert states and set(states) == {"INTRANS"}, states


def test_a_write_through_a_read_session_is_refused(api, platform):
    from sqlalchemy import select
    from talentflow.models import User
    with platform.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.username == "applicant"))
    with platform.read_sessions() as session:
        with pytest.raises(exc.InvalidRequestError, match="may not write"):
            session.execute(insert(Notification).values(
                user_id=user_id, kind="task", message="不应写入", created_at=localnow(), read=False))
    with platform.transaction() as session:
        assert session.query(Notification).filter_by(message="不应写入").count() == 0


def test_a_get_on_sqlite_is_answered_while_an_action_holds_the_write_lock(api, platform):
    if platform.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL readers take no lock at all")
    case_id = submit_selection(api)
    api.task_of(case_id, "unit_reviewer", "unit_review")  # the caller read before the lock
    writer = sqlite3.connect(platform.engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a case action in progress elsewhere
    answers = []
    reader = threading.Thread(target=lambda: answers.append(api.get("/api/tasks", "unit_reviewer")))
    try:
        reader.start()
        reader.join(timeout=10)  # it would wait for the lock: the busy timeout is 30 s
        assert not reader.is_alive() and answers, "the GET waited for the writer"
        assert answers[0].status_code == 200
        assert any(t["instance_id"] == case_id for t in answers[0].get_json())
        # while actions still take the lock (two users acting on one case queue up)
        with platform.engine.connect() as connection:
            connection.connection.driver_connection.execute("PRAGMA busy_timeout = 0")
            try:
                with pytest.raises(exc.OperationalError, match="locked"):
                    connection.exec_driver_sql("SELECT 1")  # begins as an action does
            finally:
                connection.invalidate()  # not back to the pool without its busy timeout
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        reader.join()
