"""`talentflow seed-demo`'s demo cases: run through the real services, every figure of the
dashboard non-empty, once only."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from talentflow import demo
from talentflow.cli import main
from talentflow.core.models import Instance, User
from talentflow.features.reporting import summary


def test_demo_cases_fill_every_figure_once(seeded):
    platform = seeded
    with platform.transaction() as session:
        created = demo.seed_cases(platform, session)
    assert created["cases"] >= 15
    with platform.transaction() as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        figures = summary.summary(session, admin, platform.today())
        statuses = figures["cases_by_process_status"]
        assert {"running", "completed", "cancelled"} <= set(statuses["talent_selection"])
        assert {"running", "completed"} <= set(statuses["reward_application"])
        assert len(figures["open_tasks_by_name"]) >= 5
        assert figures["overdue_tasks"] >= 2 and len(figures["overdue_tasks_by_unit"]) >= 2
        assert figures["talents_by_status"]["active"] >= 5
        assert len(figures["talents_by_category"]) >= 4
        assert len(figures["rewards_paid_by_year"]) >= 2
        assert figures["training_shortfalls"] >= 1
        count = session.scalar(select(func.count(Instance.id)))
        # the documented demo users are untouched: no case of their own, password still `demo`
        assert not session.scalar(select(func.count(Instance.id)).join(
            User, User.id == Instance.starter_id).where(User.username.in_(["applicant", "applicant2"])))
    with platform.transaction() as session:
        assert demo.seed_cases(platform, session) == {"cases": 0}
        assert session.scalar(select(func.count(Instance.id))) == count


def test_demo_users_still_log_in_after_the_cases(api, platform):
    with platform.transaction() as session:
        demo.seed_cases(platform, session)
    for username in ("applicant", "unit_reviewer", "admin", "talent01", "unit_reviewer3"):
        api.token(username)   # password `demo`
    assert any(t["name"] == "unit_review" for t in api.inbox("unit_reviewer2"))


def test_seed_demo_command_is_idempotent(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    monkeypatch.setenv("TALENTFLOW_INSTANCE_DIR", str(tmp_path))
    first = CliRunner().invoke(main, ["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "'cases': 0" not in first.output
    second = CliRunner().invoke(main, ["seed-demo"])
    assert second.exit_code == 0 and "'cases': 0" in second.output
