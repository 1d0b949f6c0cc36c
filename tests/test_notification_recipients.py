"""The notices of a task that opens go to the holders of its role in scope, read through a
per-process cache (core/recipients.py) that the database's directory revision keeps honest: a
user added, changed or removed by anyone — the admin API, another process, a tool writing SQL
— is seen by the next completion."""
from sqlalchemy import func, select, text

from flows import submit_selection
from talentflow.core.security import hash_password
from talentflow.models import DirectoryRevision, Notification, User


def _task_notices(api, username) -> list[dict]:
    return [n for n in api.get("/api/notifications", username).get_json() if n["kind"] == "task"]


def _applicants(api, count) -> list[str]:
    """Applicants of the unit of `unit_reviewer` (one selection case each per round)."""
    unit_id = api.me("unit_reviewer")["unit_id"]
    return [f"applicant_{i}" for i in range(count)
            if api.create_user(f"applicant_{i}", ["applicant"], unit_id=unit_id)]


def _task_notices_of(platform, user_id) -> int:
    with platform.transaction() as session:
        return session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == user_id, Notification.kind == "task"))


def _revision(platform) -> int:
    with platform.transaction() as session:
        return session.scalar(select(DirectoryRevision.n))


def test_a_reviewer_added_or_removed_outside_the_service_is_seen_by_the_next_case(api, platform):
    first, second, third = _applicants(api, 3)
    submit_selection(api, first)  # the unit reviewers are read and cached here
    assert len(_task_notices(api, "unit_reviewer")) == 1
    unit_id = api.me("unit_reviewer")["unit_id"]
    before = _revision(platform)
    with platform.engine.begin() as conn:  # as another process or a tool would
        user_id = conn.execute(text(
            "INSERT INTO users (username, password_hash, display_name, unit_id, active, "
            "token_generation) VALUES ('late_reviewer', :h, '迟到的审核员', :u, :a, 0) RETURNING id"),
            {"h": hash_password("secret-123"), "u": unit_id, "a": True}).scalar()
        conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (:i, 'unit_reviewer')"),
                     {"i": user_id})
    assert _revision(platform) != before
    submit_selection(api, second)
    late = _task_notices_of(platform, user_id)
    assert late == 1, "the reviewer added behind the cache's back is told of the new case"
    assert len(_task_notices(api, "unit_reviewer")) == 2

    with platform.engine.begin() as conn:
        conn.execute(text("DELETE FROM user_roles WHERE user_id = :i"), {"i": user_id})
    submit_selection(api, third)
    late = _task_notices_of(platform, user_id)
    assert late == 1, "the role removed, no further notice"
    assert len(_task_notices(api, "unit_reviewer")) == 3


def test_a_deactivated_reviewer_is_not_told_and_an_unchanged_directory_is_not_read_again(
        api, platform, monkeypatch):
    from talentflow.core import notifications
    first, second, third = _applicants(api, 3)
    submit_selection(api, first)
    reads = []
    original = notifications.users_with_role
    monkeypatch.setattr(notifications, "users_with_role",
                        lambda session, role: reads.append(role) or original(session, role))
    submit_selection(api, second)
    assert reads == [], "the directory did not change: the cached holders were used"
    with platform.transaction() as session:
        session.scalars(select(User).where(User.username == "unit_reviewer")).one().active = False
    submit_selection(api, third)
    assert reads == ["unit_reviewer"]
    with platform.transaction() as session:
        told = session.scalar(select(func.count()).select_from(Notification).join(
            User, User.id == Notification.user_id).where(User.username == "unit_reviewer",
                                                          Notification.kind == "task"))
    assert told == 2, "the third case's notice is not sent to a deactivated reviewer"
