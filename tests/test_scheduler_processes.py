"""Two scheduler processes against one PostgreSQL database: every due job runs once."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import PG_URL, ApiClient, _config, _reset_postgres
from scheduler_helpers import add_reward
from sqlalchemy import func, select, text
from test_scheduler_mail import smtp  # noqa: F401  (fixture)
from flows import to_leadership

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from talentflow.scheduler.runner import JOB_TABLE, sync_schedules
from talentflow import demo
from talentflow.app import create_app
from talentflow.models import (
    Campaign, EmailOutbox, Instance, JobRun, JobStatus, Notification,
)
from talentflow.platform import Platform
from talentflow.core.registry import REGISTRY

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs TALENTFLOW_TEST_DATABASE_URL")
HERE = Path(__file__).resolve().parent


@pytest.fixture
def pg_platform(tmp_path, pg_database):
    url, shipped = pg_database
    platform = Platform(_config(tmp_path, url))
    _reset_postgres(platform, shipped)
    with platform.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
    yield platform
    platform.engine.dispose()


def test_two_scheduler_processes_run_each_due_job_once(pg_platform, smtp):  # noqa: F811
    controller, inbox = smtp
    platform = pg_platform
    with platform.transaction() as session:
        demo.seed(session, platform.today())
    api = ApiClient(create_app(platform=platform))
    instance_id = to_leadership(api)                    # a leadership timer due in 15 days
    add_reward(platform, "applicant", date(2026, 6, 1), 3)   # evaluated on 2027-12-01
    # Register the jobs, then make every one of them overdue: both processes start late.
    register = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(
        engine=platform.engine, tablename=JOB_TABLE)})
    register.start(paused=True)
    sync_schedules(register, platform)
    register.shutdown(wait=True)
    overdue = datetime.now(timezone.utc) - timedelta(hours=1)
    with platform.engine.begin() as conn:  # as if the machine had been off for an hour
        for job_id, blob in conn.execute(text("SELECT id, job_state FROM apscheduler_jobs")).all():
            state = pickle.loads(blob)
            state["next_run_time"] = overdue
            conn.execute(text("UPDATE apscheduler_jobs SET job_state = :s, next_run_time = :t "
                              "WHERE id = :id"), {"s": pickle.dumps(state, pickle.HIGHEST_PROTOCOL),
                                                  "t": overdue.timestamp(), "id": job_id})
    shift = (date(2028, 3, 10) - platform.today()).days  # a due year, after its opening date
    env = dict(os.environ, TEST_SHIFT_DAYS=str(shift), TEST_RUN_SECONDS="15")
    args = [sys.executable, str(HERE / "scheduler_process.py"),
            platform.config["DATABASE_URL"], str(controller.port)]
    procs = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for _ in range(2)]
    logs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], logs

    with platform.transaction() as session:
        runs = Counter(session.scalars(select(JobRun.job)))
        assert runs["biennial_selection"] == 1 and runs["annual_evaluation"] == 1, (runs, logs)
        assert runs["timer_events"] == 1, (runs, logs)
        assert runs["task_reminders"] == 1  # the overdue leadership approval, once
        assert session.scalar(select(func.count()).select_from(Campaign).where(
            Campaign.opens_on == date(2028, 3, 1))) == 1
        assert session.scalar(select(func.count()).select_from(Instance).where(
            Instance.process_id == "annual_evaluation")) == 1
        notices = Counter((n.user_id, n.kind, n.task_id, n.message.split("：")[0])
                          for n in session.scalars(select(Notification)))
        assert notices and max(notices.values()) == 1, notices  # nobody told anything twice
        assert sum(1 for key in notices if key[1] == "round_opened") == 2
        timer_notes = [n for n in session.scalars(select(Notification))
                       if "已等待较长时间" in n.message]
        assert len(timer_notes) == 1 and timer_notes[0].task_id is not None
        assert session.get(Instance, instance_id).next_timer_at is None
        statuses = {s.job: s.last_outcome for s in session.scalars(select(JobStatus))}
        assert statuses == dict.fromkeys(statuses, "ok") and len(statuses) == len(REGISTRY.jobs), statuses
        outbox = list(session.scalars(select(EmailOutbox)))
    assert outbox and all(row.sent_at is not None for row in outbox)
    assert len(inbox.messages) == len(outbox)  # every email delivered exactly once


def test_two_cli_runs_at_once_have_the_effect_of_one(pg_platform):
    platform = pg_platform
    with platform.transaction() as session:
        demo.seed(session, platform.today())
    env = dict(os.environ, TALENTFLOW_DATABASE_URL=platform.config["DATABASE_URL"],
               TALENTFLOW_SMTP_PORT="1", TALENTFLOW_SECRET_KEY="test")
    command = [str(Path(sys.executable).parent / "talentflow"), "jobs", "run",
               "biennial_selection", "--as-of", "2030-03-02"]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for _ in range(2)]
    logs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], logs
    with platform.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Campaign).where(
            Campaign.opens_on == date(2030, 3, 1))) == 1
        assert session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "round_opened")) == 2
