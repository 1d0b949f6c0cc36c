"""`biennial_selection` (Art. 7) run as of dates across several years."""
from __future__ import annotations

from datetime import date

import pytest
from scheduler_helpers import count_notifications, run
from sqlalchemy import select

from talentflow.features.selection.jobs import biennial_selection
from talentflow import demo
from talentflow.features.selection import rounds as selection
from talentflow.core import settings as settings_store
from talentflow.models import Campaign, EmailOutbox


@pytest.fixture
def district(platform):
    """The demo district without its open round (the job is to open rounds)."""
    with platform.transaction() as session:
        demo.seed(session, date(2025, 6, 1))  # its round lies in 2025, a year with no due round
    return platform


def rounds(platform):
    with platform.transaction() as session:
        return [(c.opens_on, c.closes_on, c.closed) for c in
                session.scalars(select(Campaign).order_by(Campaign.opens_on))]


def test_rounds_open_once_every_second_year_and_close_after_their_window(district):
    platform = district
    assert run(platform, biennial_selection, date(2025, 12, 31))["closed"]  # the 2025 round ends
    assert run(platform, biennial_selection, date(2026, 2, 28))["opened"] is None  # before Mar 1
    opened = run(platform, biennial_selection, date(2026, 3, 1))
    assert opened["opened"] and opened["notified"] == 2, opened
    for day in (date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 30)):  # reruns: nothing new
        assert run(platform, biennial_selection, day)["opened"] is None
    assert rounds(platform)[1:] == [(date(2026, 3, 1), date(2026, 3, 30), False)]
    assert run(platform, biennial_selection, date(2026, 3, 31))["closed"] == [opened["opened"]]
    for day in (date(2026, 10, 8), date(2027, 3, 1), date(2027, 6, 1), date(2028, 2, 29)):
        assert run(platform, biennial_selection, day)["opened"] is None, day  # odd year / early
    assert run(platform, biennial_selection, date(2028, 3, 1))["opened"]
    assert run(platform, biennial_selection, date(2028, 3, 1))["opened"] is None
    assert [r[:2] for r in rounds(platform)[1:]] == [
        (date(2026, 3, 1), date(2026, 3, 30)), (date(2028, 3, 1), date(2028, 3, 30))]
    # Every unit reviewer was told of each round once, in the app and by email.
    assert count_notifications(platform, "unit_reviewer", "round_opened") == 2
    assert count_notifications(platform, "unit_reviewer2", "round_opened") == 2
    assert count_notifications(platform, "applicant", "round_opened") == 0
    with platform.transaction() as session:
        assert len(list(session.scalars(select(EmailOutbox)))) == 4


def test_a_run_never_opens_a_round_for_an_earlier_year(district):
    platform = district
    assert run(platform, biennial_selection, date(2027, 1, 5))["opened"] is None
    assert run(platform, biennial_selection, date(2029, 12, 31))["opened"] is None
    assert all(opens.year == 2025 for opens, _, _ in rounds(platform))


def test_a_round_created_by_an_admin_counts(district):
    platform = district
    with platform.transaction() as session:
        selection.create_campaign(session, "selection", date(2026, 4, 10), date(2026, 5, 10))
    summary = run(platform, biennial_selection, date(2026, 3, 2))
    assert summary["opened"] is None and summary["reason"] == "round_exists"
    assert count_notifications(platform, kind="round_opened") == 0


def test_a_late_run_gives_the_round_its_full_window(district):
    platform = district
    summary = run(platform, biennial_selection, date(2026, 6, 1))  # the scheduler was down
    assert summary["opened"]
    assert rounds(platform)[-1] == (date(2026, 6, 1), date(2026, 6, 30), False)


def test_first_year_opening_date_and_window_are_settings(district):
    platform = district
    with platform.transaction() as session:
        settings_store.put(session, "first_round_year", "2027")
        settings_store.put(session, "round_opening", "04-15")
        settings_store.put(session, "round_window_days", "10")
    assert run(platform, biennial_selection, date(2026, 5, 1))["opened"] is None
    assert run(platform, biennial_selection, date(2027, 4, 14))["opened"] is None
    assert run(platform, biennial_selection, date(2027, 4, 15))["opened"]
    assert rounds(platform)[-1] == (date(2027, 4, 15), date(2027, 4, 24), False)
    assert run(platform, biennial_selection, date(2028, 4, 15))["opened"] is None
    assert run(platform, biennial_selection, date(2029, 4, 15))["opened"]
