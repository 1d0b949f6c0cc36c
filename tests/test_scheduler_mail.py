"""Email: received by a local SMTP server (aiosmtpd), in Chinese with a link to the task, and
kept and retried when the server is down."""
from __future__ import annotations

import socket
from datetime import date, datetime
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from flows import submit_selection
from scheduler_helpers import count_notifications
from sqlalchemy import select

from talentflow.scheduler.runner import run_job
from talentflow.models import EmailOutbox, HumanTask


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content,
                                                                    policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def point_mail_at(platform, port):
    platform.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="talentflow@district.test")


def test_reminder_email_arrives_in_chinese_with_a_link(api, seeded, smtp):
    controller, inbox = smtp
    platform = seeded
    point_mail_at(platform, controller.port)
    instance_id = submit_selection(api)
    with platform.transaction() as session:
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                       HumanTask.status == "ready")).one()
        task.due_at, task_id = datetime(2026, 9, 30, 23, 59, 59), task.id
        # the new-task notice mailed at submission (test_operations.py) is not this test's business
        for row in session.scalars(select(EmailOutbox)):
            row.sent_at = row.created_at
    summary = run_job(platform, "task_reminders", date(2026, 10, 9))
    assert summary["mail"] == {"sent": 1, "failed": 0}, summary
    (recipients, message), = inbox.messages
    assert recipients == ["unit_reviewer@example.test"]
    assert message["From"] == "talentflow@district.test"
    assert "待办超期提醒" in message["Subject"] and "单位初审" in message["Subject"]
    body = message.get_content()
    assert "张明" in body and f"http://127.0.0.1:5000/tasks/{task_id}" in body
    run_job(platform, "task_reminders", date(2026, 10, 9))  # same day again: nothing new
    assert len(inbox.messages) == 1


def test_a_failed_send_keeps_the_notice_and_is_retried_on_the_next_run(seeded, smtp):
    controller, inbox = smtp
    platform = seeded
    point_mail_at(platform, free_port())  # nothing listens there
    summary = run_job(platform, "biennial_selection", date(2028, 3, 1))
    assert summary["opened"] and summary["mail"]["failed"] == 2, summary
    assert count_notifications(platform, kind="round_opened") == 2  # the in-app notice stands
    with platform.transaction() as session:
        rows = list(session.scalars(select(EmailOutbox)))
        assert [r.sent_at for r in rows] == [None, None] and all(r.last_error for r in rows)
    assert inbox.messages == []

    point_mail_at(platform, controller.port)  # the server is back; any next run delivers
    assert run_job(platform, "timer_events", date(2028, 3, 1))["mail"] == {"sent": 2, "failed": 0}
    assert sorted(r[0][0] for r in inbox.messages) == ["unit_reviewer2@example.test",
                                                       "unit_reviewer@example.test"]
    assert all("选拔" in m["Subject"] for _, m in inbox.messages)
    run_job(platform, "timer_events", date(2028, 3, 1))
    assert len(inbox.messages) == 2  # never sent twice
    with platform.transaction() as session:
        assert all(r.sent_at is not None for r in session.scalars(select(EmailOutbox)))
