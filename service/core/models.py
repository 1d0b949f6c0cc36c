"""SQLAlchemy 2 models: the only truth about people, cases and their history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def localnow() -> datetime:
    """Server-local wall time: "today" for every rule is the server's local date (CONTRACT.md)."""
    return datetime.now().replace(microsecond=0)


class Base(DeclarativeBase):
    pass


ROLES = (
    "applicant", "unit_reviewer", "department_reviewer", "org_reviewer", "hr_reviewer",
    "leadership", "finance", "employer_finance", "admin",
)
ROLE_LABELS = {
    "applicant": "申请人", "unit_reviewer": "用人单位", "department_reviewer": "主管部门",
    "org_reviewer": "区委组织部", "hr_reviewer": "区人社局", "leadership": "区人才工作领导小组",
    "finance": "区财政（专项资金）", "employer_finance": "单位财务", "admin": "系统管理员",
}
UNIT_ROLES = ("unit_reviewer", "employer_finance")
DISTRICT_ROLES = ("org_reviewer", "hr_reviewer", "leadership", "finance", "admin")
UNIT_TYPES = {
    "party_government": "党政机关",
    "civil_service_institution": "参照公务员管理的事业单位",
    "public_institution": "其他事业单位",
    "mass_organization": "人民团体/群团机关",
    "enterprise": "企业",
    "other": "其他",
}


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
    __table_args__ = (Index("ix_instances_starter", "starter_id", "process_id"),)
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
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"))
    process_id: Mapped[str] = mapped_column(String(200))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    form: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(40))  # None: belongs to the starter
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


class SelectionEntry(Base):
    """One live selection case per person per round; the unique key settles races."""
    __tablename__ = "selection_entries"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"))


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


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_name: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "read"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=localnow)
    read: Mapped[bool] = mapped_column(Boolean, default=False)


# Scheduler, settings, mail and evaluation tables live in their own module (size); importing
# it here registers them on Base.metadata for Alembic and the fixtures.
from .models_jobs import (  # noqa: E402,F401
    EmailOutbox, JobRun, JobStatus, Setting, TalentEvaluation,
)
