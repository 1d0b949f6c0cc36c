"""The four scheduled jobs, as plain functions of (platform, session, as_of) -> summary.

The runner (and `talentflow jobs run`, and the tests) call exactly these. Each unit of work is
keyed in `job_runs` (see common.once), so running a job again, catching up, or a second
process never repeats it. Mail is only queued here; the runner sends it after the commit."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import extract, select
from sqlalchemy.orm import Session

from service import cases, notifications, selection
from service import settings as settings_store
from service.models import Campaign, HumanTask, Instance, Reward, User

from .common import DatedPlatform, done_targets, log, once, once_many

EVALUATED_REWARD_OUTCOMES = ("paid", "reimbursed")


def biennial_selection(platform, session: Session, as_of: date) -> dict:
    """Art. 7: close rounds whose window ended; in a due year, from the opening date on, open
    that year's round (unless one already opens in that year) and tell every unit reviewer."""
    values = settings_store.load(session, platform.config)
    summary = {"closed": [], "opened": None, "notified": 0}
    for campaign in session.scalars(select(Campaign).where(
            Campaign.kind == "selection", Campaign.closed.is_(False), Campaign.closes_on < as_of)):
        campaign.closed = True
        summary["closed"].append(campaign.id)
    year, first = as_of.year, int(values["first_round_year"])
    opening = settings_store.month_day(values["round_opening"], year)
    if year < first or (year - first) % 2 or as_of < opening:
        summary["reason"] = "not_due"
        return summary
    existing = session.scalars(select(Campaign.id).where(
        Campaign.kind == "selection", extract("year", Campaign.opens_on) == year)).first()
    if existing is not None:
        summary["reason"], summary["existing"] = "round_exists", existing
        return summary
    window = int(values["round_window_days"])
    opens_on, closes_on = opening, opening + timedelta(days=window - 1)
    if as_of > closes_on:  # caught up late (downtime): give applicants the full window from today
        opens_on, closes_on = as_of, as_of + timedelta(days=window - 1)

    def open_round():
        campaign = selection.create_campaign(session, "selection", opens_on, closes_on)
        summary["opened"] = campaign.id
        message = (f"{year}年度人才培养对象选拔已开放申报（{opens_on:%Y年%m月%d日}至"
                   f"{closes_on:%Y年%m月%d日}），请组织本单位符合条件的人员及时申报。")
        for user in notifications.users_with_role(session, "unit_reviewer"):
            notifications.notify(session, user, "round_opened", message,
                                 subject=f"【人才培养】{year}年度人才培养对象选拔开始申报",
                                 link=values["base_url"] + "/", now=platform.now())
            summary["notified"] += 1

    summary["result"] = once(session, "biennial_selection", str(year), "round", open_round)
    return summary


def evaluation_date_for(values: dict, as_of: date) -> date:
    """The latest evaluation date on or before `as_of` (earlier years are never caught up)."""
    this_year = settings_store.month_day(values["evaluation_date"], as_of.year)
    return this_year if as_of >= this_year else settings_store.month_day(
        values["evaluation_date"], as_of.year - 1)


def annual_evaluation(platform, session: Session, as_of: date) -> dict:
    """Art. 18: one `annual_evaluation` case per talent whose reward service period runs on the
    evaluation date, started with the talent as its starter."""
    values = settings_store.load(session, platform.config)
    on = evaluation_date_for(values, as_of)
    period = str(on.year)
    user_ids = sorted(set(session.scalars(select(Reward.user_id).where(
        Reward.outcome.in_(EVALUATED_REWARD_OUTCOMES), Reward.reward_type != "platform",
        Reward.ended_on <= on, Reward.service_ends_on > on))))
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
            instance = cases.start(dated, session, user, "annual_evaluation", {}, seed_data={
                "evaluation_year": on.year, "evaluation_date": on.isoformat()})
            summary["started"].append(instance.id)
            task = session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.status == "ready")).first()
            if task is not None:
                notifications.notify(
                    session, user, "evaluation",
                    f"请完成{on.year}年度培养对象考核评价个人自评（能力水平、工作绩效、科研计划完成情况），"
                    f"办理期限 {task.due_at:%Y-%m-%d}。", task_id=task.id,
                    subject=f"【人才培养】{on.year}年度考核评价：请完成个人自评",
                    link=notifications.task_link(values["base_url"], task.id), now=dated.now())

        result = once(session, "annual_evaluation", period, target, start)
        if result != "done":
            summary[result] += 1
    return summary


