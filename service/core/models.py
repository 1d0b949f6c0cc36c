"""The workflow core's tables: directory, deployed definitions, cases, the human-task index,
history, attachments, notifications, rounds, and the scheduler's bookkeeping.

Feature tables (talents, rewards, …) live in their feature folders on the same `Base`;
`talentflow.models` gathers every table for Alembic and the tests."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .clock import localnow


class Base(DeclarativeBase):
    pass


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by POST /api/auth/logout: every API token issued before stops working.
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> list[str]:
        return sorted(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return any(r.role in roles for r in self.role_rows)


class UserRole(Base):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)


class DirectoryRevision(Base):
    """One row (id 1) whose `n` the database's triggers set on every change to users or
    their roles, whoever makes it (migrations 0009, 0012): what a process caches of the
    directory is current while `n` is unchanged (core/recipients.py). Each change gives `n` a
    value it never had (a sequence; SQLite: random()), rolled back or after the row was
    deleted alike: `n` is compared for equality only, never ordered."""
    __tablename__ = "directory_revision"
    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class ProcessDefinition(Base):
    """One deployed version of a BPMN process or a DMN decision."""
    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # bpmn | dmn
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    # Deferred: starting a case needs the version's id, not its (tens of KB of) XML; the spec
    # is compiled once per process and cached.
    xml: Mapped[str] = mapped_column(Text, deferred=True)
    # For a BPMN version: {"decision_id": definition row id} of the DMN it was built with,
    # so a running instance keeps the tables it started with.
    dmn_refs: Mapped[dict] = mapped_column(JSON, default=dict)
    # For a BPMN version: {"process_id": definition row id} of every process its call
    # activities run (directly or not), resolved at deploy.
    call_refs: Mapped[dict | None] = mapped_column(JSON, default=dict)
    # For a BPMN version: {"form name": JSON Schema} of every form its tasks use, as deployed:
    # a running case validates and shows the forms of its own version. Deferred like `xml`.
    forms: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    deployed_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)
    deployed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Campaign(Base):
    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), default="selection")
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)

    def status_on(self, today: date) -> str:
        if self.closed or today > self.closes_on:
            return "closed"
        return "open" if today >= self.opens_on else "scheduled"


class Instance(Base):
    __tablename__ = "instances"
    __table_args__ = (Index("ix_instances_starter", "starter_id", "process_id"),
                      # the summary report counts cases per process and status from the index
                      Index("ix_instances_process_status", "process_id", "status"),
                      Index("ix_instances_created", "created_at", "id"),
                      Index("ix_instances_unit", "unit_id", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    version: Mapped[int] = mapped_column(Integer)
    starter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)
    outcome: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(Text)  # SpiffWorkflow serialization (spec kept apart)
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # case data shown by the API
    next_timer_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": lock_version}


class HumanTask(Base):
    """Index of user tasks: the inbox is an indexed query on this table, never a workflow scan."""
    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_inbox", "status", "role", "unit_id"),
        Index("ix_human_tasks_dept", "status", "role", "department_id"),
        Index("ix_human_tasks_assignee", "status", "assignee_id"),
        Index("ix_human_tasks_instance", "instance_id", "status"),
        Index("ix_human_tasks_done_by", "completed_by", "completed_at"),
        # the summary report: open tasks per step, overdue open tasks
        Index("ix_human_tasks_status_name", "status", "name"),
        Index("ix_human_tasks_status_due", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"))
    process_id: Mapped[str] = mapped_column(String(200))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    form: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(40))  # None: belongs to the starter
    # The case's starter: never works a review of their own case (separation of duties).
    starter_id: Mapped[int | None] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="ready")  # ready|completed|cancelled
    created_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str | None] = mapped_column(String(20))


class HistoryEvent(Base):
    """Audit trail per instance: who did what, when, with which decision and comment."""
    __tablename__ = "history_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    task_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=localnow)
    decision: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    return_to: Mapped[str | None] = mapped_column(String(200))  # 回退: the step it went back to


class TaskDraft(Base):
    """暂存: one user's unsubmitted answers to one task form."""
    __tablename__ = "task_drafts"
    __table_args__ = (UniqueConstraint("task_id", "user_id", name="uq_task_drafts_task_user"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)


class StoredFile:
    """The columns of an uploaded file kept under UPLOAD_DIR, as core/attachments.store_upload
    fills them: case attachments and talent certificates alike."""
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_name: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Attachment(StoredFile, Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "read"),
                      # a task's earlier reminder, which the next one refreshes
                      Index("ix_notifications_task", "task_id", "kind"))
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)
    read: Mapped[bool] = mapped_column(Boolean, default=False)


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


class WebSession(Base):
    """A logged-in browser. The cookie carries only this row's random id, so logging out (the
    row deleted) ends the session on the server: a copy of the old cookie no longer works."""
    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)


class LoginFailure(Base):
    """A failed login, kept for the throttling window (shared by every worker process)."""
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_user_at", "username", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime, default=localnow)
