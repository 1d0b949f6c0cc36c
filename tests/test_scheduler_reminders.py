"""`task_reminders`: overdue tasks across the 2026 National Day holiday (Oct 1–7 off,
Sat Oct 10 a make-up working day), once per task per day, with escalation."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
from flows import submit_selection
from scheduler_helpers import count_notifications, run
from sqlalchemy import select

from talentflow.core.directory import create_user
from talentflow.core.reminders import task_reminders
from talentflow.core import settings as settings_store
from talentflow.models import EmailOutbox, HumanTask, Notification, User

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


def test_the_next_days_reminder_refreshes_the_entry_and_mails_only_users_with_an_address(overdue):
    """The job writes its notices in bulk: the earlier entry is updated (message, time, unread),
    a user without an address gets the in-app notice but no email."""
    platform, review, _ = overdue
    with platform.transaction() as session:
        colleague = session.scalars(select(User).where(User.username == "unit_reviewer")).one()
        create_user(session, "unit_reviewer_nomail", "no-mail-pass-1", ["unit_reviewer"],
                    display_name="无邮箱审核员", unit_id=colleague.unit_id)
    run(platform, task_reminders, date(2026, 10, 8))
    entries = reminders_of(platform, review)
    assert sorted(entries) == ["unit_reviewer", "unit_reviewer_nomail"]
    assert "超期 1 个工作日" in entries["unit_reviewer"].message
    with platform.transaction() as session:
        session.get(Notification, entries["unit_reviewer"].id).read = True

    run(platform, task_reminders, date(2026, 10, 9))
    refreshed = reminders_of(platform, review)
    assert {u: n.id for u, n in refreshed.items()} == {u: n.id for u, n in entries.items()}
    mine = refreshed["unit_reviewer"]
    assert "超期 2 个工作日" in mine.message and not mine.read
    assert mine.created_at.date() == date(2026, 10, 9)
    with platform.transaction() as session:
        mailed = Counter(session.scalars(select(User.username).join(
            EmailOutbox, EmailOutbox.user_id == User.id).where(EmailOutbox.subject.contains("超期"))))
    assert mailed == {"unit_reviewer": 2, "applicant2": 2}  # applicant2: its own overdue form


def reminders_of(platform, task_id: int) -> dict:
    with platform.transaction() as session:
        rows = session.execute(select(User.username, Notification).join(
            Notification, Notification.user_id == User.id).where(
            Notification.task_id == task_id, Notification.kind == "reminder")).all()
        session.expunge_all()
    assert len(rows) == len({username for username, _ in rows})  # one entry per user
    return dict(rows)
