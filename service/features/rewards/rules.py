"""Reward rules (Art. 12–15) the `reward_application` diagram calls as service tasks; the
amounts and the payment route themselves are DMN tables (reward_amounts, payment_route)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ...core.dates import add_years
from ...core.operations import ServiceContext
from ...core.registry import REGISTRY
from ...errors import Refusal
from ..talents.database import active_talent
from .models import Reward

TALENT_REWARD_TYPES = ("postgraduate", "title", "skill", "project", "training_fee")


@REGISTRY.operation
def check_reward_conditions(ctx: ServiceContext, data: dict, params: dict) -> None:
    errors: dict[str, list[str]] = {}
    kind = data.get("reward_type")
    if kind in TALENT_REWARD_TYPES and active_talent(ctx.session, ctx.starter.id, ctx.today) is None:
        errors["talent"] = ["申请人不是在培养期内的人才培养对象（第十二、十三、十五条）"]
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


@REGISTRY.operation
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


@REGISTRY.operation
def record_reward(ctx: ServiceContext, data: dict, params: dict) -> int:
    route = data.get("payment_route") or "employer"
    years = int(data.get("service_years") or 0)
    reward = Reward(instance_id=ctx.instance.id, user_id=ctx.starter.id, unit_id=ctx.instance.unit_id,
                    reward_type=data.get("reward_type") or "", amount=int(data.get("reward_amount") or 0),
                    payment_route=route, outcome="paid" if route == "special_fund" else "reimbursed",
                    service_years=years, ended_on=ctx.today,
                    service_ends_on=add_years(ctx.today, years))
    ctx.session.add(reward)
    ctx.session.flush()
    return reward.id
