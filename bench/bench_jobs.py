"""Benchmark of the scheduled jobs, printed as figures (tests never assert on time).

  task_reminders with 10,000 open overdue tasks (first run of the day: every task reminded,
                 one in-app notification and one queued email per recipient; then a rerun
                 the same day, which must find nothing to do; then the next day, when every
                 task's reminder is refreshed rather than added)
  timer_events   with 1,000 instances whose leadership-approval timer is due, among 10,000
                 instances whose timers are not (each due one is loaded, fired, saved)

Rows are bulk-copied from one real case walked through the API (as bench/bench_core.py does),
so the timer instances carry a real serialized workflow with a pending boundary timer.
Mail goes nowhere (the jobs only queue it; the runner sends after the commit).

Usage: python bench/bench_jobs.py [--database-url URL] [--tasks 10000] [--timers 1000]
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import func, insert, select, text  # noqa: E402

from talentflow.core.reminders import task_reminders  # noqa: E402
from talentflow.core.timers import timer_events
from talentflow.app import create_app  # noqa: E402
from talentflow.models import HumanTask, Instance, Notification, Unit  # noqa: E402
from fresh_db import drop_fresh, fresh_platform  # noqa: E402


def walk_to_leadership(platform) -> int:
    """One real selection case up to the leadership approval (its timer starts there)."""
    from conftest import ApiClient
    from flows import to_leadership
    return to_leadership(ApiClient(create_app(platform=platform)))


def copy_case(platform, template_id: int, count: int, units: list[int], due_at, timer_at,
              batch: int = 2000) -> None:
    """`count` copies of the template case, spread over `units`, each with its open task."""
    with platform.transaction() as session:
        template = session.get(Instance, template_id)
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == template_id,
                                                       HumanTask.status == "ready")).one()
    for offset in range(0, count, batch):
        n = min(batch, count - offset)
        with platform.transaction() as session:
            ids = session.execute(insert(Instance).returning(Instance.id), [{
                "process_id": template.process_id, "definition_id": template.definition_id,
                "version": template.version, "starter_id": template.starter_id,
                "unit_id": units[(offset + i) % len(units)], "department_id": None,
                "applicant_name": f"批量申请人{offset + i}", "status": "running",
                "state": template.state, "data": template.data, "next_timer_at": timer_at,
                "lock_version": 1} for i in range(n)]).scalars().all()
            session.execute(insert(HumanTask), [{
                "instance_id": iid, "process_id": task.process_id,
                "spiff_task_id": task.spiff_task_id, "name": task.name, "title": task.title,
                "form": task.form, "role": task.role,
                "unit_id": units[(offset + i) % len(units)], "department_id": None,
                "assignee_id": None, "applicant_name": f"批量申请人{offset + i}",
                "status": "ready", "created_at": task.created_at, "due_at": due_at}
                for i, iid in enumerate(ids)])


def timed(label: str, fn) -> dict:
    start = time.perf_counter()
    summary = fn()
    elapsed = time.perf_counter() - start
    print(f"{label:48s} {elapsed * 1000:9.0f} ms   {summary}")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--timers", type=int, default=1_000)
    args = parser.parse_args()
    platform = fresh_platform(args.database_url, "talentflow-bench-jobs-")
    try:
        measure(platform, args)
    finally:  # a PostgreSQL run leaves no database behind
        drop_fresh(platform)


def measure(platform, args) -> None:
    template_id = walk_to_leadership(platform)
    today = platform.today()
    with platform.transaction() as session:
        due_timer = session.get(Instance, template_id).next_timer_at
        # 200 units, each with a unit reviewer: unclaimed review tasks remind the unit's reviewer.
        units = session.execute(insert(Unit).returning(Unit.id), [
            {"name": f"基准测试单位{i}", "type": "public_institution", "department_id": None}
            for i in range(200)]).scalars().all()
        from talentflow.core.directory import create_user
        for i, unit_id in enumerate(units):
            create_user(session, f"bench_reviewer{i}", "bench-pass-1", ["unit_reviewer"],
                        display_name=f"单位审核员{i}", unit_id=unit_id, email=f"r{i}@bench.test")
    # Reminders: overdue unit reviews (no timers pending in them: next_timer_at empty).
    unit_template = _unit_review_case(platform)
    copy_case(platform, unit_template, args.tasks, units, due_at=platform.now() - timedelta(days=30),
              timer_at=None)
    # Timers: waiting leadership approvals, `timers` of them due, 10,000 more not yet due.
    copy_case(platform, template_id, args.timers, units, due_at=platform.now() + timedelta(days=30),
              timer_at=due_timer)
    copy_case(platform, template_id, 10_000, units, due_at=platform.now() + timedelta(days=30),
              timer_at=due_timer + timedelta(days=365))
    with platform.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    with platform.sessions() as session:
        print(f"stored: {session.scalar(select(func.count()).select_from(Instance))} instances, "
              f"{session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.status == 'ready'))} open tasks")

    def run(job, as_of):
        with platform.transaction() as session:
            return job(platform, session, as_of)

    timed(f"task_reminders, {args.tasks} overdue tasks, first run", lambda: _brief(run(task_reminders, today)))
    timed("task_reminders, same day again (all done)", lambda: _brief(run(task_reminders, today)))
    timed("task_reminders, next day (each reminder refreshed)",
          lambda: _brief(run(task_reminders, today + timedelta(days=1))))
    with platform.sessions() as session:
        print(f"    notifications stored: {session.scalar(select(func.count()).select_from(Notification))}")
    later = today + timedelta(days=16)
    timed(f"timer_events, {args.timers} due of {args.timers + 10_001} waiting",
          lambda: _brief(run(timer_events, later)))
    timed("timer_events, again (nothing due)", lambda: _brief(run(timer_events, later)))


def _unit_review_case(platform) -> int:
    from conftest import ApiClient
    from flows import submit_selection
    api = ApiClient(create_app(platform=platform))
    return submit_selection(api, "applicant2")


def _brief(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in ("now", "date", "closed")}


if __name__ == "__main__":
    main()
