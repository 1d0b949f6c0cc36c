"""The talent database's figures in the summary report (REGISTRY.report_figures)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core.registry import REGISTRY
from .models import Talent

# `training_shortfalls` is the cultivation feature's (it owns trainings and the requirement).


@REGISTRY.report_figure("talents_by_status")
def talents_by_status(session: Session, as_of: date) -> dict:
    return {status: n for status, n in session.execute(
        select(Talent.status, func.count()).group_by(Talent.status))}


@REGISTRY.report_figure("talents_by_category")
def talents_by_category(session: Session, as_of: date) -> dict:
    return {category: n for category, n in session.execute(
        select(Talent.talent_category, func.count()).group_by(Talent.talent_category))}
