"""The `biennial_selection` job (Art. 7): rounds open every second year and close on time."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext
from sqlalchemy import extract, select
from sqlalchemy.orm import Session

from ...core import notifications
from ...core import settings as settings_store
from ...core.jobs import once
from ...core.models import Campaign
from ...core.registry import REGISTRY
from . import rounds

ROUND_OPENED = REGISTRY.notification_kind("round_opened", lazy_gettext("选拔通知"))

@REGISTRY.job("0 1 * * *", "选拔轮次任务")
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
        campaign = rounds.create_campaign(session, "selection", opens_on, closes_on)
        summary["opened"] = campaign.id
        message = (f"{year}年度人才培养对象选拔已开放申报（{opens_on:%Y年%m月%d日}至"
                   f"{closes_on:%Y年%m月%d日}），请组织本单位符合条件的人员及时申报。")
        for user in notifications.users_with_role(session, "unit_reviewer"):
            notifications.notify(session, user, ROUND_OPENED, message,
                                 subject=f"【人才培养】{year}年度人才培养对象选拔开始申报",
                                 link=values["base_url"] + "/", now=platform.now())
            summary["notified"] += 1

    summary["result"] = once(session, "biennial_selection", str(year), "round", open_round)
    return summary
