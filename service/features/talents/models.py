"""The talent database (信息库, Art. 6–7) and the annual evaluation results (Art. 18)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...core.models import Base


class Talent(Base):
    __tablename__ = "talents"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    talent_category: Mapped[str] = mapped_column(String(40))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    registered_on: Mapped[date] = mapped_column(Date)
    period_ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")


class TalentEvaluation(Base):
    """Result of one annual evaluation (Art. 18) on the talent's record."""
    __tablename__ = "talent_evaluations"
    __table_args__ = (UniqueConstraint("user_id", "year", name="uq_talent_evaluations_year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    talent_id: Mapped[int | None] = mapped_column(ForeignKey("talents.id"))
    year: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), unique=True)
    grade: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_on: Mapped[date] = mapped_column(Date)
