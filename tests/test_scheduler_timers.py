"""The non-interrupting boundary timer on leadership approval, advanced by `timer_events`."""
from __future__ import annotations

from datetime import timedelta

from flows import QUALIFICATION, to_leadership
from sqlalchemy import func, select

from talentflow.core.timers import timer_events
from talentflow.models import HistoryEvent, Instance, JobRun, Notification, User


def run(platform, job, as_of):
    with platform.transaction() as session:
        return job(platform, session, as_of)


def timer_at(platform, instance_id):
    with platform.transaction() as session:
        return session.get(Instance, instance_id).next_timer_at


def reminders_of(platform, username):
    with platform.transaction() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == user.id, Notification.kind == "reminder"))


def test_boundary_timer_is_indexed_fires_once_and_keeps_the_task(api, seeded):
    platform = seeded
    instance_id = to_leadership(api)
    due = timer_at(platform, instance_id)
    assert due is not None, "next_timer_at must carry the boundary timer's due time"
    expected = platform.now() + timedelta(days=15)
    assert abs((due - expected).total_seconds()) < 120
    today = platform.today()

    assert run(platform, timer_events, today + timedelta(days=14))["fired"] == 0
    assert reminders_of(platform, "leadership") == 0

    summary = run(platform, timer_events, today + timedelta(days=16))
    assert summary["fired"] == 1, summary
    assert reminders_of(platform, "leadership") == 1
    assert timer_at(platform, instance_id) is None  # fired: nothing left to wake
    # Non-interrupting: the approval is still on the leaders' desk.
    assert api.task_of(instance_id, "leadership", "leadership_approval")

    for days in (16, 17, 40):  # reruns and later runs never fire it again
        assert run(platform, timer_events, today + timedelta(days=days))["fired"] == 0
    assert reminders_of(platform, "leadership") == 1
    with platform.transaction() as session:
        assert session.scalar(select(func.count()).select_from(JobRun).where(
            JobRun.job == "timer_events")) == 1

    api.review(instance_id, "leadership", "leadership_approval")
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "registered")


def test_completing_the_approval_clears_the_timer(api, seeded):
    platform = seeded
    instance_id = to_leadership(api)
    assert timer_at(platform, instance_id) is not None
    api.review(instance_id, "leadership", "leadership_approval")
    assert timer_at(platform, instance_id) is None
    assert run(platform, timer_events, platform.today() + timedelta(days=30))["fired"] == 0
    assert reminders_of(platform, "leadership") == 0


def test_return_for_correction_clears_the_timer_and_a_new_pass_starts_a_new_one(api, seeded):
    platform = seeded
    instance_id = to_leadership(api)
    api.review(instance_id, "leadership", "leadership_approval", "return", "请补充材料")
    assert timer_at(platform, instance_id) is None
    assert run(platform, timer_events, platform.today() + timedelta(days=30))["fired"] == 0
    # The applicant corrects the form; the case climbs back to the leaders: a fresh timer.
    from conftest import application_form
    task = api.task_of(instance_id, "applicant", "submit_application")
    assert api.complete(task["id"], application_form(), "applicant").status_code == 200
    api.review(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "department_reviewer", "department_review")
    for user, name in QUALIFICATION:
        api.review(instance_id, user, name)
    assert timer_at(platform, instance_id) is not None
    assert run(platform, timer_events, platform.today() + timedelta(days=16))["fired"] == 1
    assert reminders_of(platform, "leadership") == 1
    with platform.transaction() as session:
        # The firing is not a decision: the case history holds only people's decisions.
        names = set(session.scalars(select(HistoryEvent.task_name).where(
            HistoryEvent.instance_id == instance_id)))
    assert "leadership_approval_overdue" not in names
