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


def test_a_completion_writes_in_one_statement_on_postgresql(api, platform):
    """The unit review of a case: the next step's task, its history line, the notice to the
    next reviewers (naming that task) and their mails, the completed task and the case, on
    PostgreSQL in one statement (the task's id taken ahead, service/sequence_ids.py),
    elsewhere the task first (the ORM gives its id) and then one statement each. (The first case reads who holds
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
    deferred_parts = ("INSERT INTO human_tasks", "INSERT INTO history_events",
                      "INSERT INTO notifications", "INSERT INTO email_outbox",
                      "UPDATE human_tasks", "UPDATE instances")
    if platform.engine.dialect.name == "postgresql":
        assert len(writes) == 1, writes
        assert all(part in writes[0] for part in deferred_parts)
    else:
        assert len(writes) == 6
        assert writes[0].startswith("INSERT INTO human_tasks")
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


def _new_task(case_id, name):
    from talentflow.models import HumanTask
    return HumanTask(instance_id=case_id, process_id="talent_selection", spiff_task_id="x" * 36,
                     name=name, title=name, form=None, role="unit_reviewer",
                     applicant_name="", status="ready", created_at=localnow())


def _columns(task):
    return {k: v for k, v in vars(task).items() if not k.startswith("_")}


def test_an_added_task_and_the_notices_naming_it_are_written_together(api, platform):
    """deferred.add: on PostgreSQL the task has its id at once, so notices can name it before
    anything is written — even more of them than go in one statement (an executemany after
    it); once written the task is the session's own object, and later changes to it are
    saved. Elsewhere the ORM's flush gives the id, with the same result."""
    from talentflow.models import HumanTask
    submit_selection(api)
    case_id = _first_case(platform)
    postgres = platform.engine.dialect.name == "postgresql"
    with platform.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.username == "applicant"))
        task = _new_task(case_id, "added_step")
        deferred.add(session, task)
        if postgres:
            assert task.id is not None and task not in session, "its id now, its row later"
        else:
            session.flush()
        for i in range(deferred.CHAIN_ROWS + 2):
            deferred.insert_row(session, Notification, {
                "user_id": user_id, "kind": "task", "task_id": task.id, "message": f"新任务{i}",
                "created_at": localnow(), "read": False})
        assert session.get(HumanTask, task.id) is task  # written before the read, then attached
        assert task in session
        task.assignee_id = user_id  # an ordinary ORM change from here on
    with platform.transaction() as session:
        row = session.get(HumanTask, task.id)
        assert (row.name, row.assignee_id, row.completed_at) == ("added_step", user_id, None)
        assert session.scalar(select(func.count()).select_from(Notification).where(
            Notification.task_id == task.id)) == deferred.CHAIN_ROWS + 2


def test_an_added_task_of_a_rolled_back_action_is_not_written(api, platform):
    from talentflow.models import HumanTask
    submit_selection(api)
    case_id = _first_case(platform)
    with pytest.raises(RuntimeError):
        with platform.transaction() as session:
            deferred.add(session, _new_task(case_id, "rolled_back_step"))
            raise RuntimeError("the action failed")
    assert _count(platform, HumanTask, name="rolled_back_step") == 0


def test_ids_taken_ahead_never_collide_with_other_processes_or_plain_inserts(api, platform):
    """Blocks of ids taken by two processes (two engines) and rows given their id by the
    column's default in between are all distinct, and all written (PostgreSQL)."""
    from sqlalchemy import create_engine, insert
    from sqlalchemy.orm import Session
    from talentflow import sequence_ids
    from talentflow.models import HumanTask
    if platform.engine.dialect.name != "postgresql":
        pytest.skip("ids are taken ahead only from PostgreSQL sequences")
    submit_selection(api)
    case_id = _first_case(platform)
    other = create_engine(platform.engine.url)
    try:
        taken = []
        with platform.transaction() as session, other.connect() as plain:
            with Session(other) as second:
                for i in range(sequence_ids.BLOCK + 3):
                    taken.append(sequence_ids.take(session, HumanTask.__table__))
                    taken.append(sequence_ids.take(second, HumanTask.__table__))
                    taken.append(plain.execute(insert(HumanTask).values(
                        **_columns(_new_task(case_id, f"plain{i}")))
                                               .returning(HumanTask.id)).scalar_one())
                plain.commit()
            for ident in taken[::3] + taken[1::3]:  # the taken ones, written as ids of rows
                deferred.insert_row(session, HumanTask, {**_columns(_new_task(case_id, "taken")),
                                                         "id": ident})
        assert len(set(taken)) == len(taken)
        assert _count(platform, HumanTask, instance_id=case_id) >= len(taken)
    finally:
        other.dispose()


def test_a_deferred_row_keeps_every_value_as_given(api, platform):
    """On PostgreSQL an inserted row travels as one JSON parameter: text with quotes,
    backslashes, line breaks and characters outside the BMP, microseconds, NULLs and
    booleans come back as they went in."""
    from datetime import datetime
    submit_selection(api)
    case_id = _first_case(platform)
    comment = '引号"\'、反斜杠\\、换行\n、制表\t、表情😀、</script>'
    at = datetime(2026, 11, 30, 17, 45, 12, 345678)
    with platform.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.username == "applicant"))
        deferred.insert_row(session, HistoryEvent, {
            "instance_id": case_id, "task_name": "json_row", "title": "标题", "user_id": user_id,
            "at": at, "decision": "approve", "comment": comment, "return_to": None})
        deferred.insert_row(session, Notification, {
            "user_id": user_id, "kind": "task", "task_id": None, "message": comment,
            "created_at": at, "read": True})
    with platform.transaction() as session:
        row = session.scalars(select(HistoryEvent).where(HistoryEvent.task_name == "json_row")).one()
        assert (row.comment, row.at, row.return_to, row.user_id) == (comment, at, None, user_id)
        notice = session.scalars(select(Notification).where(Notification.message == comment)).one()
        assert (notice.read, notice.created_at, notice.task_id) == (True, at, None)
