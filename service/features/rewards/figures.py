"""Rewards paid in the summary report (REGISTRY.report_figures): whole yuan per calendar year
of payment, in total and per route (special fund / employer)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from ...core.registry import REGISTRY
from .models import Reward

# A reward row exists only once a case ended paid (special fund) or reimbursed (employer).
PAID_OUTCOMES = ("paid", "reimbursed")


def _by_year_route(session: Session):
    year = extract("year", Reward.ended_on)
    return session.execute(
        select(year, Reward.payment_route, func.sum(Reward.amount))
        .where(Reward.outcome.in_(PAID_OUTCOMES)).group_by(year, Reward.payment_route))


@REGISTRY.report_figure("rewards_paid_by_year")
def rewards_paid_by_year(session: Session, as_of: date) -> dict:
    totals: dict[str, int] = {}
    for year, _route, amount in _by_year_route(session):
        totals[str(int(year))] = totals.get(str(int(year)), 0) + int(amount or 0)
    return dict(sorted(totals.items()))


@REGISTRY.report_figure("rewards_paid_by_year_route")
def rewards_paid_by_year_route(session: Session, as_of: date) -> dict:
    found: dict[str, dict[str, int]] = {}
    for year, route, amount in _by_year_route(session):
        found.setdefault(str(int(year)), {})[route] = int(amount or 0)
    return dict(sorted(found.items()))
