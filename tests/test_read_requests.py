"""A request that only reads (GET) runs its statements without a transaction on PostgreSQL:
under READ COMMITTED each statement has its own snapshot either way, and the BEGIN and
ROLLBACK were two of a GET's four round trips. A write through such a session is refused —
it would commit on its own."""
import pytest
from sqlalchemy import event, exc, insert

from flows import submit_selection
from talentflow.models import Notification, localnow


def _postgres_only(platform):
    if platform.engine.dialect.name != "postgresql":
        pytest.skip("SQLite readers keep their transaction")


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
    _postgres_only(platform)
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
