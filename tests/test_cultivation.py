"""Talent management and cultivation (Art. 7–11, 16–19) through the HTTP API: the talent's
record and who may see it, trainings (days, overlaps, the period), practice, mentors, status
changes, the cultivation plan flow, the `cultivation_progress` job and service breaches."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from scheduler_helpers import add_reward, count_notifications, run
from sqlalchemy import func, select

from flows import register_talent
from talentflow.features.cultivation import training_shortfalls
from talentflow.features.cultivation.jobs import cultivation_progress
from talentflow.models import (EmailOutbox, Instance, Talent, TalentMentor, TalentPractice,
                               TalentStatusChange, TalentTraining)

PLAN = {"direction": "盐化工工艺研究", "focus": "卤水提纯新工艺", "measures": "党校培训两个月；上挂市经信局半年"}


def talent_id(platform, username="applicant"):
    with platform.sessions() as session:
        from talentflow.models import User
        return session.scalars(select(Talent.id).join(User, User.id == Talent.user_id)
                               .where(User.username == username)).one()


def registered(api, platform, **overrides):
    register_talent(api, **overrides)
    return talent_id(platform, overrides.get("applicant", "applicant"))


def set_period(platform, tid, registered_on: date, ends_on: date):
    with platform.transaction() as session:
        talent = session.get(Talent, tid)
        talent.registered_on, talent.period_ends_on = registered_on, ends_on


def record(api, tid, as_user="applicant"):
    r = api.get(f"/api/talents/{tid}", as_user)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def training(start, end, kind="party_school", institution="中共自贡市委党校"):
    return {"kind": kind, "institution": institution, "start_date": start.isoformat(),
            "end_date": end.isoformat()}


def add_training(api, tid, start, end, as_user="hr_reviewer"):
    r = api.post(f"/api/talents/{tid}/trainings", training(start, end), as_user)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def count(platform, model):
    with platform.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


# --------------------------------------------------------------------------------------
# Registration and the record
# --------------------------------------------------------------------------------------
def test_registration_keeps_the_service_agreement_and_the_record_has_every_field(api, platform):
    tid = registered(api, platform, service_years=7)
    body = record(api, tid)
    for key in ("id", "username", "name", "unit_id", "talent_category", "campaign_id",
                "registered_on", "period_ends_on", "status", "service_agreement_years", "plan",
                "trainings", "practice", "mentors", "training_days", "training_required_days",
                "evaluations", "rewards", "status_history", "service_breaches"):
        assert key in body, key
    assert body["username"] == "applicant" and body["name"] == "张明"
    assert body["service_agreement_years"] == 7
    assert body["status"] == "active" and body["plan"] is None
    assert (body["training_days"], body["training_required_days"]) == (0, 60)
    assert body["trainings"] == body["practice"] == body["mentors"] == []
    assert body["status_history"] == [] and body["service_breaches"] == []
    assert date.fromisoformat(body["registered_on"]) == platform.today()


@pytest.mark.parametrize("user,visible", [
    ("applicant", True), ("unit_reviewer", True), ("department_reviewer", True),
    ("org_reviewer", True), ("hr_reviewer", True), ("leadership", True), ("admin", True),
    ("applicant2", False), ("unit_reviewer2", False), ("department_reviewer2", False),
    ("finance", False), ("employer_finance", False),
])
def test_who_sees_a_talents_record(api, platform, user, visible):
    tid = registered(api, platform)
    r = api.get(f"/api/talents/{tid}", user)
    assert r.status_code == (200 if visible else 404), r.get_json()


def test_unknown_and_out_of_range_ids_are_404(api, platform):
    registered(api, platform)
    for path in ("/api/talents/999", "/api/talents/0", "/api/talents/-1", "/api/talents/99999999999",
                 "/api/talents/abc"):
        assert api.get(path, "hr_reviewer").status_code == 404, path
    assert api.post("/api/talents/999/trainings", training(date.today(), date.today()),
                    "hr_reviewer").status_code == 404


def test_the_setting_changes_the_requirement(api, platform):
    tid = registered(api, platform)
    from talentflow.core import settings
    with platform.transaction() as session:
        settings.put(session, "training_required_days", "75")
    assert record(api, tid)["training_required_days"] == 75


# --------------------------------------------------------------------------------------
# Trainings (Art. 9)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("user", ["applicant", "unit_reviewer", "hr_reviewer"])
def test_trainings_by_the_talent_their_unit_and_hr(api, platform, user):
    tid = registered(api, platform)
    today = platform.today()
    body = add_training(api, tid, today, today + timedelta(days=9), as_user=user)
    assert body["days"] == 10 and isinstance(body["id"], int)
    rec = record(api, tid)
    assert rec["training_days"] == 10
    assert rec["trainings"][0]["institution"] == "中共自贡市委党校"


@pytest.mark.parametrize("user,status", [
    ("org_reviewer", 403), ("leadership", 403), ("department_reviewer", 403), ("admin", 403),
    ("applicant2", 404), ("unit_reviewer2", 404), ("finance", 404),
])
def test_others_may_not_record_trainings_practice_or_mentors(api, platform, user, status):
    tid = registered(api, platform)
    today = platform.today()
    bodies = {"trainings": training(today, today),
              "practice": {"kind": "exchange", "organization": "自贡市经信局", "start_date": today.isoformat(),
                           "end_date": today.isoformat(), "description": "交流"},
              "mentors": {"kind": "mentor", "name": "李教授", "organization": "四川轻化工大学",
                          "start_date": today.isoformat()}}
    for kind, body in bodies.items():
        assert api.post(f"/api/talents/{tid}/{kind}", body, user).status_code == status, kind
    assert count(platform, TalentTraining) == count(platform, TalentPractice) == \
        count(platform, TalentMentor) == 0


@pytest.mark.parametrize("days,short", [(59, True), (60, False), (61, False)])
def test_training_requirement_boundaries(api, platform, days, short):
    tid = registered(api, platform)
    today = platform.today()
    set_period(platform, tid, today - timedelta(days=700), today + timedelta(days=30))
    add_training(api, tid, today - timedelta(days=200), today - timedelta(days=200 - days + 1))
    rec = record(api, tid)
    assert rec["training_days"] == days
    with platform.sessions() as session:
        assert training_shortfalls(session, today) == (1 if short else 0)


def test_overlapping_trainings_count_once(api, platform):
    tid = registered(api, platform)
    today = platform.today()
    a = add_training(api, tid, today, today + timedelta(days=29))             # 30 days
    b = add_training(api, tid, today + timedelta(days=20), today + timedelta(days=39))  # 20, 10 overlap
    c = add_training(api, tid, today + timedelta(days=5), today + timedelta(days=6))    # inside a
    d = add_training(api, tid, today + timedelta(days=39), today + timedelta(days=39))  # one shared day
    assert [a["days"], b["days"], c["days"], d["days"]] == [30, 20, 2, 1]
    assert record(api, tid)["training_days"] == 40


def test_only_days_inside_the_period_count(api, platform):
    tid = registered(api, platform)
    today = platform.today()
    set_period(platform, tid, today, today + timedelta(days=100))
    before = add_training(api, tid, today - timedelta(days=10), today + timedelta(days=4))
    after = add_training(api, tid, today + timedelta(days=96), today + timedelta(days=110))
    assert (before["days"], after["days"]) == (15, 15)
    assert record(api, tid)["training_days"] == 5 + 5


@pytest.mark.parametrize("offsets,key", [
    ((5, 4), "end_date"),          # end before start
    ((-30, -1), "start_date"),     # wholly before the period
    ((800, 810), "start_date"),    # wholly after the period
])
def test_bad_training_dates_are_422_and_nothing_is_saved(api, platform, offsets, key):
    tid = registered(api, platform)
    today = platform.today()
    r = api.post(f"/api/talents/{tid}/trainings",
                 training(today + timedelta(days=offsets[0]), today + timedelta(days=offsets[1])),
                 "hr_reviewer")
    assert r.status_code == 422, r.get_json()
    assert key in r.get_json()["errors"]
    assert count(platform, TalentTraining) == 0


@pytest.mark.parametrize("body,keys", [
    ({}, {"kind", "institution", "start_date", "end_date"}),
    ({"kind": "night_school", "institution": "x", "start_date": "2026-01-01", "end_date": "2026-01-02"},
     {"kind"}),
    ({"kind": "university", "institution": "x" * 201, "start_date": "2026-01-01",
      "end_date": "2026-01-02"}, {"institution"}),
    ({"kind": "university", "institution": "四川大学", "start_date": "2026-13-01",
      "end_date": "2026-01-02"}, {"start_date"}),
    ({"kind": "university", "institution": "四川大学", "start_date": 20260101,
      "end_date": "2026-01-02", "extra": 1}, {"start_date", "extra"}),
])
def test_training_form_errors(api, platform, body, keys):
    tid = registered(api, platform)
    r = api.post(f"/api/talents/{tid}/trainings", body, "hr_reviewer")
    assert r.status_code == 422, r.get_json()
    assert keys <= set(r.get_json()["errors"]), r.get_json()
    assert count(platform, TalentTraining) == 0


# --------------------------------------------------------------------------------------
# Practice (Art. 10) and mentors (Art. 11)
# --------------------------------------------------------------------------------------
def test_practice_and_mentors_are_recorded(api, platform):
    tid = registered(api, platform)
    today = platform.today()
    r = api.post(f"/api/talents/{tid}/practice", {
        "kind": "secondment_up", "organization": "自贡市经济和信息化局", "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=180)).isoformat(), "description": "参与盐化工产业规划"},
        "unit_reviewer")
    assert r.status_code == 201, r.get_json()
    assert set(r.get_json()) == {"id"}
    r = api.post(f"/api/talents/{tid}/mentors", {
        "kind": "expert_workstation", "name": "盐化工专家工作站", "organization": "四川轻化工大学",
        "start_date": today.isoformat()}, "applicant")
    assert r.status_code == 201, r.get_json()
    rec = record(api, tid, "department_reviewer")
    assert rec["practice"][0]["kind"] == "secondment_up"
    assert rec["practice"][0]["description"] == "参与盐化工产业规划"
    assert rec["mentors"][0]["name"] == "盐化工专家工作站"
    kinds = [e["kind"] for e in rec["timeline"]]
    assert "practice" in kinds and "mentor" in kinds


def test_practice_end_before_start_is_422(api, platform):
    tid = registered(api, platform)
    r = api.post(f"/api/talents/{tid}/practice", {
        "kind": "exchange", "organization": "自贡市第一人民医院", "start_date": "2026-05-02",
        "end_date": "2026-05-01", "description": ""}, "hr_reviewer")
    assert r.status_code == 422 and "end_date" in r.get_json()["errors"]
    r = api.post(f"/api/talents/{tid}/mentors", {"kind": "guru", "name": "", "organization": "x"},
                 "hr_reviewer")
    assert r.status_code == 422
    assert {"kind", "name", "start_date"} <= set(r.get_json()["errors"])
    assert count(platform, TalentPractice) == count(platform, TalentMentor) == 0


# --------------------------------------------------------------------------------------
# Status (Art. 7)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("user", ["hr_reviewer", "org_reviewer", "admin"])
def test_status_change_is_kept_in_the_history(api, platform, user):
    tid = registered(api, platform)
    r = api.post(f"/api/talents/{tid}/status", {"status": "suspended", "reason": "借调外省一年"}, user)
    assert r.status_code == 200, r.get_json()
    r = api.post(f"/api/talents/{tid}/status", {"status": "active", "reason": "借调结束"}, user)
    assert r.status_code == 200, r.get_json()
    rec = record(api, tid)
    assert rec["status"] == "active"
    assert [(h["status"], h["reason"], h["by"]) for h in rec["status_history"]] == [
        ("suspended", "借调外省一年", user), ("active", "借调结束", user)]


@pytest.mark.parametrize("user,status", [("applicant", 403), ("unit_reviewer", 403),
                                         ("leadership", 403), ("department_reviewer", 403),
                                         ("finance", 404), ("applicant2", 404)])
def test_status_change_by_others_is_refused(api, platform, user, status):
    tid = registered(api, platform)
    r = api.post(f"/api/talents/{tid}/status", {"status": "exited", "reason": "调离"}, user)
    assert r.status_code == status
    assert record(api, tid)["status"] == "active"


@pytest.mark.parametrize("body,key", [
    ({"status": "exited"}, "reason"),
    ({"status": "exited", "reason": "   "}, "reason"),
    ({"status": "ended", "reason": "手工期满"}, "status"),
    ({"status": "active", "reason": "已是培养期内"}, "status"),
    ({"reason": "没有状态"}, "status"),
])
def test_status_change_errors(api, platform, body, key):
    tid = registered(api, platform)
    r = api.post(f"/api/talents/{tid}/status", body, "hr_reviewer")
    assert r.status_code == 422 and key in r.get_json()["errors"], r.get_json()
    assert count(platform, TalentStatusChange) == 0
    assert record(api, tid)["status"] == "active"


def test_an_ended_period_cannot_be_made_active_again(api, platform):
    tid = registered(api, platform)
    today = platform.today()
    set_period(platform, tid, today - timedelta(days=800), today - timedelta(days=1))
    run(platform, cultivation_progress, today)
    r = api.post(f"/api/talents/{tid}/status", {"status": "active", "reason": "继续培养"}, "hr_reviewer")
    assert r.status_code == 422
    assert record(api, tid)["status"] == "ended"


@pytest.mark.parametrize("status", ["exited", "suspended"])
def test_only_active_talents_claim_talent_rewards(api, platform, status):
    tid = registered(api, platform)
    api.post(f"/api/talents/{tid}/status", {"status": status, "reason": "调离本区"}, "hr_reviewer")
    r = api.start("reward_application", "applicant")
    instance_id = r.get_json()["id"]
    task = api.task_of(instance_id, "applicant", "submit_reward_application")
    r = api.complete(task["id"], {"reward_type": "title", "title_level": "associate_senior",
                                  "service_years": 5}, "applicant")
    assert r.status_code == 422 and set(r.get_json()["errors"]) == {"talent"}


# --------------------------------------------------------------------------------------
# The cultivation plan (Art. 8)
# --------------------------------------------------------------------------------------
def plan_instance(platform, tid):
    with platform.sessions() as session:
        rows = [i for i in session.scalars(select(Instance).where(
            Instance.process_id == "cultivation_plan").order_by(Instance.id))
            if i.data.get("talent_id") == tid]
    return rows[-1].id if rows else None


def test_registration_starts_the_plan_case_for_the_unit(api, platform):
    tid = registered(api, platform)
    instance_id = plan_instance(platform, tid)
    assert instance_id is not None
    case = api.instance(instance_id, "applicant")
    assert case["process_id"] == "cultivation_plan" and case["status"] == "running"
    # draft_plan is the unit's, not the starter's (the talent) nor another unit's
    assert [t["name"] for t in api.inbox("unit_reviewer") if t["instance_id"] == instance_id] == ["draft_plan"]
    assert [t for t in api.inbox("applicant") if t["instance_id"] == instance_id] == []
    assert [t for t in api.inbox("unit_reviewer2") if t["instance_id"] == instance_id] == []
    assert record(api, tid)["plan"] is None


def test_the_plan_process_is_started_only_by_the_service(api):
    assert api.start("cultivation_plan", "applicant").status_code == 403
    assert api.start("cultivation_plan", "hr_reviewer").status_code == 403
    assert api.start("cultivation_plan", "admin").status_code == 403


def draft(api, instance_id, data=None):
    task = api.task_of(instance_id, "unit_reviewer", "draft_plan")
    r = api.complete(task["id"], data or PLAN, "unit_reviewer")
    assert r.status_code == 200, r.get_json()


def test_plan_drafted_returned_and_approved_is_on_the_record(api, platform):
    tid = registered(api, platform)
    instance_id = plan_instance(platform, tid)
    task = api.task_of(instance_id, "unit_reviewer", "draft_plan")
    r = api.complete(task["id"], {"direction": "x"}, "unit_reviewer")
    assert r.status_code == 422 and {"focus", "measures"} <= set(r.get_json()["errors"])
    draft(api, instance_id)
    api.review(instance_id, "hr_reviewer", "plan_review", "return", "培养措施不够具体")
    draft(api, instance_id, dict(PLAN, measures="市委党校培训60天；上挂市经信局6个月；导师：李教授"))
    api.review(instance_id, "hr_reviewer", "plan_review")
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "approved")
    assert [(h["name"], h["decision"]) for h in case["history"]] == [
        ("draft_plan", "submitted"), ("plan_review", "return"), ("draft_plan", "submitted"),
        ("plan_review", "approve")]
    plan = record(api, tid)["plan"]
    assert plan == {"direction": PLAN["direction"], "focus": PLAN["focus"],
                    "measures": "市委党校培训60天；上挂市经信局6个月；导师：李教授",
                    "approved_on": platform.today().isoformat()}


def test_plan_rejected_leaves_no_plan(api, platform):
    tid = registered(api, platform)
    instance_id = plan_instance(platform, tid)
    draft(api, instance_id)
    api.review(instance_id, "hr_reviewer", "plan_review", "reject", "方向与单位岗位不符")
    assert api.instance(instance_id, "applicant")["outcome"] == "rejected"
    assert record(api, tid)["plan"] is None


def test_a_talent_holding_hr_role_never_reviews_their_own_plan(api, platform):
    # The starter of a case never works its reviews, whatever roles they hold.
    unit = api.me("applicant")["unit_id"]
    api.create_user("hr_talent", ["applicant", "hr_reviewer"], unit_id=unit)
    register_talent(api, applicant="hr_talent")
    tid = talent_id(platform, "hr_talent")
    instance_id = plan_instance(platform, tid)
    draft(api, instance_id)
    assert [t for t in api.inbox("hr_talent") if t["instance_id"] == instance_id] == []
    task = api.task_of(instance_id, "hr_reviewer", "plan_review")
    r = api.complete(task["id"], {"decision": "approve", "comment": "同意"}, "hr_talent")
    assert r.status_code == 403


def test_revisions_keep_every_version(api, platform):
    tid = registered(api, platform)
    first = plan_instance(platform, tid)
    draft(api, first)
    api.review(first, "hr_reviewer", "plan_review")
    assert api.post(f"/api/talents/{tid}/plan/revisions", {}, "applicant").status_code == 403
    assert api.post(f"/api/talents/{tid}/plan/revisions", {}, "unit_reviewer2").status_code == 404
    r = api.post(f"/api/talents/{tid}/plan/revisions", {}, "unit_reviewer")
    assert r.status_code == 201, r.get_json()
    second = r.get_json()["id"]
    assert api.post(f"/api/talents/{tid}/plan/revisions", {}, "hr_reviewer").status_code == 409
    draft(api, second, dict(PLAN, focus="卤水提纯与节能"))
    api.review(second, "hr_reviewer", "plan_review")
    rec = record(api, tid)
    assert rec["plan"]["focus"] == "卤水提纯与节能"
    assert [(v["version"], v["focus"]) for v in rec["plan_versions"]] == [
        (1, PLAN["focus"]), (2, "卤水提纯与节能")]


# --------------------------------------------------------------------------------------
# The cultivation_progress job
# --------------------------------------------------------------------------------------
def test_periods_over_end_and_the_run_date_itself_is_still_in_the_period(api, platform):
    tid = registered(api, platform)
    tid2 = registered(api, platform, applicant="applicant2", unit_reviewer="unit_reviewer2",
                      department_reviewer="department_reviewer2")
    day = date(2028, 12, 1)
    set_period(platform, tid, date(2026, 12, 1), day)
    set_period(platform, tid2, date(2026, 12, 1), day - timedelta(days=1))
    summary = run(platform, cultivation_progress, day)
    assert summary["ended"] == [tid2]
    assert record(api, tid)["status"] == "active"
    rec2 = record(api, tid2, "hr_reviewer")
    assert rec2["status"] == "ended"
    assert [(h["status"], h["by"]) for h in rec2["status_history"]] == [("ended", "system")]
    assert run(platform, cultivation_progress, day + timedelta(days=1))["ended"] == [tid]
    assert run(platform, cultivation_progress, day + timedelta(days=1))["ended"] == []
    assert len(record(api, tid2, "hr_reviewer")["status_history"]) == 1


@pytest.mark.parametrize("status", ["exited", "suspended"])
def test_exited_and_suspended_keep_their_status(api, platform, status):
    tid = registered(api, platform)
    api.post(f"/api/talents/{tid}/status", {"status": status, "reason": "调离"}, "hr_reviewer")
    set_period(platform, tid, date(2026, 1, 1), date(2027, 12, 31))
    run(platform, cultivation_progress, date(2028, 6, 1))
    assert record(api, tid, "hr_reviewer")["status"] == status


def test_shortfall_warned_once_per_period_to_talent_unit_and_hr(api, platform):
    tid = registered(api, platform)
    ends = date(2028, 12, 1)
    set_period(platform, tid, date(2026, 12, 1), ends)
    add_training(api, tid, date(2027, 3, 1), date(2027, 3, 30))  # 30 days
    # 91 days before the end: not yet; 90 days: warned once, however often it runs.
    assert run(platform, cultivation_progress, ends - timedelta(days=91))["warned"] == []
    assert run(platform, cultivation_progress, ends - timedelta(days=90))["warned"] == [tid]
    assert run(platform, cultivation_progress, ends - timedelta(days=90))["warned"] == []
    assert run(platform, cultivation_progress, ends)["warned"] == []
    for user in ("applicant", "unit_reviewer", "hr_reviewer"):
        assert count_notifications(platform, user, "training_shortfall") == 1, user
    for user in ("unit_reviewer2", "org_reviewer", "finance"):
        assert count_notifications(platform, user, "training_shortfall") == 0, user
    with platform.sessions() as session:
        mails = session.scalar(select(func.count()).select_from(EmailOutbox).where(
            EmailOutbox.subject.contains("培训时间不足")))
    assert mails == 3
    with platform.sessions() as session:
        body = session.scalars(select(EmailOutbox.body).where(
            EmailOutbox.subject.contains("培训时间不足"))).first()
    assert f"/talents/{tid}" in body and "30 天" in body
    r = api.get("/api/notifications", "applicant")
    assert any(n["kind"] == "training_shortfall" for n in r.get_json())
    # A new period (re-selected later) is warned again.
    set_period(platform, tid, date(2028, 12, 2), date(2030, 12, 1))
    assert run(platform, cultivation_progress, date(2030, 10, 1))["warned"] == [tid]


def test_no_warning_when_training_is_complete(api, platform):
    tid = registered(api, platform)
    ends = date(2028, 12, 1)
    set_period(platform, tid, date(2026, 12, 1), ends)
    add_training(api, tid, date(2027, 3, 1), date(2027, 4, 29))  # 60 days
    assert run(platform, cultivation_progress, ends - timedelta(days=30))["warned"] == []
    assert count_notifications(platform, "applicant", "training_shortfall") == 0


def test_job_is_registered_and_runs_from_the_cli(platform):
    from talentflow.core.registry import REGISTRY
    assert "cultivation_progress" in REGISTRY.jobs


# --------------------------------------------------------------------------------------
# Service breaches
# --------------------------------------------------------------------------------------
def test_exiting_during_a_rewards_service_period_is_a_breach(api, platform):
    tid = registered(api, platform)
    today = platform.today()
    running = add_reward(platform, "applicant", today - timedelta(days=30), 5)
    add_reward(platform, "applicant", today - timedelta(days=3 * 365), 1)      # service over
    add_reward(platform, "applicant", today - timedelta(days=30), 5, outcome="rejected")
    add_reward(platform, "applicant", today - timedelta(days=30), 0, reward_type="project")
    r = api.post(f"/api/talents/{tid}/status", {"status": "exited", "reason": "辞职离开本区"}, "org_reviewer")
    assert r.status_code == 200
    breaches = record(api, tid)["service_breaches"]
    with platform.sessions() as session:
        from talentflow.models import Reward
        reward = session.get(Reward, running)
    assert [(b["instance_id"], b["amount"], b["service_ends_on"]) for b in breaches] == [
        (reward.instance_id, 20000, reward.service_ends_on.isoformat())]
    assert count_notifications(platform, "finance", "service_breach") == 1
    assert count_notifications(platform, "applicant", "service_breach") == 0


def test_suspension_is_no_breach(api, platform):
    tid = registered(api, platform)
    add_reward(platform, "applicant", platform.today() - timedelta(days=30), 5)
    api.post(f"/api/talents/{tid}/status", {"status": "suspended", "reason": "病休"}, "hr_reviewer")
    assert record(api, tid)["service_breaches"] == []
    assert count_notifications(platform, "finance", "service_breach") == 0


def test_an_ended_talent_who_leaves_within_the_service_period_is_a_breach(api, platform):
    tid = registered(api, platform)
    today = platform.today()
    add_reward(platform, "applicant", today - timedelta(days=400), 5)
    set_period(platform, tid, today - timedelta(days=800), today - timedelta(days=1))
    run(platform, cultivation_progress, today)
    r = api.post(f"/api/talents/{tid}/status", {"status": "exited", "reason": "调往外市"}, "hr_reviewer")
    assert r.status_code == 200
    assert len(record(api, tid)["service_breaches"]) == 1


# --------------------------------------------------------------------------------------
# Art. 16/18/19 records
# --------------------------------------------------------------------------------------
def test_records_are_dated_timeline_entries(api, platform):
    tid = registered(api, platform)
    today = platform.today()
    r = api.post(f"/api/talents/{tid}/records", {"kind": "contact_visit", "date": today.isoformat(),
                                                 "summary": "区领导走访，了解科研条件需求"}, "org_reviewer")
    assert r.status_code == 201, r.get_json()
    r = api.post(f"/api/talents/{tid}/records", {"kind": "research_result", "date": today.isoformat(),
                                                 "summary": "发表论文一篇"}, "applicant")
    assert r.status_code == 201
    timeline = record(api, tid)["timeline"]
    texts = [e["text"] for e in timeline]
    assert "区领导走访，了解科研条件需求" in texts and "发表论文一篇" in texts
    assert [e["date"] for e in timeline] == sorted(e["date"] for e in timeline)
    bad = api.post(f"/api/talents/{tid}/records", {"kind": "gossip", "date": "2999-01-01", "summary": ""},
                   "hr_reviewer")
    assert bad.status_code == 422 and {"kind", "date", "summary"} <= set(bad.get_json()["errors"])
    assert api.post(f"/api/talents/{tid}/records", {"kind": "contact_visit", "date": today.isoformat(),
                                                    "summary": "领导小组成员座谈"}, "leadership").status_code == 201
    for user, status in (("department_reviewer", 403), ("finance", 404), ("unit_reviewer2", 404)):
        assert api.post(f"/api/talents/{tid}/records", {"kind": "publicity", "date": today.isoformat(),
                                                        "summary": "宣传"}, user).status_code == status


# --------------------------------------------------------------------------------------
# The talent page
# --------------------------------------------------------------------------------------
def browser(app, username):
    from test_web_pages import Browser
    b = Browser(app)
    assert b.login(username).status_code == 302
    return b


def test_talent_page_shows_the_record_in_chinese_and_records_a_training(api, app, platform):
    tid = registered(api, platform)
    instance_id = plan_instance(platform, tid)
    draft(api, instance_id)
    api.review(instance_id, "hr_reviewer", "plan_review")
    today = platform.today()
    add_training(api, tid, today, today + timedelta(days=19))
    b = browser(app, "unit_reviewer")
    page = b.get(f"/talents/{tid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'lang="zh-CN"' in html
    for text in ("人才培养档案", "培养计划（第八条）", PLAN["direction"], "本培养期培训时间：20 天",
                 "尚差 40 天", "实践锻炼（第十条）", "导师制（第十一条）", "动态管理（第七条）", "培养档案时间线"):
        assert text in html, text
    r = b.post(f"/talents/{tid}/trainings", {"kind": "university", "institution": "四川轻化工大学",
                                             "start_date": (today + timedelta(days=30)).isoformat(),
                                             "end_date": (today + timedelta(days=69)).isoformat()})
    assert r.status_code == 302
    assert record(api, tid)["training_days"] == 60
    assert "已达到要求" in b.get(f"/talents/{tid}").get_data(as_text=True)


def test_talent_page_form_errors_save_nothing_and_csrf_is_required(api, app, platform):
    tid = registered(api, platform)
    b = browser(app, "hr_reviewer")
    b.get(f"/talents/{tid}")
    r = b.post(f"/talents/{tid}/trainings", {"kind": "university", "institution": "四川大学",
                                             "start_date": "2026-06-02", "end_date": "2026-06-01"})
    assert r.status_code == 422
    assert "结束日期不能早于开始日期" in r.get_data(as_text=True)
    r = b.post(f"/talents/{tid}/status", {"status": "exited", "reason": ""})
    assert r.status_code == 422
    assert count(platform, TalentTraining) == count(platform, TalentStatusChange) == 0
    r = b.client.post(f"/talents/{tid}/trainings", data={"kind": "university", "institution": "x",
                                                        "start_date": "2026-06-01",
                                                        "end_date": "2026-06-02"})
    assert r.status_code == 400
    assert count(platform, TalentTraining) == 0


@pytest.mark.parametrize("user,status", [("unit_reviewer2", 404), ("finance", 404),
                                         ("applicant2", 404), ("applicant", 200),
                                         ("department_reviewer", 200), ("leadership", 200)])
def test_talent_page_scope(api, app, platform, user, status):
    tid = registered(api, platform)
    assert browser(app, user).get(f"/talents/{tid}").status_code == status


def test_talent_page_forms_only_for_those_who_may_use_them(api, app, platform):
    tid = registered(api, platform)
    leadership = browser(app, "leadership")
    assert leadership.get(f"/talents/{tid}").status_code == 200
    assert leadership.post(f"/talents/{tid}/trainings", {
        "kind": "university", "institution": "x", "start_date": "2026-06-01",
        "end_date": "2026-06-02"}).status_code == 403
    html = browser(app, "applicant").get(f"/talents/{tid}").get_data(as_text=True)
    assert "登记培训" in html and "变更状态" not in html


def test_my_talent_page_link(api, app, platform):
    tid = registered(api, platform)
    r = browser(app, "applicant").get("/my/talent")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/talents/{tid}")
    r = browser(app, "applicant2").get("/my/talent")  # not registered: a page saying so
    assert r.status_code == 200 and "您尚未登记为人才培养对象" in r.get_data(as_text=True)


def test_demo_talents_mid_period_with_plans_trainings_practice_and_mentors(api, platform):
    from talentflow import demo
    with platform.transaction() as session:
        assert demo.seed_talents(platform, session, platform.today()) == 3
    with platform.transaction() as session:
        assert demo.seed_talents(platform, session, platform.today()) == 0  # idempotent
    talents = {t["username"]: t for t in api.get("/api/talents", "hr_reviewer").get_json()}
    chen = record(api, talents["talent_chen"]["id"], "hr_reviewer")
    huang = record(api, talents["talent_huang"]["id"], "hr_reviewer")
    lin = record(api, talents["talent_lin"]["id"], "hr_reviewer")
    assert chen["plan"] and huang["plan"] and lin["plan"] is None
    assert chen["training_days"] == 65 and huang["training_days"] == 25
    assert chen["practice"] and chen["mentors"] and huang["practice"] and huang["mentors"]
    assert [t["name"] for t in api.inbox("unit_reviewer")
            if t["instance_id"] == lin["plan_instance_id"]] == ["draft_plan"]
    with platform.sessions() as session:
        assert training_shortfalls(session, platform.today()) == 1  # huang


def test_plan_task_page_names_the_talent_and_reward_page_lists_trainings(api, app, platform):
    tid = registered(api, platform)
    today = platform.today()
    training_id = add_training(api, tid, today, today + timedelta(days=4))["id"]
    task = api.task_of(plan_instance(platform, tid), "unit_reviewer", "draft_plan")
    html = browser(app, "unit_reviewer").get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "培养对象：张明" in html and "本培养期已培训 5 天" in html
    html = browser(app, "applicant").get("/start/reward").get_data(as_text=True)
    assert "本人已登记的培训" in html and f"<td data-label=\"编号\">{training_id}</td>" in html
    assert "本人已登记的培训" not in browser(app, "applicant2").get("/start/reward").get_data(as_text=True)


# --------------------------------------------------------------------------------------
# Certificate copies
# --------------------------------------------------------------------------------------
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_certificate_copies_of_a_training(api, platform):
    import io
    tid = registered(api, platform)
    today = platform.today()
    training_id = add_training(api, tid, today, today + timedelta(days=2))["id"]
    path = f"/api/talents/{tid}/trainings/{training_id}/certificates"
    r = api.post(path, as_user="applicant", data={"file": (io.BytesIO(PDF), "结业证书.pdf")},
                 content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    cid = r.get_json()["id"]
    [cert] = record(api, tid)["trainings"][0]["certificates"]
    assert (cert["id"], cert["filename"]) == (cid, "结业证书.pdf")
    r = api.get(f"/api/talents/{tid}/certificates/{cid}", "department_reviewer")
    assert r.status_code == 200 and r.data == PDF
    for user in ("unit_reviewer2", "finance"):
        assert api.get(f"/api/talents/{tid}/certificates/{cid}", user).status_code == 404
    # wrong type, another unit, a record of another kind or talent: refused, nothing stored
    r = api.post(path, as_user="applicant", data={"file": (io.BytesIO(b"MZ..."), "x.exe")},
                 content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.get_json()["errors"]
    assert api.post(path, as_user="unit_reviewer2", data={"file": (io.BytesIO(PDF), "a.pdf")},
                    content_type="multipart/form-data").status_code == 404
    assert api.post(f"/api/talents/{tid}/mentors/{training_id}/certificates", as_user="applicant",
                    data={"file": (io.BytesIO(PDF), "a.pdf")},
                    content_type="multipart/form-data").status_code == 404
    assert api.post(path, as_user="org_reviewer", data={"file": (io.BytesIO(PDF), "a.pdf")},
                    content_type="multipart/form-data").status_code == 403
    assert len(record(api, tid)["trainings"][0]["certificates"]) == 1


def test_certificate_upload_on_the_page(api, app, platform):
    import io
    tid = registered(api, platform)
    today = platform.today()
    training_id = add_training(api, tid, today, today)["id"]
    b = browser(app, "applicant")
    assert "证书复印件" in b.get(f"/talents/{tid}").get_data(as_text=True)
    r = b.post(f"/talents/{tid}/trainings/{training_id}/certificates",
               {"file": (io.BytesIO(PDF), "证书.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302
    html = b.get(f"/talents/{tid}").get_data(as_text=True)
    assert "证书.pdf" in html
    r = b.post(f"/talents/{tid}/trainings/{training_id}/certificates",
               {"file": (io.BytesIO(b"hello"), "a.txt")}, content_type="multipart/form-data")
    assert r.status_code == 422 and "仅支持 PDF、PNG、JPEG" in r.get_data(as_text=True)


def test_rewards_on_the_record_carry_their_service_periods(api, platform):
    from talentflow.models import Reward
    tid = registered(api, platform)
    title = add_reward(platform, "applicant", date(2026, 6, 1), 5)
    project = add_reward(platform, "applicant", date(2026, 7, 1), 0, reward_type="project")
    add_reward(platform, "unit_reviewer", date(2026, 6, 1), 5, reward_type="platform")
    with platform.sessions() as session:
        ids = {session.get(Reward, i).instance_id: i for i in (title, project)}
    rewards = record(api, tid)["rewards"]
    assert [(r["instance_id"], r["reward_type"], r["amount"], r["outcome"], r["service_ends_on"])
            for r in rewards] == [
        (list(ids)[0], "title", 20000, "paid", "2031-06-01"),
        (list(ids)[1], "project", 20000, "paid", "2026-07-01")]
