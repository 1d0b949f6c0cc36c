"""Cultivation (Art. 7–11, 16–19): who may see and write a talent's record, training days
toward the Art. 9 requirement, status changes (Art. 7 dynamic management) and the service
breaches they reveal, and the records of Art. 16/18/19.

Every function takes the session and the acting user and raises a ServiceError (403/404/422)
before it writes anything, so an action is saved whole or not at all."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session


from ...core import notifications
from ...core import settings as settings_store
from ...core.models import Unit, User, UserRole
from ...core.registry import REGISTRY
from ...core.text import name_problem
from ...errors import Forbidden, Invalid, NotFound
from ..rewards.models import Reward
from ..talents.models import (ServiceBreach, Talent, TalentMentor, TalentPractice, TalentRecord,
                              TalentStatusChange, TalentTraining)

settings_store.register("training_required_days", 60,
                        "一个培养期内培训时间下限（天，第九条“不少于2个月”）", "positive_int")
settings_store.register("training_warning_days", 90,
                        "培养期结束前多少天起提醒培训时间不足", "positive_int")

# Callers per CONTRACT.md "Talent management and cultivation".
READ_ROLES = ("org_reviewer", "hr_reviewer", "leadership", "admin")
STATUS_ROLES = ("hr_reviewer", "org_reviewer", "admin")
RECORD_ROLES = ("hr_reviewer",)  # besides the talent and their unit's reviewers
# Art. 16/18/19 records are kept by the district as well: the leaders who keep in contact
# (Art. 16) and the Organization Department that follows the talents (Art. 18).
TIMELINE_ROLES = ("hr_reviewer", "org_reviewer", "leadership", "admin")

TRAINING_KINDS = ("party_school", "university", "vocational_school", "other")
PRACTICE_KINDS = ("secondment_up", "posting_down", "posting_out", "exchange", "cooperation")
MENTOR_KINDS = ("mentor", "expert_workstation", "master_apprentice")
RECORD_KINDS = ("contact_visit", "working_conditions", "job_change", "unit_change",
                "research_result", "award", "penalty", "consulting", "technical_service",
                "training_given", "publicity")
SETTABLE_STATUSES = ("exited", "suspended", "active")
# Finance is told of a talent leaving within a reward's service period.
SERVICE_BREACH = REGISTRY.notification_kind("service_breach", lazy_gettext("服务协议违约"))
NAME_MAX = 200
TEXT_MAX = 2000


def values(session: Session) -> dict:
    return settings_store.load(session, {})


# --------------------------------------------------------------------------------------
# Scope
# --------------------------------------------------------------------------------------
def _unit_of(session: Session, talent: Talent) -> Unit | None:
    return session.get(Unit, talent.unit_id) if talent.unit_id else None


def is_unit_reviewer_of(user: User, talent: Talent) -> bool:
    return user.has_role("unit_reviewer") and user.unit_id is not None \
        and user.unit_id == talent.unit_id


def may_see(session: Session, user: User, talent: Talent) -> bool:
    if talent.user_id == user.id or user.has_role(*READ_ROLES) or is_unit_reviewer_of(user, talent):
        return True
    if user.has_role("department_reviewer") and user.department_id is not None:
        unit = _unit_of(session, talent)
        return unit is not None and unit.department_id == user.department_id
    return False


def get_talent_for(session: Session, user: User, talent_id: int) -> Talent:
    talent = session.get(Talent, talent_id)
    if talent is None or not may_see(session, user, talent):
        raise NotFound("人才不存在 / no such talent")
    return talent


def may_record(user: User, talent: Talent) -> bool:
    """Trainings, practice, mentors (CONTRACT.md): the talent, their unit's reviewers, HR."""
    return talent.user_id == user.id or is_unit_reviewer_of(user, talent) \
        or user.has_role(*RECORD_ROLES)


