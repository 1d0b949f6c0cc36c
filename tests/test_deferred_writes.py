"""Writes an action defers to its end (service/deferred.py) — the rows it adds and does not
read back (history, notices, mails), the updates of the rows it holds (the case, the task) —
are written in the action's transaction: with its commit, before a later read of it, never
after a rollback, the case's version checked — and on PostgreSQL together in one statement."""
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


def test_a_completion_writes_in_two_statements(api, platform):
    """The unit review of a case: the next step's task, then its history line, the notice to
    the next reviewers and their mails, the completed task and the case, on PostgreSQL in one
    statement, elsewhere one each. (The first case reads who holds
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
    writes = [sql for sql in statements
              if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH", "DELETE"))]
    deferred_parts = ("INSERT INTO history_events", "INSERT INTO notifications",
                      "INSERT INTO email_outbox", "UPDATE human_tasks", "UPDATE instances")
    if platform.engine.dialect.name == "postgresql":
        # the next step's task (its id is needed for the notices), then everything else
        assert len(writes) == 2, writes
        assert writes[0].startswith("INSERT INTO human_tasks")
        assert all(part in writes[1] for part in deferred_parts)
    else:
        assert len(writes) == 6
    assert _count(platform, HistoryEvent, instance_id=instance_id, task_name="unit_review") == 1
    told = _count(platform, Notification, kind="task")
    assert told >= 4, "each submission and each unit review told someone"
    assert _count(platform, EmailOutbox) >= told


def _first_case(platform):
    from talentflow.models import Instance
    with platform.transaction() as session:
        return session.scalar(select(Instance.id).order_by(Instance.id).limit(1))


def _update_case(platform, case_id, *values: dict) -> int:
    """deferred.update the case with each of `values` in one action; its version before."""
    from talentflow.models import Instance
    with platform.transaction() as session:
        instance = session.get(Instance, case_id)
        version = instance.lock_version
        for changes in values:
            deferred.update(session, instance, changes)
            assert instance.lock_version == version + 1  # raised once, seen at once
            assert all(getattr(instance, k) == v for k, v in changes.items())
    return version


def test_a_deferred_case_update_raises_its_version_and_a_stale_one_is_refused(api, platform):
    """The case's row is updated with the action's other deferred writes, version-checked as
    the ORM would: a writer that changed the row meanwhile (without the lock) wins, the stale
    action raises StaleDataError (a 409) and writes nothing — not its history line either."""
    from sqlalchemy import text, update
    from sqlalchemy.orm.exc import StaleDataError
    from talentflow.models import Instance
    submit_selection(api)
    case_id = _first_case(platform)
    version = _update_case(platform, case_id, {"applicant_name": "新名字"})
    with platform.transaction() as session:
        assert session.get(Instance, case_id).lock_version == version + 1
    history_before = _count(platform, HistoryEvent, instance_id=case_id)

    session = platform.sessions()
    try:
        instance = session.get(Instance, case_id)
        session.commit()  # the session keeps its copy (expire_on_commit=False), now a step old
        with platform.engine.begin() as other:  # another writer changes the row meanwhile
            other.execute(update(Instance).where(Instance.id == case_id)
                          .values(lock_version=Instance.lock_version + 1))
        deferred.insert_row(session, HistoryEvent, {
            "instance_id": case_id, "task_name": "x", "title": "x", "user_id": None,
            "at": localnow(), "decision": "x", "comment": None, "return_to": None})
        deferred.update(session, instance, {"applicant_name": "不该写入"})
        with pytest.raises(StaleDataError):
            session.commit()
        session.rollback()
    finally:
        session.close()
    with platform.transaction() as session:
        names = session.execute(text("SELECT applicant_name, lock_version FROM instances "
                                     "WHERE id = :i"), {"i": case_id}).one()
    assert names == ("新名字", version + 2)
    assert _count(platform, HistoryEvent, instance_id=case_id) == history_before


def test_two_updates_of_one_row_in_an_action_are_one_write(api, platform):
    from talentflow.models import Instance
    submit_selection(api)
    case_id = _first_case(platform)
    version = _update_case(platform, case_id, {"applicant_name": "甲"}, {"outcome": "乙"})
    with platform.transaction() as session:
        instance = session.get(Instance, case_id)
        assert (instance.applicant_name, instance.outcome, instance.lock_version) == (
            "甲", "乙", version + 1)


def test_a_job_targets_failed_work_leaves_none_of_its_notices_and_keeps_the_others(
        platform, seeded):
    """jobs.once runs each target in a savepoint: notices queued before it are kept, those of
    a target whose work failed go with its savepoint, those of a target done are kept."""
    from talentflow.core import jobs, notifications

    def notice(session, message):
        user = session.scalars(select(User).where(User.username == "applicant")).one()
        notifications.notify(session, user, "task", message)

    def failing(session):
        notice(session, "失败目标")
        raise RuntimeError("the target's work failed")

    with platform.transaction() as session:
        notice(session, "之前")
        assert jobs.once(session, "test", "p", "bad", lambda: failing(session)) == "failed"
        assert jobs.once(session, "test", "p", "good", lambda: notice(session, "成功目标")) == "done"
    assert [_count(platform, Notification, message=m) for m in ("之前", "失败目标", "成功目标")] \
        == [1, 0, 1]
    assert [_count(platform, EmailOutbox, subject=f"【人才培养】{m}") for m in ("之前", "失败目标")] \
        == [1, 0]
