"""The talent's record (GET /api/talents/<id> and the talent page): registration data, plan,
cultivation records, evaluations, rewards with their service periods, status history, service
breaches and a dated timeline of everything."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.models import User
from ..rewards.models import Reward
from ..talents.labels import GRADE_LABELS, STATUS_LABELS
from ..talents.models import (ServiceBreach, Talent, TalentEvaluation, TalentMentor, TalentPlan,
                              TalentPractice, TalentRecord, TalentStatusChange)
from . import plan as plan_flow
from . import certificates, rules


def _usernames(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def _plan_dict(row: TalentPlan | None) -> dict | None:
    if row is None:
        return None
    return {"direction": row.direction, "focus": row.focus, "measures": row.measures,
            "approved_on": row.approved_on}


def build(session: Session, talent: Talent) -> dict:
    settings = rules.values(session)
    username = session.scalar(select(User.username).where(User.id == talent.user_id))
    plans = list(session.scalars(select(TalentPlan).where(TalentPlan.talent_id == talent.id)
                                 .order_by(TalentPlan.version)))
    trainings = rules.trainings_of(session, talent.id)
    practice = list(session.scalars(select(TalentPractice).where(
        TalentPractice.talent_id == talent.id).order_by(TalentPractice.start_date, TalentPractice.id)))
    mentors = list(session.scalars(select(TalentMentor).where(
        TalentMentor.talent_id == talent.id).order_by(TalentMentor.start_date, TalentMentor.id)))
    records = list(session.scalars(select(TalentRecord).where(
        TalentRecord.talent_id == talent.id).order_by(TalentRecord.on, TalentRecord.id)))
    evaluations = list(session.scalars(select(TalentEvaluation).where(
        TalentEvaluation.user_id == talent.user_id).order_by(TalentEvaluation.year)))
    rewards = list(session.scalars(select(Reward).where(
        Reward.user_id == talent.user_id, Reward.reward_type != "platform").order_by(Reward.id)))
    changes = list(session.scalars(select(TalentStatusChange).where(
        TalentStatusChange.talent_id == talent.id).order_by(TalentStatusChange.at,
                                                            TalentStatusChange.id)))
    breaches = list(session.scalars(select(ServiceBreach).where(
        ServiceBreach.talent_id == talent.id).order_by(ServiceBreach.id)))
    names = _usernames(session, [c.by_id for c in changes])
    files: dict = {}
    for c in certificates.certificates_of(session, talent.id):
        files.setdefault((c.record_kind, c.record_id), []).append(
            {"id": c.id, "filename": c.filename, "size": c.size})
    plan_case = plan_flow.running_case(session, talent)
    record = {
        "id": talent.id, "username": username, "name": talent.name, "unit_id": talent.unit_id,
        "talent_category": talent.talent_category, "campaign_id": talent.campaign_id,
        "registered_on": talent.registered_on, "period_ends_on": talent.period_ends_on,
        "status": talent.status, "service_agreement_years": talent.service_agreement_years,
        "professional_title": talent.professional_title, "skill_level": talent.skill_level,
        "selection_instance_id": talent.instance_id,
        "plan": _plan_dict(plans[-1] if plans else None),
        "plan_versions": [{"version": p.version, "instance_id": p.instance_id, **_plan_dict(p)}
                          for p in plans],
        "plan_instance_id": plan_case.id if plan_case else None,
        "trainings": [{"id": t.id, "kind": t.kind, "institution": t.institution,
                       "start_date": t.start_date, "end_date": t.end_date,
                       "days": rules.days_of(t.start_date, t.end_date),
                       "certificates": files.get(("trainings", t.id), [])} for t in trainings],
        "practice": [{"id": p.id, "kind": p.kind, "organization": p.organization,
                      "start_date": p.start_date, "end_date": p.end_date,
                      "description": p.description,
                      "certificates": files.get(("practice", p.id), [])} for p in practice],
        "mentors": [{"id": m.id, "kind": m.kind, "name": m.name, "organization": m.organization,
                     "start_date": m.start_date,
                     "certificates": files.get(("mentors", m.id), [])} for m in mentors],
        "training_days": rules.training_days(talent, trainings),
        "training_required_days": int(settings["training_required_days"]),
        "evaluations": [{"year": e.year, "grade": e.grade, "comment": e.comment,
                         "ability": e.ability, "performance": e.performance,
                         "research_plan": e.research_plan, "recorded_on": e.recorded_on,
                         "instance_id": e.instance_id} for e in evaluations],
        "rewards": [{"instance_id": r.instance_id, "reward_type": r.reward_type,
                     "amount": r.amount, "outcome": r.outcome, "ended_on": r.ended_on,
                     "service_years": r.service_years,
                     "service_ends_on": r.service_ends_on}
                    for r in rewards],
        "status_history": [{"status": c.status, "reason": c.reason,
                            "by": names.get(c.by_id, "system"), "at": c.at} for c in changes],
        "service_breaches": [{"instance_id": b.instance_id, "amount": b.amount,
                              "service_ends_on": b.service_ends_on, "found_on": b.found_on}
                             for b in breaches],
        "records": [{"id": r.id, "kind": r.kind, "date": r.on, "summary": r.summary}
                    for r in records],
    }
    record["timeline"] = _timeline(session, talent, record, plans, records)
    return record


def _timeline(session, talent, record, plans, records) -> list[dict]:
    """Dated entries, oldest first: the cases of the talent, the records, the changes."""
    entries = [{"date": talent.registered_on, "kind": "registered", "text": "选拔入库",
                "instance_id": talent.instance_id}]
    for p in plans:
        entries.append({"date": p.approved_on, "kind": "plan",
                        "text": f"培养计划第 {p.version} 版批准", "instance_id": p.instance_id})
    for t in record["trainings"]:
        entries.append({"date": t["start_date"], "kind": "training",
                        "text": f"培训：{t['institution']}（{t['days']} 天）", "instance_id": None})
    for p in record["practice"]:
        entries.append({"date": p["start_date"], "kind": "practice",
                        "text": f"实践锻炼：{p['organization']}", "instance_id": None})
    for m in record["mentors"]:
        entries.append({"date": m["start_date"], "kind": "mentor",
                        "text": f"导师/工作站：{m['name']}（{m['organization']}）", "instance_id": None})
    for r in records:
        entries.append({"date": r.on, "kind": r.kind, "text": r.summary, "instance_id": None})
    # An evaluation is dated the day the unit completed it (its year is the one evaluated).
    for e in record["evaluations"]:
        entries.append({"date": e["recorded_on"], "kind": "evaluation",
                        "text": f"{e['year']} 年度考核：{_label(GRADE_LABELS, e['grade'])}",
                        "instance_id": e["instance_id"]})
    for r in record["rewards"]:
        entries.append({"date": r["ended_on"], "kind": "reward",
                        "text": f"奖励 {r['amount']} 元", "instance_id": r["instance_id"]})
    for c in record["status_history"]:
        entries.append({"date": c["at"].date(), "kind": "status",
                        "text": f"状态变更为“{_label(STATUS_LABELS, c['status'])}”：{c['reason']}",
                        "instance_id": None})
    for b in record["service_breaches"]:
        entries.append({"date": b["found_on"], "kind": "service_breach",
                        "text": f"服务协议违约（奖励 {b['amount']} 元，服务期至 {b['service_ends_on']}）",
                        "instance_id": b["instance_id"]})
    entries.sort(key=lambda e: e["date"])
    return entries


def _label(labels: dict, value: str) -> str:
    """The Chinese name the pages use (the timeline's text is read by people, API included)."""
    return str(labels.get(value, value))
