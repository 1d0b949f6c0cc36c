"""Selection rounds (Art. 7): campaigns and who may apply in them."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import settings
from ...core.models import Campaign, Instance, User
from ...core.settings import month_day
from ...errors import Conflict, Forbidden, Invalid
from .models import SelectionEntry

PROCESS_ID = "talent_selection"

settings.register("round_opening", "03-01", "选拔轮次开放日期（MM-DD）", "month_day")
settings.register("round_window_days", 30, "选拔轮次开放天数", "positive_int")


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


def next_opening_on(platform, session: Session) -> date:
    """The one answer to "when does the next round open?" for the API's 409, the start page and
    anything else: the admin's settings (first year, opening date) as they stand."""
    values = settings.load(session, platform.config)
    return next_opening(session, platform.today(), int(values["first_round_year"]),
                        values["round_opening"])


NO_UNIT = "您未登记所在单位，不能申请人才培养选拔：选拔申请须经所在单位初审，请联系系统管理员登记单位"


def check_can_start_selection(platform, session: Session, user: User) -> Campaign:
    if user.unit_id is None:
        # Nobody could ever review it (finance, leadership and admin accounts have no unit).
        raise Forbidden(f"{NO_UNIT} / a user without a unit cannot apply: the unit reviews first",
                        {"unit_id": [NO_UNIT]})
    today = platform.today()
    campaign = open_campaign(session, today)
    if campaign is None:
        nxt = next_opening_on(platform, session)
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


# Hooks of `talent_selection` (see core/registry.py ProcessHooks).

def before_start(platform, session: Session, user: User, instance: Instance) -> None:
    instance.campaign_id = check_can_start_selection(platform, session, user).id


def after_insert(platform, session: Session, user: User, instance: Instance) -> None:
    # The unique (round, person) key settles two simultaneous starts: the loser gets a 409.
    session.add(SelectionEntry(campaign_id=instance.campaign_id, user_id=user.id,
                               instance_id=instance.id))


def on_end(session: Session, instance: Instance) -> None:
    """A withdrawn or rejected case frees the person to apply again in the same round."""
    if instance.status == "cancelled" or instance.outcome == "rejected":
        for entry in session.scalars(select(SelectionEntry).where(
                SelectionEntry.instance_id == instance.id)):
            session.delete(entry)
