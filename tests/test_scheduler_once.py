"""`once_many`: a chunk of targets keyed and worked in bulk; a chunk meeting an existing key or
a failure is redone target by target, so each keeps its own fate."""
from __future__ import annotations

from sqlalchemy import insert, select

from talentflow.core.jobs import once_many
from talentflow.models import JobRun


def test_a_chunk_with_a_done_and_a_failing_target_is_redone_one_by_one(platform):
    with platform.transaction() as session:
        session.add(JobRun(job="probe", period="p", target="2"))  # done by an earlier run

    def work_many(items):
        # the work leaves its own trace, so a rolled-back chunk can be told from a kept one
        session.execute(insert(JobRun), [{"job": "work", "period": "p", "target": str(i)}
                                         for i in items])
        if 3 in items:
            raise RuntimeError("this target fails")

    for attempt in range(2):
        with platform.transaction() as session:
            counts = once_many(session, "probe", "p", [1, 2, 3, 4], str, work_many)
        assert counts == ({"done": 2, "skipped": 1, "failed": 1, "nothing": 0} if attempt == 0
                          else {"done": 0, "skipped": 3, "failed": 1, "nothing": 0})
        with platform.transaction() as session:
            rows = session.execute(select(JobRun.job, JobRun.target)).all()
        assert sorted(rows) == [("probe", "1"), ("probe", "2"), ("probe", "4"),
                                ("work", "1"), ("work", "4")]  # nothing of 3, once each
