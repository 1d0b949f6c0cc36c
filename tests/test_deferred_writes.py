"""Rows an action appends and does not read back (history, notices, mails; service/deferred.py)
are written in the action's transaction: with its commit, before a later read of it, never
after a rollback — and on PostgreSQL together in one statement."""
import pytest
from sqlalchemy import event, func, select

from flows import submit_selection
from talentflow import deferred
from talentflow.models import EmailOutbox, HistoryEvent, Notification, User, localnow


def _note(session, user_id, message):
    deferred.insert_row(session, Notification, {"user_id": user_id, "kind": "task", "task_id": None,
                                         "message": message, "created_at": localnow(), "read": False})


def _count(platform, model, **where):
    with platform.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_appended_rows_are_written_with_the_commit_and_seen_by_a_later_read(platform, seeded):
    with platform.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.username == "applicant"))
        _note(session, user_id, "一")
        seen = session.scalar(select(func.count()).select_from(Notification).where(
            Notification.message == "一"))
        assert seen == 1, "a read in the same action sees what it appended"
        _note(session, user_id, "二")
    assert _count(platform, Notification, message="二") == 1


def test_a_rolled_back_action_writes_none_of_its_appended_rows(platform, seeded):
    with pytest.raises(RuntimeError):
        with platform.transaction() as session:
            user_id = session.scalar(select(User.id).where(User.username == "applicant"))
            _note(session, user_id, "回滚")
            raise RuntimeError("the action failed")
    with platform.transaction() as session:  # the pooled connection and a new session
        session.scalar(select(User.id))
    assert _count(platform, Notification, message="回滚") == 0


def test_a_completion_writes_history_notices_and_mails_in_one_statement(api, platform):
    """The unit review of a case: its history line, the notice to the next reviewers and their
    mails; on PostgreSQL one INSERT, elsewhere one per table. (The first case reads who holds
    the next role; the second finds them cached, core/recipients.py.)"""
    unit_id = api.me("unit_reviewer")["unit_id"]
    api.create_user("applicant_b", ["applicant"], unit_id=unit_id)
    api.review(submit_selection(api), "unit_reviewer", "unit_review")
    instance_id = submit_selection(api, "applicant_b")
    statements = []
    listener = lambda _c, _cur, sql, *_a: statements.append(sql)  # noqa: E731
    event.listen(platform.engine, "before_cursor_execute", listener)
    try:
        api.review(instance_id, "unit_reviewer", "unit_review")
    finally:
        event.remove(platform.engine, "before_cursor_execute", listener)
    tables = ("history_events", "notifications", "email_outbox")
    writes = [sql for sql in statements if sql.lstrip().upper().startswith(("INSERT", "WITH"))
              and any(f"INSERT INTO {t}" in sql for t in tables)]
    if platform.engine.dialect.name == "postgresql":
        assert len(writes) == 1 and all(f"INSERT INTO {t}" in writes[0] for t in tables)
    else:
        assert len(writes) == 3
    assert _count(platform, HistoryEvent, instance_id=instance_id, task_name="unit_review") == 1
    told = _count(platform, Notification, kind="task")
    assert told >= 4, "each submission and each unit review told someone"
    assert _count(platform, EmailOutbox) >= told
