"""Selection rounds (Art. 7): campaigns and who may apply in them."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import settings
from .errors import Conflict, Invalid
from .models import Campaign, Instance, SelectionEntry, User
from .settings import month_day


def list_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.opens_on)))


def create_campaign(session: Session, kind: str, opens_on: date, closes_on: date) -> Campaign:
    if kind != "selection":
        raise Invalid("只支持选拔轮次 / only selection rounds", {"kind": ["必须是 selection"]})
    if closes_on < opens_on:
        raise Invalid("截止日期早于开始日期 / closes before it opens", {"closes_on": ["截止日期不能早于开始日期"]})
    campaign = Campaign(kind=kind, opens_on=opens_on, closes_on=closes_on)
    session.add(campaign)
    session.flush()
    return campaign


def open_campaign(session: Session, today: date) -> Campaign | None:
    return session.scalars(select(Campaign).where(
        Campaign.kind == "selection", Campaign.closed.is_(False), Campaign.opens_on <= today,
        Campaign.closes_on >= today).order_by(Campaign.opens_on.desc()).limit(1)).first()


def next_opening(session: Session, today: date, first_round_year: int,
                 opening_md: str = "03-01") -> date:
    """When the next round opens: a scheduled one, or the opening date of the next due year."""
    scheduled = session.scalar(select(Campaign.opens_on).where(
        Campaign.kind == "selection", Campaign.opens_on > today).order_by(Campaign.opens_on).limit(1))
    if scheduled:
        return scheduled
    year = max(today.year, first_round_year)
    if (year - first_round_year) % 2:
        year += 1
    opening = month_day(opening_md, year)
    if opening <= today:  # this due year's date has passed: the round after next
        opening = month_day(opening_md, year + 2)
    return opening


def check_can_start_selection(platform, session: Session, user: User) -> Campaign:
    today = platform.today()
    campaign = open_campaign(session, today)
    if campaign is None:
        values = settings.load(session, platform.config)
        nxt = next_opening(session, today, int(values["first_round_year"]), values["round_opening"])
        raise Conflict(f"当前没有开放的选拔轮次，下一轮将于 {nxt.isoformat()} 开放 / no selection round "
                       f"is open; the next opens on {nxt.isoformat()}",
                       {"next_opens_on": [nxt.isoformat()]})
    existing = session.scalars(select(Instance).join(
        SelectionEntry, SelectionEntry.instance_id == Instance.id).where(
        SelectionEntry.campaign_id == campaign.id, SelectionEntry.user_id == user.id)).first()
    if existing is not None:
        raise Conflict("本轮已提交过选拔申请 / you already have a selection case in this round",
                       {"instance_id": [str(existing.id)]})
    return campaign