def require_recorder(session, user, talent_id, check=may_record) -> Talent:
    talent = get_talent_for(session, user, talent_id)
    if not check(user, talent):
        raise Forbidden("无权为该人才登记 / you may not record for this talent")
    return talent


# --------------------------------------------------------------------------------------
# Input checks (each collects every problem, keyed by field)
# --------------------------------------------------------------------------------------
def _date(body: dict, key: str, errors: dict, required=True) -> date | None:
    raw = body.get(key)
    if raw is None or raw == "":
        if required:
            errors[key] = ["此项为必填项"]
        return None
    if not isinstance(raw, str):
        errors[key] = ["日期格式应为 YYYY-MM-DD"]
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[key] = ["日期格式应为 YYYY-MM-DD"]
        return None


def _choice(body: dict, key: str, options, errors: dict) -> str | None:
    raw = body.get(key)
    if raw not in options:
        errors[key] = ["此项为必填项" if raw in (None, "") else f"必须是以下之一：{', '.join(options)}"]
        return None
    return raw


def _name(body: dict, key: str, errors: dict) -> str | None:
    raw = body.get(key)
    if not isinstance(raw, str):
        errors[key] = ["此项为必填项"]
        return None
    problem = name_problem(raw)
    if problem:
        errors[key] = [problem.split(" / ")[0]]
        return None
    if len(raw) > NAME_MAX:
        errors[key] = [f"长度不能超过 {NAME_MAX} 个字符"]
        return None
    return raw.strip()


def _text(body: dict, key: str, errors: dict, required=False) -> str | None:
    raw = body.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors[key] = ["此项为必填项"]
        return None
    if not isinstance(raw, str):
        errors[key] = ["必须是文本"]
        return None
    if len(raw) > TEXT_MAX:
        errors[key] = [f"长度不能超过 {TEXT_MAX} 个字符"]
        return None
    return raw.strip()


def _unknown(body: dict, allowed: set, errors: dict) -> None:
    for key in sorted(set(body) - allowed):
        errors[key] = ["不允许的字段"]


def _range(start, end, errors: dict) -> None:
    if start and end and end < start:
        errors["end_date"] = ["结束日期不能早于开始日期"]


def _raise(errors: dict) -> None:
    if errors:
        raise Invalid("提交的数据有误 / invalid data", errors)


# --------------------------------------------------------------------------------------
# Art. 9 training days
# --------------------------------------------------------------------------------------
def days_of(start: date, end: date) -> int:
    """A training's own length: calendar days, both ends included."""
    return (end - start).days + 1


def training_days(talent: Talent, trainings) -> int:
    """Days of training inside the talent's current period, overlapping days counted once."""
    spans = sorted((max(t.start_date, talent.registered_on), min(t.end_date, talent.period_ends_on))
                   for t in trainings)
    total, covered_to = 0, None
    for start, end in spans:
        if end < start:
            continue  # wholly outside the period
        if covered_to is not None and start <= covered_to:
            start = covered_to + timedelta(days=1)
        if start <= end:
            total += (end - start).days + 1
        covered_to = end if covered_to is None else max(covered_to, end)
    return total


def trainings_of(session: Session, talent_id: int) -> list[TalentTraining]:
    return list(session.scalars(select(TalentTraining).where(TalentTraining.talent_id == talent_id)
                                .order_by(TalentTraining.start_date, TalentTraining.id)))


def shortfall_candidates(session: Session, as_of: date, settings: dict | None = None):
    """(talent, days) for every active talent whose period ends within the warning window of
    `as_of` (the end day itself included) with training days below the requirement — the one
    rule behind the `cultivation_progress` warnings and the report's `training_shortfalls`."""
    settings = settings or values(session)
    required = int(settings["training_required_days"])
    horizon = as_of + timedelta(days=int(settings["training_warning_days"]))
    talents = list(session.scalars(select(Talent).where(
        Talent.status == "active", Talent.period_ends_on >= as_of,
        Talent.period_ends_on <= horizon).order_by(Talent.id)))
    if not talents:
        return []
    by_talent: dict[int, list] = {}
    for row in session.scalars(select(TalentTraining).where(
            TalentTraining.talent_id.in_([t.id for t in talents]))):
        by_talent.setdefault(row.talent_id, []).append(row)
    found = []
    for talent in talents:
        days = training_days(talent, by_talent.get(talent.id, []))
        if days < required:
            found.append((talent, days))
    return found


