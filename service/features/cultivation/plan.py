"""Art. 8 cultivation plan: process `cultivation_plan`, started by the service at registration
(the talent is its starter): `draft_plan` (the talent's unit_reviewer) → `plan_review`
(hr_reviewer; return goes back to the draft). On approval the plan is a new version on the
talent's record; a revision runs the same flow and every approved version is kept."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import cases
from ...core.models import Instance, User
from ...core.registry import REGISTRY
from ...errors import Conflict, Forbidden, Refusal
from ..talents import database as talent_database
from ..talents.models import Talent, TalentPlan
from . import rules

PROCESS_ID = "cultivation_plan"
REVISE_ROLES = ("hr_reviewer", "admin")


def _seed(talent: Talent) -> dict:
    return {"talent_id": talent.id, "talent_name": talent.name,
            "talent_category": talent.talent_category}


def start_for(platform, session: Session, talent: Talent) -> Instance:
    user = session.get(User, talent.user_id)
    return cases.start(platform, session, user, PROCESS_ID, {}, seed_data=_seed(talent),
                       by_system=True)


def start_at_registration(ctx, talent: Talent) -> None:
    """talents.database.after_register: every registration starts the talent's plan case."""
    if ctx.platform is None:  # an operation called outside a case action (never in the service)
        return
    start_for(ctx.platform, ctx.session, talent)


talent_database.after_register.append(start_at_registration)


def running_case(session: Session, talent: Talent) -> Instance | None:
    for instance in session.scalars(select(Instance).where(
            Instance.process_id == PROCESS_ID, Instance.starter_id == talent.user_id,
            Instance.status == "running").order_by(Instance.id)):
        if (instance.data or {}).get("talent_id") == talent.id:
            return instance
    return None


def plan_cases(session: Session, talent: Talent) -> list[Instance]:
    return [i for i in session.scalars(select(Instance).where(
        Instance.process_id == PROCESS_ID, Instance.starter_id == talent.user_id)
        .order_by(Instance.id)) if (i.data or {}).get("talent_id") == talent.id]


def revise(platform, session: Session, user: User, talent_id: int) -> Instance:
    """Start a revision of the plan (the same flow). The talent's unit reviewers or HR ask for
    it; one plan case at a time per talent."""
    talent = rules.get_talent_for(session, user, talent_id)
    if not (rules.is_unit_reviewer_of(user, talent) or user.has_role(*REVISE_ROLES)):
        raise Forbidden("只有所在单位或区人社局可以修订培养计划 / not allowed")
    if talent.status != "active":
        raise Conflict("人才不在培养期内，不能修订培养计划 / the talent is not active")
    running = running_case(session, talent)
    if running is not None:
        raise Conflict("该人才已有进行中的培养计划案件 / a plan case is already running",
                       {"instance_id": [str(running.id)]})
    return start_for(platform, session, talent)


def plan_case_notes(session: Session, instance: Instance) -> list[str]:
    """The unit drafting and HR reviewing a plan see whose plan it is and where the talent stands."""
    if instance.process_id != PROCESS_ID:
        return []
    talent = session.get(Talent, int((instance.data or {}).get("talent_id") or 0))
    if talent is None:
        return []
    trainings = rules.trainings_of(session, talent.id)
    return [gettext("培养对象：%(name)s；培养期 %(start)s 至 %(end)s；本培养期已培训 %(days)s 天。",
                    name=talent.name, start=talent.registered_on, end=talent.period_ends_on,
                    days=rules.training_days(talent, trainings))]


REGISTRY.case_notes.append(plan_case_notes)


@REGISTRY.operation(label=lazy_gettext("保存批准的培养计划"))
def record_plan(ctx, data: dict, params: dict) -> int:
    """The approved plan becomes the talent's next plan version."""
    talent = ctx.session.get(Talent, int(data.get("talent_id") or 0))
    if talent is None or talent.user_id != ctx.starter.id:
        raise Refusal("培养计划对应的人才不存在 / no such talent", {"talent_id": ["人才不存在"]})
    version = (ctx.session.scalar(select(func.max(TalentPlan.version)).where(
        TalentPlan.talent_id == talent.id)) or 0) + 1
    plan = TalentPlan(talent_id=talent.id, version=version, instance_id=ctx.instance.id,
                      direction=data.get("direction") or "", focus=data.get("focus") or "",
                      measures=data.get("measures") or "", approved_on=ctx.today)
    ctx.session.add(plan)
    ctx.session.flush()
    return version
