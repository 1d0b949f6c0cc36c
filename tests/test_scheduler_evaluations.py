"""`annual_evaluation` (Art. 18) across years, and the evaluation flow itself."""
from __future__ import annotations

import re
from datetime import date

import pytest
from scheduler_helpers import add_reward, count_notifications, run, user_id
from sqlalchemy import select

from talentflow.features.evaluations.annual import annual_evaluation
from talentflow.models import HumanTask, Instance, TalentEvaluation


def evaluations(platform):
    with platform.transaction() as session:
        return sorted((i.starter_id, i.data.get("evaluation_year")) for i in session.scalars(
            select(Instance).where(Instance.process_id == "annual_evaluation")))


def test_one_evaluation_per_talent_per_year_while_the_service_period_runs(seeded):
    platform = seeded
    add_reward(platform, "applicant", date(2026, 6, 1), 2)      # service until 2028-06-01
    add_reward(platform, "applicant", date(2026, 9, 1), 5)      # a second reward: still one a year
    add_reward(platform, "applicant2", date(2026, 6, 1), 1, outcome="rejected")
    add_reward(platform, "unit_reviewer", date(2026, 6, 1), 5, reward_type="platform")
    me = user_id(platform, "applicant")

    assert run(platform, annual_evaluation, date(2026, 11, 30))["started"] == []  # 2025's date
    first = run(platform, annual_evaluation, date(2026, 12, 1))
    assert len(first["started"]) == 1 and first["year"] == 2026
    for day in (date(2026, 12, 1), date(2026, 12, 31), date(2027, 11, 30)):
        assert run(platform, annual_evaluation, day)["started"] == [], day
    assert len(run(platform, annual_evaluation, date(2027, 12, 3))["started"]) == 1
    # The 2026 reward ends its service in 2028-06, the second one in 2031: 2028 still counts.
    assert len(run(platform, annual_evaluation, date(2028, 12, 1))["started"]) == 1
    assert evaluations(platform) == [(me, 2026), (me, 2027), (me, 2028)]


def test_none_after_the_service_period_and_earlier_years_are_not_caught_up(seeded):
    platform = seeded
    add_reward(platform, "applicant", date(2026, 6, 1), 2)   # runs on 2026-12-01, 2027-12-01
    add_reward(platform, "applicant2", date(2027, 1, 1), 1)  # runs on 2027-12-01 only
    assert len(run(platform, annual_evaluation, date(2026, 12, 1))["started"]) == 1
    # The scheduler was down all of December 2027: a run in 2028 starts 2028's, not 2027's.
    assert run(platform, annual_evaluation, date(2028, 12, 2))["started"] == []
    assert run(platform, annual_evaluation, date(2029, 12, 1))["started"] == []
    assert evaluations(platform) == [(user_id(platform, "applicant"), 2026)]


def test_the_talent_assesses_then_the_unit_grades_and_the_grade_is_on_record(api, seeded):
    platform = seeded
    add_reward(platform, "applicant", date(2026, 6, 1), 3)
    instance_id = run(platform, annual_evaluation, date(2026, 12, 1))["started"][0]
    case = api.instance(instance_id, "applicant")
    assert case["process_id"] == "annual_evaluation" and case["status"] == "running"
    task = api.task_of(instance_id, "applicant", "self_assessment")
    assert task["due_at"].startswith("2026-12-29")  # 20 working days after 2026-12-01
    assert api.complete(task["id"], {"ability": "能独立承担课题", "performance": "完成教研任务",
                                     "research_plan": "按计划完成"}, "applicant").status_code == 200
    assert not [t for t in api.inbox("unit_reviewer2") if t["instance_id"] == instance_id]
    task = api.task_of(instance_id, "unit_reviewer", "unit_assessment")
    r = api.complete(task["id"], {"grade": "excellent", "comment": "表现突出"}, "unit_reviewer")
    assert r.status_code == 200, r.get_json()
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "evaluated")
    me = user_id(platform, "applicant")
    with platform.transaction() as session:
        row = session.scalars(select(TalentEvaluation)).one()
        assert (row.user_id, row.year, row.grade, row.instance_id) == (me, 2026, "excellent",
                                                                       instance_id)
        assert session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.status == "ready")).first() is None


def test_the_grade_shows_in_the_talent_database(api, seeded):
    """Art. 18 results are visible where HR looks: GET /api/talents and the 信息库 page."""
    from flows import register_talent
    platform = seeded
    register_talent(api)
    add_reward(platform, "applicant", date(2026, 6, 1), 3)
    instance_id = run(platform, annual_evaluation, date(2026, 12, 1))["started"][0]
    task = api.task_of(instance_id, "applicant", "self_assessment")
    api.complete(task["id"], {"ability": "能力", "performance": "绩效", "research_plan": "计划"},
                 "applicant")
    task = api.task_of(instance_id, "unit_reviewer", "unit_assessment")
    api.complete(task["id"], {"grade": "competent", "comment": "称职"}, "unit_reviewer")
    [talent] = api.get("/api/talents", "hr_reviewer").get_json()
    assert [(e["year"], e["grade"]) for e in talent["evaluations"]] == [(2026, "competent")]
    web = api.app.test_client()
    page = web.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    web.post("/login", data={"username": "hr_reviewer", "password": "demo", "csrf_token": token})
    assert "2026：称职" in web.get("/talents").get_data(as_text=True)