@REGISTRY.report_figure("training_shortfalls")
def training_shortfalls(session: Session, as_of: date) -> int:
    """For GET /api/reports/summary: active talents whose period ends within the warning window
    (default 90 days) of `as_of` with training below the requirement (default 60 days)."""
    return len(shortfall_candidates(session, as_of))


# --------------------------------------------------------------------------------------
# Records: trainings (Art. 9), practice (Art. 10), mentors (Art. 11), Art. 16/18/19 entries
# --------------------------------------------------------------------------------------
def add_training(session: Session, user: User, talent_id: int, body: dict, now: datetime) -> TalentTraining:
    talent = require_recorder(session, user, talent_id)
    errors: dict = {}
    _unknown(body, {"kind", "institution", "start_date", "end_date"}, errors)
    kind = _choice(body, "kind", TRAINING_KINDS, errors)
    institution = _name(body, "institution", errors)
    start, end = _date(body, "start_date", errors), _date(body, "end_date", errors)
    _range(start, end, errors)
    if start and end and "end_date" not in errors and (
            end < talent.registered_on or start > talent.period_ends_on):
        errors["start_date"] = [f"培训不在本培养期内（{talent.registered_on} 至 {talent.period_ends_on}）"]
    _raise(errors)
    row = TalentTraining(talent_id=talent.id, kind=kind, institution=institution, start_date=start,
                         end_date=end, recorded_by=user.id, recorded_at=now)
    session.add(row)
    session.flush()
    return row


def add_practice(session: Session, user: User, talent_id: int, body: dict, now: datetime) -> TalentPractice:
    talent = require_recorder(session, user, talent_id)
    errors: dict = {}
    _unknown(body, {"kind", "organization", "start_date", "end_date", "description"}, errors)
    kind = _choice(body, "kind", PRACTICE_KINDS, errors)
    organization = _name(body, "organization", errors)
    start, end = _date(body, "start_date", errors), _date(body, "end_date", errors)
    _range(start, end, errors)
    description = _text(body, "description", errors)
    _raise(errors)
    row = TalentPractice(talent_id=talent.id, kind=kind, organization=organization, start_date=start,
                         end_date=end, description=description, recorded_by=user.id, recorded_at=now)
    session.add(row)
    session.flush()
    return row


def add_mentor(session: Session, user: User, talent_id: int, body: dict, now: datetime) -> TalentMentor:
    talent = require_recorder(session, user, talent_id)
    errors: dict = {}
    _unknown(body, {"kind", "name", "organization", "start_date"}, errors)
    kind = _choice(body, "kind", MENTOR_KINDS, errors)
    name = _name(body, "name", errors)
    organization = _name(body, "organization", errors)
    start = _date(body, "start_date", errors)
    _raise(errors)
    row = TalentMentor(talent_id=talent.id, kind=kind, name=name, organization=organization,
                       start_date=start, recorded_by=user.id, recorded_at=now)
    session.add(row)
    session.flush()
    return row


def may_keep_timeline(user: User, talent: Talent) -> bool:
    return may_record(user, talent) or user.has_role(*TIMELINE_ROLES)


def add_record(session: Session, user: User, talent_id: int, body: dict, now: datetime,
               today: date) -> TalentRecord:
    talent = require_recorder(session, user, talent_id, may_keep_timeline)
    errors: dict = {}
    _unknown(body, {"kind", "date", "summary"}, errors)
    kind = _choice(body, "kind", RECORD_KINDS, errors)
    on = _date(body, "date", errors)
    if on and on > today:
        errors["date"] = ["日期不能晚于今天"]
    summary = _text(body, "summary", errors, required=True)
    _raise(errors)
    row = TalentRecord(talent_id=talent.id, kind=kind, on=on, summary=summary, recorded_by=user.id,
                       recorded_at=now)
    session.add(row)
    session.flush()
    return row


