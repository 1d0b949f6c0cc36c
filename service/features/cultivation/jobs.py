"""The `cultivation_progress` job (daily): ends the periods that are over (Art. 6–7) and warns
when a period ends soon with training short of the Art. 9 requirement — once per talent per
period, however often it runs."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import notifications
from ...core.jobs import DatedPlatform, done_targets, once
from ...core.registry import REGISTRY
from ..talents.models import Talent
from . import rules

JOB = "cultivation_progress"
# The notice's kind, also the job_run key of the once-per-period warning.
WARNING = REGISTRY.notification_kind("training_shortfall", lazy_gettext("培训不足"))


@REGISTRY.job("30 1 * * *", "培养期管理（期满、培训时间不足提醒）")
def cultivation_progress(platform, session: Session, as_of: date) -> dict:
    dated = DatedPlatform(platform, as_of)
    now = dated.now()
    summary = {"ended": [], "warned": [], "skipped": 0, "failed": 0}
    # 1. Periods over: an active talent whose period ended before `as_of` is 已期满. Exited and
    # suspended talents keep their status.
    for talent in session.scalars(select(Talent).where(
            Talent.status == "active", Talent.period_ends_on < as_of).order_by(Talent.id)):
        rules.set_status(session, talent, "ended", f"培养期于 {talent.period_ends_on} 期满", None, now)
        summary["ended"].append(talent.id)
    session.flush()
    # 2. Warnings: once per talent per period (the period is named by its end date).
    settings = rules.values(session)
    required = int(settings["training_required_days"])
    hr_users = notifications.users_with_role(session, "hr_reviewer")
    done = done_targets(session, WARNING, "all")
    for talent, days in rules.shortfall_candidates(session, as_of, settings):
        target = f"talent:{talent.id}:{talent.period_ends_on.isoformat()}"
        if target in done:
            summary["skipped"] += 1
            continue

        def warn(talent=talent, days=days):
            recipients = {}
            for user in [talent_user(session, talent), *rules.unit_reviewers(session, talent.unit_id),
                         *hr_users]:
                if user is not None and user.active:
                    recipients.setdefault(user.id, user)
            message = (f"人才培养对象{talent.name}的培养期将于 {talent.period_ends_on} 结束，本培养期内培训时间"
                       f"为 {days} 天，少于规定的 {required} 天（第九条：一个培养期内参加培训的时间不少于2个月），"
                       f"请尽快安排培训。")
            for user in recipients.values():
                notifications.notify(session, user, WARNING, message,
                                     subject=f"【人才培养】培训时间不足：{talent.name}", now=now,
                                     link=rules.talent_link(settings, talent.id))
            summary["warned"].append(talent.id)

        result = once(session, WARNING, "all", target, warn)
        if result not in ("done",):
            summary[result] = summary.get(result, 0) + 1
    return summary


def talent_user(session, talent):
    from ...core.models import User
    return session.get(User, talent.user_id)