def _evaluate(api, platform, instance_id, grade, **unit_part):
    task = api.task_of(instance_id, "applicant", "self_assessment")
    api.complete(task["id"], {"ability": "能力", "performance": "绩效", "research_plan": "计划"},
                 "applicant")
    task = api.task_of(instance_id, "unit_reviewer", "unit_assessment")
    r = api.complete(task["id"], {"grade": grade, "comment": "单位意见", **unit_part}, "unit_reviewer")
    assert r.status_code == 200, r.get_json()


def test_the_units_part_covers_ability_performance_and_the_research_plan(api, seeded):
    from flows import register_talent
    platform = seeded
    register_talent(api)
    add_reward(platform, "applicant", date(2026, 6, 1), 3)
    instance_id = run(platform, annual_evaluation, date(2026, 12, 1))["started"][0]
    form = api.get(f"/api/tasks/{api.task_of(instance_id, 'applicant', 'self_assessment')['id']}",
                   "applicant").get_json()["form"]
    assert {"ability", "performance", "research_plan"} <= set(form["properties"])
    _evaluate(api, platform, instance_id, "competent", unit_ability="业务能力强",
              unit_performance="完成全年教研任务", unit_research_plan="课题按期结题")
    [talent] = api.get("/api/talents", "hr_reviewer").get_json()
    record = api.get(f"/api/talents/{talent['id']}", "hr_reviewer").get_json()
    [evaluation] = record["evaluations"]
    assert (evaluation["year"], evaluation["grade"], evaluation["ability"], evaluation["performance"],
            evaluation["research_plan"]) == (2026, "competent", "业务能力强", "完成全年教研任务", "课题按期结题")


@pytest.mark.parametrize("grade,notified", [("incompetent", 1), ("basically_competent", 0)])
def test_an_incompetent_grade_notifies_org_and_hr(api, seeded, grade, notified):
    platform = seeded
    add_reward(platform, "applicant", date(2026, 6, 1), 3)
    instance_id = run(platform, annual_evaluation, date(2026, 12, 1))["started"][0]
    _evaluate(api, platform, instance_id, grade)
    for user in ("org_reviewer", "hr_reviewer"):
        assert count_notifications(platform, user, "evaluation") == notified, user
    for user in ("leadership", "finance", "unit_reviewer"):
        assert count_notifications(platform, user, "evaluation") == 0, user


def test_rewards_without_service_years_are_evaluated_in_the_selection_service_period(api, seeded):
    from flows import register_talent
    from talentflow.models import Talent
    platform = seeded
    register_talent(api, service_years=3)
    with platform.transaction() as session:
        talent = session.scalars(select(Talent)).one()
        talent.registered_on, talent.period_ends_on = date(2026, 3, 1), date(2028, 3, 1)
    # a project award carries no service years of its own: service until 2031-03-01
    add_reward(platform, "applicant", date(2026, 6, 1), 0, reward_type="project")
    for year in (2026, 2027, 2028, 2029, 2030):
        assert len(run(platform, annual_evaluation, date(year, 12, 1))["started"]) == 1, year
    assert run(platform, annual_evaluation, date(2031, 12, 1))["started"] == []


def test_a_talent_who_left_is_not_evaluated_in_the_selection_service_period(api, seeded):
    from flows import register_talent
    from talentflow.models import Talent
    platform = seeded
    register_talent(api, service_years=3)
    with platform.transaction() as session:
        talent = session.scalars(select(Talent)).one()
        talent.registered_on, talent.period_ends_on = date(2026, 3, 1), date(2028, 3, 1)
        talent.status = "exited"
    add_reward(platform, "applicant", date(2026, 6, 1), 0, reward_type="project")
    assert run(platform, annual_evaluation, date(2026, 12, 1))["started"] == []


def test_a_project_award_alone_without_a_registration_starts_nothing(seeded):
    platform = seeded
    add_reward(platform, "applicant", date(2026, 6, 1), 0, reward_type="project")
    assert run(platform, annual_evaluation, date(2026, 12, 1))["started"] == []


def test_a_talent_who_exited_is_no_longer_evaluated_for_a_reward(api, seeded):
    from flows import register_talent
    platform = seeded
    register_talent(api)
    add_reward(platform, "applicant", date(2026, 6, 1), 5)
    assert len(run(platform, annual_evaluation, date(2026, 12, 1))["started"]) == 1
    [talent] = api.get("/api/talents", "hr_reviewer").get_json()
    r = api.post(f"/api/talents/{talent['id']}/status", {"status": "exited", "reason": "调离本区"},
                 "hr_reviewer")
    assert r.status_code == 200
    assert run(platform, annual_evaluation, date(2027, 12, 1))["started"] == []
