"""`task_reminders`: overdue tasks across the 2026 National Day holiday (Oct 1–7 off,
Sat Oct 10 a make-up working day), once per task per day, with escalation."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from flows import submit_selection
from scheduler_helpers import count_notifications, run
from sqlalchemy import select

from talentflow.core.reminders import task_reminders
from talentflow.core import settings as settings_store
from talentflow.models import EmailOutbox, HumanTask

DUE = datetime(2026, 9, 30, 23, 59, 59)  # a Wednesday, the last working day before the holiday


@pytest.fixture
def overdue(api, seeded):
    """An unclaimed unit review (applicant's unit) and an applicant's own form, both due
    2026-09-30; escalation after 3 working days overdue."""
    platform = seeded
    review_case = submit_selection(api)
    form_case = api.start("talent_selection", "applicant2").get_json()["id"]
    with platform.transaction() as session:
        tasks = {}
        for task in session.scalars(select(HumanTask).where(HumanTask.status == "ready")):
            task.due_at = DUE
            tasks[task.instance_id] = task.id
        settings_store.put(session, "reminder_escalation_days", "3")
    return platform, tasks[review_case], tasks[form_case]


def test_reminders_once_per_task_per_day_with_escalation_across_national_day(overdue):
    platform, review, form = overdue
    assert run(platform, task_reminders, date(2026, 9, 30))["tasks"] == 0  # due today: not late
    expected = {"unit_reviewer": 0, "applicant2": 0, "department_reviewer": 0, "unit_reviewer2": 0}
    days = [date(2026, 10, d) for d in (1, 4, 7, 8, 9, 10)]
    for day in days:
        summary = run(platform, task_reminders, day)
        assert summary["tasks"] == 2, (day, summary)
        assert run(platform, task_reminders, day)["tasks"] == 0  # a second run that day: nothing
        expected["unit_reviewer"] += 1      # unclaimed review: the role's users in scope
        expected["applicant2"] += 1         # the applicant's own form: its holder
        # Holiday days do not count as overdue: 0 working days late until Oct 8, 3 on Oct 10.
        if day == date(2026, 10, 10):
            assert summary["escalated"] == 2, summary
            expected["department_reviewer"] += 1  # supervises the unit review (unit has a dept)
            expected["unit_reviewer2"] += 1       # supervises applicant2's form in their unit
        else:
            assert summary["escalated"] == 0, (day, summary)
        # in the app, a task's reminders collapse into one entry (refreshed, unread again)
        for username, count in expected.items():
            assert count_notifications(platform, username, "reminder") == min(count, 1), \
                (day, username)
    assert count_notifications(platform, "unit_reviewer", "reminder", task_id=review) == 1
    assert count_notifications(platform, "applicant2", "reminder", task_id=form) == 1
    # Outside the scope: other units' reviewers and other departments hear nothing of it.
    assert count_notifications(platform, "department_reviewer2") == 0
    with platform.transaction() as session:
        mails = list(session.scalars(select(EmailOutbox).where(EmailOutbox.subject.contains("提醒"))))
    assert len(mails) == sum(expected.values())  # every reminder is still mailed
    assert any(f"/tasks/{review}" in m.body for m in mails)


def test_a_claimed_task_reminds_only_its_holder(api, overdue):
    platform, review, _ = overdue
    assert api.post(f"/api/tasks/{review}/claim", as_user="unit_reviewer").status_code == 200
    run(platform, task_reminders, date(2026, 10, 8))
    assert count_notifications(platform, "unit_reviewer", "reminder", task_id=review) == 1


def test_reminders_can_be_limited_to_working_days(overdue):
    platform, _, _ = overdue
    with platform.transaction() as session:
        settings_store.put(session, "reminder_workdays_only", "true")
    for day in (1, 2, 3, 4, 5, 6, 7, 11):  # the National Day week and a Sunday: no reminders
        assert run(platform, task_reminders, date(2026, 10, day))["tasks"] == 0, day
    assert run(platform, task_reminders, date(2026, 10, 10))["tasks"] == 2  # make-up Saturday


def test_a_completed_task_is_not_reminded(api, overdue):
    platform, review, _ = overdue
    task = api.get(f"/api/tasks/{review}", "unit_reviewer").get_json()
    api.review(task["instance_id"], "unit_reviewer", "unit_review")
    assert run(platform, task_reminders, date(2026, 10, 8))["tasks"] == 1  # the form only
    assert count_notifications(platform, "unit_reviewer", "reminder", task_id=review) == 0
