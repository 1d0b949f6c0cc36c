"""Tables of the scheduler, settings, the mail outbox and annual evaluation results.

Kept apart from models.py to keep each module small; models.py imports this module so
`Base.metadata` (Alembic, the test fixtures) always sees these tables."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, localnow


class JobRun(Base):
    """One unit of scheduled work done: the unique key (job, period, target) is inserted in the
    same transaction as the work, so a rerun, a catch-up or a second process cannot repeat it."""
    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", "target", name="uq_job_runs_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(40))  # e.g. "2026", "2026-10-09"
    target: Mapped[str] = mapped_column(String(80))  # e.g. "round", "user:7", "task:42"
    done_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)


class JobStatus(Base):
    """Last run of each job, for `talentflow jobs list`."""
    __tablename__ = "job_status"
    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_as_of: Mapped[date | None] = mapped_column(Date)
    last_outcome: Mapped[str | None] = mapped_column(String(20))  # ok | error | skipped
    last_summary: Mapped[dict | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_duration_ms: Mapped[int | None] = mapped_column(Integer)


class Setting(Base):
    """Admin-changeable settings (schedules, dates); absent keys take the defaults in code."""
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)


class EmailOutbox(Base):
    """Mail written in the job's transaction and sent after it commits; a failed send stays
    here (attempts, last_error) and is retried on the next run."""
    __tablename__ = "email_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_addr: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


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
