"""db.on_commit: work that may only follow a commit (the hot-instance cache remembering a
case's saved workflow, the settings cache moving on) never follows a rolled-back attempt —
an action run again with its caller read afresh commits only its own."""
from __future__ import annotations

from sqlalchemy import text

from talentflow.db import on_commit


def test_what_a_rolled_back_attempt_registered_does_not_run_at_the_next_commit(platform):
    calls = []
    with platform.sessions() as session:
        session.execute(text("SELECT 1"))
        on_commit(session, lambda _s: calls.append("discarded attempt"))
        session.rollback()
        session.execute(text("SELECT 1"))
        on_commit(session, lambda _s: calls.append("attempt run again"))
        assert calls == []
        session.commit()
        assert calls == ["attempt run again"]
        session.execute(text("SELECT 1"))
        session.commit()
    assert calls == ["attempt run again"]  # once


def test_a_savepoint_rolled_back_keeps_what_the_transaction_registered(platform):
    calls = []
    with platform.sessions() as session:
        session.execute(text("SELECT 1"))
        on_commit(session, lambda _s: calls.append("action"))
        savepoint = session.begin_nested()
        savepoint.rollback()
        session.commit()
    assert calls == ["action"]
