"""GET /api/reports/summary and the /reports page: every figure from cases run through the
API, and who may see them."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update

from flows import (EMPLOYER_REVIEWS, SPECIAL_FUND_REVIEWS, register_talent, reward_to_end,
                   submit_selection)
from talentflow.models import HumanTask, Reward, Talent

SUMMARY = "/api/reports/summary"
KEYS = {"cases_by_process_status", "open_tasks_by_name", "overdue_tasks", "talents_by_status",
        "talents_by_category", "rewards_paid_by_year", "training_shortfalls"}
POSTGRADUATE = {"reward_type": "postgraduate", "degree_level": "master", "has_degree": True,
                "has_diploma": True, "tuition": 10000, "service_years": 5}   # 8000 yuan
DOCTOR = dict(POSTGRADUATE, degree_level="doctor")                           # 11000 yuan


def summary(api, user="admin"):
    r = api.get(SUMMARY, user)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


@pytest.mark.parametrize("user", ["admin", "org_reviewer", "hr_reviewer", "leadership"])
def test_empty_district(api, user):
    body = summary(api, user)
    assert KEYS <= set(body)
    assert body["cases_by_process_status"] == {}
    assert body["open_tasks_by_name"] == {}
    assert body["overdue_tasks"] == 0
    assert body["talents_by_status"] == {} and body["talents_by_category"] == {}
    assert body["rewards_paid_by_year"] == {}
    assert body["training_shortfalls"] == 0


@pytest.mark.parametrize("user", ["applicant", "unit_reviewer", "department_reviewer", "finance",
                                  "employer_finance"])
def test_other_roles_are_refused(api, user):
    r = api.get(SUMMARY, user)
    assert r.status_code == 403
    assert r.get_json()["message"]
    assert api.client.get("/reports").status_code == 401


def test_needs_login(api):
    assert api.client.get(SUMMARY).status_code == 401


def test_cases_and_tasks(api, platform):
    registered = register_talent(api)                      # completed / registered
    running = submit_selection(api, "applicant2")          # at unit_review (盐都机械)
    withdrawn = api.start("reward_application", "applicant").get_json()["id"]
    r = api.post(f"/api/instances/{withdrawn}/withdraw", {"comment": "不申请了"}, "applicant")
    assert r.status_code == 200, r.get_json()
    rejected = submit_selection(api, "unit_reviewer2", name="赵强")
    # unit_reviewer2 started it: the colleague of another unit cannot review, so create one
    colleague = api.create_user("unit_reviewer2b", ["unit_reviewer"],
                                unit_id=api.me("unit_reviewer2")["unit_id"])
    assert colleague
    api.review(rejected, "unit_reviewer2b", "unit_review", "reject", "材料不全")

    body = summary(api)
    assert body["cases_by_process_status"] == {
        "talent_selection": {"completed": 2, "running": 1},
        "reward_application": {"cancelled": 1},
        "cultivation_plan": {"running": 1},   # started for the registered talent
    }
    assert body["open_tasks_by_name"] == {"unit_review": 1, "draft_plan": 1}
    assert body["overdue_tasks"] == 0
    assert registered and running

    # The unit review falls due: it counts as overdue from the day after its due date.
    with platform.transaction() as session:
        session.execute(update(HumanTask).where(HumanTask.status == "ready",
                                                HumanTask.name == "unit_review")
                        .values(due_at=datetime.combine(platform.today(), datetime.min.time())
                                - timedelta(days=1)))
    body = summary(api)
    assert body["overdue_tasks"] == 1
    assert body["overdue_tasks_by_unit"] == {str(api.me("applicant2")["unit_id"]): 1}

    with platform.transaction() as session:   # due today: not overdue yet
        session.execute(update(HumanTask).where(HumanTask.status == "ready")
                        .values(due_at=datetime.combine(platform.today(), datetime.min.time())
                                + timedelta(hours=12)))
    assert summary(api)["overdue_tasks"] == 0


def test_talents_and_training_shortfalls(api, platform):
    register_talent(api)
    register_talent(api, applicant="applicant2", unit_reviewer="unit_reviewer2",
                    department_reviewer="department_reviewer2", talent_category="skilled",
                    name="李娟")
    body = summary(api, "hr_reviewer")
    assert body["talents_by_status"] == {"active": 2}
    assert body["talents_by_category"] == {"professional_technical": 1, "skilled": 1}
    assert body["training_shortfalls"] == 0   # both periods end in two years

    today = platform.today()
    with platform.transaction() as session:
        session.execute(update(Talent).where(Talent.name == "张明")
                        .values(period_ends_on=today + timedelta(days=90)))
        session.execute(update(Talent).where(Talent.name == "李娟")
                        .values(period_ends_on=today + timedelta(days=91)))
    assert summary(api)["training_shortfalls"] == 1
    with platform.transaction() as session:   # an ended talent is no shortfall
        session.execute(update(Talent).where(Talent.name == "张明").values(status="ended"))
    body = summary(api)
    assert body["training_shortfalls"] == 0
    assert body["talents_by_status"] == {"active": 1, "ended": 1}


def test_training_shortfalls_count_recorded_training(api, platform):
    """The figure is the cultivation rule: a talent with the required days is no shortfall."""
    register_talent(api)
    today = platform.today()
    with platform.transaction() as session:
        session.execute(update(Talent).values(registered_on=today - timedelta(days=700),
                                              period_ends_on=today + timedelta(days=30)))
        talent_id = session.query(Talent.id).scalar()
    start = today - timedelta(days=100)

    def train(first, days):
        r = api.post(f"/api/talents/{talent_id}/trainings",
                     {"kind": "party_school", "institution": "区委党校",
                      "start_date": first.isoformat(),
                      "end_date": (first + timedelta(days=days - 1)).isoformat()}, "hr_reviewer")
        assert r.status_code == 201, r.get_json()

    train(start, 59)
    assert summary(api)["training_shortfalls"] == 1
    train(start + timedelta(days=58), 2)   # overlaps one day: 60 days in all
    assert summary(api)["training_shortfalls"] == 0


def test_rewards_paid_by_year(api, platform):
    register_talent(api)
    register_talent(api, applicant="applicant2", unit_reviewer="unit_reviewer2",
                    department_reviewer="department_reviewer2")
    reward_to_end(api, "applicant", POSTGRADUATE, SPECIAL_FUND_REVIEWS)       # 8000, special fund
    reward_to_end(api, "applicant2", DOCTOR, EMPLOYER_REVIEWS)               # 11000, employer
    # a running reward is not paid
    running = api.start("reward_application", "applicant").get_json()["id"]
    assert running
    year = str(platform.today().year)
    body = summary(api, "leadership")
    assert body["rewards_paid_by_year"] == {year: 19000}
    assert body["rewards_paid_by_year_route"] == {year: {"special_fund": 8000, "employer": 11000}}
    assert body["cases_by_process_status"]["reward_application"] == {"completed": 2, "running": 1}

    # paid in an earlier year: its own key
    with platform.transaction() as session:
        session.execute(update(Reward).where(Reward.amount == 8000)
                        .values(ended_on=date(platform.today().year - 1, 12, 31)))
    body = summary(api)
    assert body["rewards_paid_by_year"] == {str(platform.today().year - 1): 8000, year: 11000}


def test_reports_page(api, app):
    register_talent(api)
    reward_to_end(api, "applicant", POSTGRADUATE, SPECIAL_FUND_REVIEWS)
    submit_selection(api, "applicant2")
    web = app.test_client()
    r = web.post("/login", data={"username": "leadership", "password": "demo",
                                 "csrf_token": _csrf(web)})
    assert r.status_code in (302, 303)
    page = web.get("/reports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("统计报表", "人才培养对象选拔", "办理中", "单位初审", "专业技术人才", "培养期内",
                 "人才开发专项资金", "8,000", "vendor/echarts/echarts.min.js"):
        assert text in html, text
    assert "cdn" not in html.lower()
    assert 'href="/reports"' in web.get("/").get_data(as_text=True)


@pytest.mark.parametrize("user", ["applicant", "unit_reviewer", "finance"])
def test_reports_page_refused(app, seeded, user):
    web = app.test_client()
    web.post("/login", data={"username": user, "password": "demo", "csrf_token": _csrf(web)})
    assert web.get("/reports").status_code == 403
    assert 'href="/reports"' not in web.get("/").get_data(as_text=True)


def _csrf(web):
    import re
    html = web.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
