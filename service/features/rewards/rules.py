"""Reward rules (Art. 12–15) the `reward_application` diagram calls as service tasks; the
amounts and the payment route themselves are DMN tables (reward_amounts, payment_route)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from ...core.dates import add_years
from ...core.models import Attachment, Instance
from ...core.operations import ServiceContext
from ...core.registry import REGISTRY
from ...errors import Refusal
from ..talents.database import active_talent
from ..talents.models import TalentTraining
from .models import Reward

TALENT_REWARD_TYPES = ("postgraduate", "title", "skill", "project", "training_fee")
PROCESS_ID = "reward_application"
# Art. 12: the level field of each "higher qualification" reward, and the order of the levels a
# title or skill reward must rise above (the registration form's enums, lowest first).
ART12_LEVEL_FIELD = {"postgraduate": "degree_level", "title": "title_level", "skill": "skill_level"}
TITLE_ORDER = ("none", "junior", "intermediate", "associate_senior", "senior")
SKILL_ORDER = ("none", "junior", "intermediate", "advanced", "technician", "senior_technician")
HELD = ("paid", "reimbursed")


def _other_running_cases(ctx: ServiceContext) -> list[dict]:
    """The data of the starter's other running reward cases (a claim being reviewed counts)."""
    return [i.data or {} for i in ctx.session.scalars(select(Instance).where(
        Instance.process_id == PROCESS_ID, Instance.starter_id == ctx.starter.id,
        Instance.status == "running", Instance.id != ctx.instance.id))]


def _level_of(data: dict) -> str | None:
    field = ART12_LEVEL_FIELD.get(data.get("reward_type"))
    return data.get(field) if field else None


def _check_art12(ctx, data, talent, errors) -> None:
    kind, level = data.get("reward_type"), _level_of(data)
    if level is None:
        return
    held = ctx.session.scalar(select(Reward.id).where(
        Reward.user_id == ctx.starter.id, Reward.reward_type == kind, Reward.level == level,
        Reward.outcome.in_(HELD)).limit(1))
    running = any(d.get("reward_type") == kind and _level_of(d) == level
                  for d in _other_running_cases(ctx))
    if held is not None or running:
        errors["reward_type"] = ["同一奖励（同一类型、同一等级）已申请或已兑现，不能重复申请（第十二条）"]
    if kind == "title" and talent.professional_title in TITLE_ORDER and level in TITLE_ORDER \
            and TITLE_ORDER.index(level) <= TITLE_ORDER.index(talent.professional_title):
        errors["title_level"] = ["须获得高于入库登记时的专业技术职务任职资格（第十二条第二项）"]
    if kind == "skill" and talent.skill_level in SKILL_ORDER and level in SKILL_ORDER \
            and SKILL_ORDER.index(level) <= SKILL_ORDER.index(talent.skill_level):
        errors["skill_level"] = ["须获得高于入库登记时的技能等级资格（第十二条第三项）"]


def _check_training(ctx, data, talent, errors) -> None:
    training_id = data.get("training_id")
    training = ctx.session.get(TalentTraining, training_id) if isinstance(training_id, int) else None
    if training is None or training.talent_id != talent.id:
        errors["training_id"] = ["须选择本人培养期内已登记的培训（第九条、第十五条）"]
        return
    claimed = ctx.session.scalar(select(Reward.id).where(Reward.training_id == training.id).limit(1))
    if claimed is not None or any(d.get("reward_type") == "training_fee"
                                  and d.get("training_id") == training.id
                                  for d in _other_running_cases(ctx)):
        errors["training_id"] = ["该培训的费用已申请报销，每项培训只能报销一次"]


def missing_proof_notes(session, instance) -> list[str]:
    """Art. 15 asks for copies of the proof of the reward: reviewers are told when a submitted
    claim carries none."""
    data = instance.data or {}
    if instance.process_id != PROCESS_ID or data.get("reward_amount") is None:
        return []
    has_any = session.scalar(select(Attachment.id).where(
        Attachment.instance_id == instance.id).limit(1)) is not None
    return [] if has_any else [gettext("申请人尚未上传奖励证明材料的复印件（第十五条），请核实。")]


REGISTRY.case_notes.append(missing_proof_notes)


@REGISTRY.operation(label=lazy_gettext("核查奖励申请条件"))
def check_reward_conditions(ctx: ServiceContext, data: dict, params: dict) -> None:
    errors: dict[str, list[str]] = {}
    kind = data.get("reward_type")
    talent = active_talent(ctx.session, ctx.starter.id, ctx.today) \
        if kind in TALENT_REWARD_TYPES else None
    if kind in TALENT_REWARD_TYPES and talent is None:
        errors["talent"] = ["申请人不是在培养期内的人才培养对象（第十二、十三、十五条）"]
    elif talent is not None:
        _check_art12(ctx, data, talent, errors)
        if kind == "training_fee":
            _check_training(ctx, data, talent, errors)
    if kind == "platform" and not ctx.starter.has_role("unit_reviewer"):
        errors["reward_type"] = ["人才平台建设补助由培养对象所在单位申请（第十四条）"]
    if kind == "project":
        if not data.get("is_project_lead"):
            errors["is_project_lead"] = ["项目奖励只发给项目负责人（第十三条）"]
        if not data.get("completed_on_time"):
            errors["completed_on_time"] = ["项目须按期完成方可奖励（第十三条）"]
    if kind == "postgraduate" and not (data.get("has_degree") or data.get("has_diploma")):
        errors["has_degree"] = ["须获得研究生学历或学位（第十二条第一项）"]
    if errors:
        raise Refusal("该申请不符合奖励条件 / the rules do not reward this application", errors)


def whole_yuan(value) -> int:
    """Round to whole yuan the way money is rounded (四舍五入, half up), free of float error."""
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@REGISTRY.operation(label=lazy_gettext("核定奖励金额"))
def compute_reward_amount(ctx: ServiceContext, data: dict, params: dict) -> int:
    min_years = int(data.get("min_service_years") or 0)
    if min_years and int(data.get("service_years") or 0) < min_years:
        raise Refusal("服务协议年限不足 / service agreement too short", {
            "service_years": [f"须与用人单位签订不低于{min_years}年的服务协议（第十二条）"]})
    if data.get("reward_type") == "training_fee":
        amount = whole_yuan(data.get("claimed_amount") or 0)
    else:
        tuition = Decimal(str(data.get("tuition") or 0))
        share = whole_yuan(tuition * Decimal(str(data.get("tuition_ratio") or 0)))
        amount = share + int(data.get("fixed_amount") or 0)
    if amount <= 0:
        raise Refusal("申请金额为零 / nothing to pay", {"reward_type": ["按规定该申请无可支付金额"]})
    return int(amount)


@REGISTRY.operation(label=lazy_gettext("登记奖励并起算服务期"))
def record_reward(ctx: ServiceContext, data: dict, params: dict) -> int:
    route = data.get("payment_route") or "employer"
    years = int(data.get("service_years") or 0)
    reward = Reward(instance_id=ctx.instance.id, user_id=ctx.starter.id, unit_id=ctx.instance.unit_id,
                    reward_type=data.get("reward_type") or "", amount=int(data.get("reward_amount") or 0),
                    payment_route=route, outcome="paid" if route == "special_fund" else "reimbursed",
                    service_years=years, ended_on=ctx.today,
                    service_ends_on=add_years(ctx.today, years), level=_level_of(data),
                    training_id=data.get("training_id") if data.get("reward_type") == "training_fee"
                    else None)
    ctx.session.add(reward)
    ctx.session.flush()
    return reward.id
