"""Annual evaluation (Art. 18): the `annual_evaluation` job starts one case per talent in a
reward's service period; the unit's grade is recorded on the talent's record."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import cases, notifications
from ...core import settings as settings_store
from ...core.dates import add_years
from ...core.jobs import DatedPlatform, done_targets, once
from ...core.models import HumanTask, User
from ...core.registry import REGISTRY
from ...errors import Refusal
from ..rewards.models import Reward
from ..talents.models import Talent, TalentEvaluation

PROCESS_ID = "annual_evaluation"
EVALUATED_REWARD_OUTCOMES = ("paid", "reimbursed")
# Self-assessments due, and an incompetent grade for the district.
EVALUATION = REGISTRY.notification_kind("evaluation", lazy_gettext("考核评价"))

settings_store.register("evaluation_date", "12-01", "年度考核启动日期（MM-DD）", "month_day")


def evaluation_date_for(values: dict, as_of: date) -> date:
    """The latest evaluation date on or before `as_of` (earlier years are never caught up)."""
    this_year = settings_store.month_day(values["evaluation_date"], as_of.year)
    return this_year if as_of >= this_year else settings_store.month_day(
        values["evaluation_date"], as_of.year - 1)


def left_the_programme(session: Session) -> set[int]:
    """Users whose every registration is `exited` (Art. 7): their evaluations stop; a breach of
    a service agreement is followed up by finance (features/cultivation), not by evaluating."""
    statuses: dict[int, set] = {}
    for user_id, status in session.execute(select(Talent.user_id, Talent.status)):
        statuses.setdefault(user_id, set()).add(status)
    return {user_id for user_id, found in statuses.items() if found == {"exited"}}


def selection_service_period_users(session: Session, on: date) -> set[int]:
    """Talents rewarded with rewards that carry no service years of their own (project awards,
    training fees) are evaluated while the service period agreed at selection runs: from
    registration until `service_agreement_years` after the cultivation period ends (培养后继续服务
    最低年限, Art. 5(5)). A talent who left the programme is not evaluated."""
    rewarded = set(session.scalars(select(Reward.user_id).where(
        Reward.outcome.in_(EVALUATED_REWARD_OUTCOMES), Reward.reward_type != "platform",
        Reward.service_years == 0, Reward.ended_on <= on)))
    if not rewarded:
        return set()
    found = set()
    for talent in session.scalars(select(Talent).where(
            Talent.user_id.in_(rewarded), Talent.status != "exited", Talent.registered_on <= on,
            Talent.service_agreement_years > 0)):
        if on < add_years(talent.period_ends_on, talent.service_agreement_years):
            found.add(talent.user_id)
    return found


@REGISTRY.job("0 2 * * *", "年度考核任务")
def annual_evaluation(platform, session: Session, as_of: date) -> dict:
    """Art. 18: one `annual_evaluation` case per talent whose reward service period runs on the
    evaluation date, started with the talent as its starter."""
    values = settings_store.load(session, platform.config)
    on = evaluation_date_for(values, as_of)
    period = str(on.year)
    user_ids = sorted((set(session.scalars(select(Reward.user_id).where(
        Reward.outcome.in_(EVALUATED_REWARD_OUTCOMES), Reward.reward_type != "platform",
        Reward.service_years > 0, Reward.ended_on <= on, Reward.service_ends_on > on)))
        | selection_service_period_users(session, on)) - left_the_programme(session))
    done = done_targets(session, "annual_evaluation", period)
    dated = DatedPlatform(platform, as_of)
    summary = {"year": on.year, "evaluation_date": on.isoformat(), "started": [],
               "skipped": 0, "failed": 0}
    for user_id in user_ids:
        target = f"user:{user_id}"
        if target in done:
            summary["skipped"] += 1
            continue
        user = session.get(User, user_id)
        if user is None or not user.active:
            continue

        def start(user=user):
            instance = cases.start(dated, session, user, PROCESS_ID, {}, seed_data={
                "evaluation_year": on.year, "evaluation_date": on.isoformat()}, by_system=True)
            summary["started"].append(instance.id)
            task = session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.status == "ready")).first()
            if task is not None:
                notifications.notify(
                    session, user, EVALUATION,
                    f"请完成{on.year}年度培养对象考核评价个人自评（能力水平、工作绩效、科研计划完成情况），"
                    f"办理期限 {task.due_at:%Y-%m-%d}。", task_id=task.id,
                    subject=f"【人才培养】{on.year}年度考核评价：请完成个人自评",
                    link=notifications.task_link(values["base_url"], task.id), now=dated.now())

        result = once(session, "annual_evaluation", period, target, start)
        if result != "done":
            summary[result] += 1
    return summary


# The unit's part of Art. 18 has keys of its own in the case data: `ability`, `performance` and
# `research_plan` are the talent's self-assessment, which the unit reads but never overwrites.
UNIT_PART_KEYS = {"ability": "unit_ability", "performance": "unit_performance",
                  "research_plan": "unit_research_plan"}


def unit_part(data: dict) -> dict:
    """The unit's texts, by the record's column. A case still on a version deployed before the
    unit's form had keys of its own holds them under the self-assessment's keys (the unit's
    submit overwrote the talent's text there); read those where the new keys are absent."""
    if any(key in data for key in UNIT_PART_KEYS.values()):
        return {column: data.get(key) for column, key in UNIT_PART_KEYS.items()}
    return {column: data.get(column) for column in UNIT_PART_KEYS}


@REGISTRY.operation(label=lazy_gettext("记录年度考核等次"))
def record_evaluation(ctx, data: dict, params: dict) -> int:
    """Write the unit's grade on the talent's record (one result per talent per year)."""
    year = int(data.get("evaluation_year") or ctx.today.year)
    grade = data.get("grade")
    if grade not in ("excellent", "competent", "basically_competent", "incompetent"):
        raise Refusal("考核等次无效 / invalid grade", {"grade": ["请选择考核评价等次"]})
    talent = ctx.session.scalars(select(Talent).where(Talent.user_id == ctx.starter.id)
                                 .order_by(Talent.registered_on.desc()).limit(1)).first()
    row = ctx.session.scalars(select(TalentEvaluation).where(
        TalentEvaluation.user_id == ctx.starter.id, TalentEvaluation.year == year)).first()
    if row is None:
        row = TalentEvaluation(user_id=ctx.starter.id, year=year, instance_id=ctx.instance.id)
        ctx.session.add(row)
    row.talent_id = talent.id if talent else None
    row.grade, row.comment, row.recorded_on = grade, data.get("comment"), ctx.today
    for column, text in unit_part(data).items():
        setattr(row, column, text)
    ctx.session.flush()
    if grade == "incompetent":
        _notify_incompetent(ctx, talent, year)
    return row.id


def _notify_incompetent(ctx, talent, year: int) -> None:
    """An 不称职 grade is news for the district (Art. 18: follow-up; Art. 7: a failed evaluation
    may end the talent's place in the database)."""
    name = talent.name if talent else (ctx.starter.display_name or ctx.starter.username)
    notified = set()
    for role in ("org_reviewer", "hr_reviewer"):
        for user in notifications.users_with_role(ctx.session, role):
            if user.id in notified or user.id == ctx.starter.id:
                continue
            notified.add(user.id)
            notifications.notify(
                ctx.session, user, EVALUATION,
                f"人才培养对象{name}的{year}年度考核评价等次为“不称职”，请跟踪了解并研究是否调整其培养对象资格（第七条、第十八条）。",
                subject=f"【人才培养】年度考核不称职：{name}", now=ctx.now)
