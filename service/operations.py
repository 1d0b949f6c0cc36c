"""The registry of server functions a diagram's service tasks may call.

A diagram names an operation (`spiffworkflow:serviceTaskOperator id=...`); only the functions
below exist, so an uploaded diagram can ask the server to do these things and nothing else.
Each takes (ctx, data, params) and returns a JSON-serializable value stored in the task's
result variable."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Refusal
from .models import Instance, Reward, Talent, Unit, User

ART5_CHECKS = ("ethics", "age", "work_years", "qualification", "appraisals", "service_agreement")
ART5_MESSAGES = {
    "ethics": "未承诺具有良好的政治思想素质和职业道德（第五条第一项）",
    "age": "年龄不符合条件：须为45周岁以下（第五条第二项）",
    "work_years": "工作年限不符合条件：须为两年以上（第五条第二项）",
    "qualification": "须具有大学本科及以上学历，或中级及以上专业技术资格，或中级及以上技能等级证书，"
                     "或中级以上农业实用技术职称（第五条第三项）",
    "appraisals": "申请年度前连续两年的年度考核须齐全且无基本称职、不称职等次（第五条第四项）",
    "service_agreement": "须与用人单位就培养后最低服务年限协商一致并签订协议（第五条第五项）",
}
GRADE_RANK = {"excellent": 0, "competent": 1, "basically_competent": 2, "incompetent": 3}
TALENT_REWARD_TYPES = ("postgraduate", "title", "skill", "project", "training_fee")


@dataclass
class ServiceContext:
    session: Session
    instance: Instance
    starter: User
    today: date
    settings: dict
    now: datetime | None = None


def full_years(start: date, on: date) -> int:
    """周岁 / full years completed on `on`."""
    years = on.year - start.year
    if (on.month, on.day) < (start.month, start.day):
        years -= 1
    return years


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def load_starter(ctx: ServiceContext, data: dict, params: dict) -> dict:
    unit = ctx.session.get(Unit, ctx.starter.unit_id) if ctx.starter.unit_id else None
    return {
        "user_id": ctx.starter.id,
        "display_name": ctx.starter.display_name,
        "unit_id": unit.id if unit else None,
        "unit_type": unit.type if unit else None,
        "department_id": unit.department_id if unit else None,
        "has_department": bool(unit and unit.department_id),
    }


def derive_applicant_facts(ctx: ServiceContext, data: dict, params: dict) -> dict:
    birth = date.fromisoformat(data["birth_date"])
    work_start = date.fromisoformat(data["work_start_date"])
    wanted = {ctx.today.year - 1, ctx.today.year - 2}
    grades = {}
    for row in data.get("appraisals") or []:
        if row.get("year") in wanted:
            previous = grades.get(row["year"])
            if previous is None or GRADE_RANK[row["grade"]] > GRADE_RANK[previous]:
                grades[row["year"]] = row["grade"]
    worst = max(grades.values(), key=GRADE_RANK.__getitem__) if grades else None
    return {
        "age": full_years(birth, ctx.today),
        "work_years": full_years(work_start, ctx.today),
        "appraisals_complete": set(grades) == wanted,
        "worst_appraisal": worst,
    }


def assess_eligibility(ctx: ServiceContext, data: dict, params: dict) -> dict:
    failed = set(data.get("failed_checks") or [])
    result = {check: check not in failed for check in ART5_CHECKS}
    result["eligible"] = all(result.values()) and not data.get("shortage_exception")
    return result


def refuse_ineligible(ctx: ServiceContext, data: dict, params: dict) -> None:
    failed = [c for c in ART5_CHECKS if not (data.get("eligibility") or {}).get(c, False)]
    raise Refusal("申请不符合《自流井区人才培养暂行办法》第五条规定的条件 / the application does not "
                  "meet Art. 5", {c: [ART5_MESSAGES[c]] for c in failed})


def active_talent(session: Session, user_id: int, today: date) -> Talent | None:
    return session.scalars(select(Talent).where(
        Talent.user_id == user_id, Talent.status == "active", Talent.registered_on <= today,
        Talent.period_ends_on >= today).limit(1)).first()


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


def register_talent(ctx: ServiceContext, data: dict, params: dict) -> int:
    years = int(ctx.settings.get("CULTIVATION_YEARS", 2))
    talent = Talent(user_id=ctx.starter.id, name=data.get("name") or ctx.starter.display_name,
                    unit_id=ctx.instance.unit_id, talent_category=data.get("talent_category") or "",
                    campaign_id=ctx.instance.campaign_id, instance_id=ctx.instance.id,
                    registered_on=ctx.today, period_ends_on=add_years(ctx.today, years),
                    status="active")
    ctx.session.add(talent)
    ctx.session.flush()
    return talent.id


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


from .operations_timed import record_evaluation, remind_task_holders  # noqa: E402

OPERATIONS = {
    fn.__name__: fn for fn in (
        load_starter, derive_applicant_facts, assess_eligibility, refuse_ineligible,
        check_reward_conditions, compute_reward_amount, register_talent, record_reward,
        record_evaluation, remind_task_holders,
    )
}
