"""The talent database's figures in the summary report (REGISTRY.report_figures)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core.registry import REGISTRY
from .models import Talent

# Talents whose period ends within this many days are checked for their training (CONTRACT.md
# "Talent management": 90 days).
SHORTFALL_WINDOW_DAYS = 90


@REGISTRY.report_figure("talents_by_status")
def talents_by_status(session: Session, as_of: date) -> dict:
    return {status: n for status, n in session.execute(
        select(Talent.status, func.count()).group_by(Talent.status))}


@REGISTRY.report_figure("talents_by_category")
def talents_by_category(session: Session, as_of: date) -> dict:
    return {category: n for category, n in session.execute(
        select(Talent.talent_category, func.count()).group_by(Talent.talent_category))}


@REGISTRY.report_figure("training_shortfalls")
def training_shortfalls(session: Session, as_of: date) -> int:
    """Active talents whose period ends within 90 days of `as_of` with training below the
    requirement. No trainings are recorded yet on this branch, so every such talent is short.
    MERGE NOTE: the cultivation feature (issue 12) records trainings; at merge this figure is
    re-pointed to its own count (which compares training_days with the setting)."""
    return session.scalar(select(func.count()).select_from(Talent).where(
        Talent.status == "active", Talent.period_ends_on >= as_of,
        Talent.period_ends_on <= as_of + timedelta(days=SHORTFALL_WINDOW_DAYS))) or 0