# --------------------------------------------------------------------------------------
# Art. 7 status, and the service breaches an exit reveals
# --------------------------------------------------------------------------------------
def change_status(session: Session, user: User, talent_id: int, body: dict, today: date,
                  now: datetime) -> Talent:
    talent = get_talent_for(session, user, talent_id)
    if not user.has_role(*STATUS_ROLES):
        raise Forbidden("只有区人社局、区委组织部或系统管理员可以变更人才状态 / not allowed")
    errors: dict = {}
    _unknown(body, {"status", "reason"}, errors)
    status = _choice(body, "status", SETTABLE_STATUSES, errors)
    reason = _text(body, "reason", errors, required=True)
    if status and status == talent.status:
        errors["status"] = ["人才已是该状态"]
    elif status == "active" and talent.period_ends_on < today:
        errors["status"] = ["培养期已结束，不能恢复为培养期内；请在以后的选拔轮次中重新选拔"]
    elif status == "suspended" and talent.status == "ended":
        # An ended talent may still leave (exited): a reward's service period outlasts the
        # cultivation period, and leaving within it is a breach of the service agreement.
        errors["status"] = ["培养期已结束的人才不能暂停培养"]
    _raise(errors)
    set_status(session, talent, status, reason, user.id, now)
    if status == "exited":
        record_breaches(session, talent, today, now)
    return talent


def set_status(session: Session, talent: Talent, status: str, reason: str, by_id: int | None,
               now: datetime) -> None:
    talent.status = status
    session.add(TalentStatusChange(talent_id=talent.id, status=status, reason=reason, by_id=by_id,
                                   at=now))


def running_rewards(session: Session, talent: Talent, on: date) -> list[Reward]:
    """Paid or reimbursed rewards of the talent whose service period runs on `on`."""
    return list(session.scalars(select(Reward).where(
        Reward.user_id == talent.user_id, Reward.outcome.in_(("paid", "reimbursed")),
        Reward.reward_type != "platform", Reward.service_years > 0,
        Reward.ended_on <= on, Reward.service_ends_on > on).order_by(Reward.id)))


def record_breaches(session: Session, talent: Talent, today: date, now: datetime) -> list[ServiceBreach]:
    known = set(session.scalars(select(ServiceBreach.instance_id).where(
        ServiceBreach.talent_id == talent.id)))
    found = []
    for reward in running_rewards(session, talent, today):
        if reward.instance_id in known:
            continue
        breach = ServiceBreach(talent_id=talent.id, instance_id=reward.instance_id,
                               amount=reward.amount, service_ends_on=reward.service_ends_on,
                               found_on=today)
        session.add(breach)
        found.append(breach)
    if found:
        total = sum(b.amount for b in found)
        for finance in notifications.users_with_role(session, "finance"):
            notifications.notify(
                session, finance, SERVICE_BREACH,
                f"人才培养对象{talent.name}在最低服务年限内退出培养（{len(found)} 笔奖励，合计 {total} 元，"
                f"服务期至 {max(b.service_ends_on for b in found)}），请核查是否追回奖励资金。",
                subject=f"【人才培养】服务协议违约：{talent.name}", now=now,
                link=talent_link(values(session), talent.id))
    session.flush()
    return found


def talent_link(settings: dict, talent_id: int) -> str:
    return f"{str(settings.get('base_url') or '').rstrip('/')}/talents/{talent_id}"


def unit_reviewers(session: Session, unit_id: int | None) -> list[User]:
    if unit_id is None:
        return []
    return list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == "unit_reviewer", User.unit_id == unit_id, User.active.is_(True))
        .order_by(User.id)))
