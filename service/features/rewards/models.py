"""Rewards paid or reimbursed (Art. 12–15), with the service period each one starts."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ...core.models import Base


class Reward(Base):
    __tablename__ = "rewards"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    reward_type: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(Integer)
    payment_route: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    service_years: Mapped[int] = mapped_column(Integer, default=0)
    ended_on: Mapped[date] = mapped_column(Date)
    service_ends_on: Mapped[date] = mapped_column(Date)
    # Art. 12: the level rewarded (degree, title or skill level), so the same reward is not paid
    # twice; a training-fee reward names the recorded training it pays (each training once).
    level: Mapped[str | None] = mapped_column(String(30))
    training_id: Mapped[int | None] = mapped_column(ForeignKey("talent_trainings.id"), unique=True)