def task_reminders(platform, session: Session, as_of: date) -> dict:
    """Remind the holder (or the role's users in scope) of every task past its due date, once
    per task per day; from `reminder_escalation_days` working days overdue, also the
    supervising role in the same scope."""
    values = settings_store.load(session, platform.config)
    calendar = platform.calendar
    period = as_of.isoformat()
    summary = {"date": period, "tasks": 0, "notified": 0, "escalated": 0, "skipped": 0}
    if values["reminder_workdays_only"] and not calendar.is_workday(as_of):
        summary["reason"] = "not_a_workday"
        return summary
    cutoff = datetime.combine(as_of, time.min)  # overdue: its last day ended before today
    done = done_targets(session, "task_reminders", period)
    overdue = [t for t in session.scalars(select(HumanTask).where(
        HumanTask.due_at < cutoff, HumanTask.status == "ready").order_by(HumanTask.due_at))
        if f"task:{t.id}" not in done]
    summary["skipped"] = len(done)
    escalate_after = int(values["reminder_escalation_days"])
    supervisors = values["escalation_roles"] or {}
    users_by_role: dict[str, list[User]] = {}
    now = DatedPlatform(platform, as_of).now()

    def remind(task: HumanTask) -> None:
        late = max(calendar.workdays_between(task.due_at.date(), as_of), 0)
        link = notifications.task_link(values["base_url"], task.id)
        what = f"“{task.applicant_name or '申请人'}”的“{task.title}”"
        told = set()
        for user in notifications.task_recipients(session, task, users_by_role=users_by_role):
            notifications.notify(
                session, user, "reminder",
                f"待办超期提醒：{what}已于 {task.due_at:%Y-%m-%d} 到期（超期 {late} 个工作日），请尽快办理。",
                task_id=task.id, subject=f"【人才培养】待办超期提醒：{task.title}", link=link, now=now)
            told.add(user.id)
            summary["notified"] += 1
        role = supervisors.get(task.role or "applicant")
        if escalate_after and late >= escalate_after and role:
            if role == "department_reviewer" and task.department_id is None:
                role = "org_reviewer"  # a unit without a department answers to the district
            for user in notifications.task_recipients(session, task, role=role,
                                                      users_by_role=users_by_role):
                if user.id in told:
                    continue
                notifications.notify(
                    session, user, "reminder",
                    f"督办提醒：{what}已超期 {late} 个工作日仍未办理，请督促办理。",
                    task_id=task.id, subject=f"【人才培养】督办提醒：{task.title}", link=link, now=now)
                summary["escalated"] += 1

    counts = once_many(session, "task_reminders", period, overdue, lambda t: f"task:{t.id}", remind)
    summary["tasks"] = counts["done"]
    summary["skipped"] += counts["skipped"]
    summary["failed"] = counts["failed"]
    return summary


def timer_events(platform, session: Session, as_of: date, batch: int = 1000) -> dict:
    """Fire the BPMN timers that are due: only instances whose indexed `next_timer_at` has
    passed are loaded; each goes through cases.fire_timers (the user-action code path)."""
    dated = DatedPlatform(platform, as_of)
    now = dated.now()
    summary = {"now": now.isoformat(sep=" "), "fired": 0, "not_due": 0, "failed": 0}
    while True:
        due = session.execute(select(Instance.id, Instance.next_timer_at).where(
            Instance.next_timer_at <= now, Instance.status == "running")
            .order_by(Instance.next_timer_at, Instance.id).limit(batch)).all()
        progressed = False
        for instance_id, timer_at in due:
            result = once(session, "timer_events", timer_at.isoformat(sep=" "),
                          f"instance:{instance_id}",
                          lambda i=instance_id: cases.fire_timers(dated, session, i))
            if result == "done":
                summary["fired"] += 1
                progressed = True
            elif result == "failed":
                summary["failed"] += 1
            else:  # not due after all under the row lock (another process fired it)
                summary["not_due"] += 1
            # Commit case by case: each fired case holds its row lock until commit, and an
            # official approving that case meanwhile should wait milliseconds, not the batch.
            session.commit()
        if len(due) < batch or not progressed:
            return summary


JOBS = {fn.__name__: fn for fn in (biennial_selection, annual_evaluation, task_reminders,
                                   timer_events)}
__all__ = ["JOBS", "log", *JOBS]
