"""Shared helpers of the scheduler tests: run a job, count rows, add rewards."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from talentflow.core import dates as operations
from talentflow.models import Instance, Notification, ProcessDefinition, Reward, User


def run(platform, job, as_of: date) -> dict:
    """Exactly what the runner does inside its lock: the job in one transaction."""
    with platform.transaction() as session:
        return job(platform, session, as_of)


def user_id(platform, username: str) -> int:
    with platform.transaction() as session:
        return session.scalars(select(User.id).where(User.username == username)).one()


def count_notifications(platform, username: str | None = None, kind: str | None = None,
                        task_id: int | None = None) -> int:
    query = select(func.count()).select_from(Notification)
    if username:
        query = query.where(Notification.user_id == user_id(platform, username))
    if kind:
        query = query.where(Notification.kind == kind)
    if task_id:
        query = query.where(Notification.task_id == task_id)
    with platform.transaction() as session:
        return session.scalar(query)


def add_reward(platform, username: str, ended_on: date, years: int, outcome: str = "paid",
               reward_type: str = "title") -> int:
    """A finished reward case as `record_reward` leaves it (the flow itself is tested in
    test_rewards.py): a completed reward_application instance and its Reward row."""
    with platform.transaction() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        definition = session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.process_id == "reward_application")).first()
        instance = Instance(process_id="reward_application", definition_id=definition.id,
                            version=definition.version, starter_id=user.id, unit_id=user.unit_id,
                            applicant_name=user.display_name, status="completed",
                            outcome=outcome, state="{}", data={})
        session.add(instance)
        session.flush()
        reward = Reward(instance_id=instance.id, user_id=user.id, unit_id=user.unit_id,
                        reward_type=reward_type, amount=20000, payment_route="special_fund",
                        outcome=outcome, service_years=years, ended_on=ended_on,
                        service_ends_on=operations.add_years(ended_on, years))
        session.add(reward)
        session.flush()
        return reward.id
