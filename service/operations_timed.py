"""Service-task operations of the scheduled flows: annual evaluation results (Art. 18) and the
reminder a BPMN timer sends. Registered in service/operations.py's OPERATIONS."""
from __future__ import annotations

from sqlalchemy import select

from . import notifications
from . import settings as settings_store
from .errors import Refusal
from .models import HumanTask, Talent, TalentEvaluation


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
    ctx.session.flush()
    return row.id


def remind_task_holders(ctx, data: dict, params: dict) -> int:
    """Notify whoever may work the case's open task `task` (a BPMN id; e.g. a boundary timer on
    a slow review): the holder, or the role's users in scope. Returns how many were told."""
    name = params.get("task")
    tasks = list(ctx.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == ctx.instance.id, HumanTask.status == "ready",
        HumanTask.name == name)))
    base_url = settings_store.get(ctx.session, ctx.settings, "base_url")
    told = 0
    for task in tasks:
        message = (f"“{task.applicant_name or '申请人'}”的“{task.title}”已等待较长时间，"
                   f"请尽快办理。")
        for user in notifications.task_recipients(ctx.session, task):
            notifications.notify(ctx.session, user, "reminder", message, task_id=task.id,
                                 subject=f"【人才培养】待办提醒：{task.title}",
                                 link=notifications.task_link(base_url, task.id), now=ctx.now)
            told += 1
    return told
