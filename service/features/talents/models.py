"""The talent database (信息库, Art. 6–7) and the annual evaluation results (Art. 18)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...core.models import Base, StoredFile


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
    # From the selection form (Art. 5(5), Art. 6): the agreed minimum service after cultivation,
    # and the levels a "higher" Art. 12 title or skill reward is measured against.
    service_agreement_years: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    professional_title: Mapped[str | None] = mapped_column(String(30))
    skill_level: Mapped[str | None] = mapped_column(String(30))


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
    # The unit's part (Art. 18): ability, work performance, completion of the research plan.
    ability: Mapped[str | None] = mapped_column(Text)
    performance: Mapped[str | None] = mapped_column(Text)
    research_plan: Mapped[str | None] = mapped_column(Text)
    recorded_on: Mapped[date] = mapped_column(Date)


# Cultivation records (Art. 7–11, 16–19) on the talent's record. The rules that use them live in
# features/cultivation; the rows live here, beside the talent, so rewards (a training-fee claim
# names a recorded training) can read them without reaching up the feature layers.

class TalentStatusChange(Base):
    """Art. 7 dynamic management: every status change with its reason and who made it."""
    __tablename__ = "talent_status_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime)


class TalentTraining(Base):
    """Art. 9: training at a party school, university or vocational school."""
    __tablename__ = "talent_trainings"
    id: Mapped[int] = mapped_column(primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    institution: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class TalentPractice(Base):
    """Art. 10: practice assignments (上挂、下派、外派、交流、合作)."""
    __tablename__ = "talent_practice"
    id: Mapped[int] = mapped_column(primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    organization: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class TalentMentor(Base):
    """Art. 11: mentor, expert workstation, master-apprentice."""
    __tablename__ = "talent_mentors"
    id: Mapped[int] = mapped_column(primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    organization: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class TalentPlan(Base):
    """Art. 8: one approved version of the cultivation plan (every version is kept)."""
    __tablename__ = "talent_plans"
    __table_args__ = (UniqueConstraint("talent_id", "version", name="uq_talent_plans_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), unique=True)
    direction: Mapped[str] = mapped_column(Text)
    focus: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text)
    approved_on: Mapped[date] = mapped_column(Date)


class TalentRecord(Base):
    """Art. 16 (contact visits), 18 (changes, results, penalties), 19 (consulting, service,
    training given, publicity): dated entries on the talent's timeline."""
    __tablename__ = "talent_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class ServiceBreach(Base):
    """A talent left the programme while a paid or reimbursed reward's service period ran."""
    __tablename__ = "service_breaches"
    id: Mapped[int] = mapped_column(primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    service_ends_on: Mapped[date] = mapped_column(Date)
    found_on: Mapped[date] = mapped_column(Date)


class TalentCertificate(StoredFile, Base):
    """A certificate copy (PDF, PNG, JPEG) of a training, practice or mentorship record."""
    __tablename__ = "talent_certificates"
    id: Mapped[int] = mapped_column(primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("talents.id"), index=True)
    record_kind: Mapped[str] = mapped_column(String(20))  # trainings | practice | mentors
    record_id: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)
