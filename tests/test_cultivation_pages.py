"""What users of the cultivation flows see (user-level review): the talent's self-assessment
beside the unit's evaluation, the plan under review, no withdrawal of a case the service
started, the record's timeline in Chinese with real dates, the training a fee claim names."""
from __future__ import annotations

import re
from datetime import date, timedelta

from scheduler_helpers import add_reward, run

from flows import register_talent
from talentflow.features.evaluations.annual import annual_evaluation
from test_cultivation import PLAN, add_training, draft, plan_instance, record, talent_id
from test_web_pages import Browser, text, web  # noqa: F401  (the fixture)

SELF = {"ability": "能独立承担市级课题", "performance": "全年完成教研任务十二项",
        "research_plan": "课题按计划推进"}
UNIT = {"unit_ability": "单位评价：能力突出", "unit_performance": "单位评价：绩效优良",
        "unit_research_plan": "单位评价：按期完成"}


def evaluation_case(api, platform):
    register_talent(api)
    add_reward(platform, "applicant", date(2026, 6, 1), 3)
    instance_id = run(platform, annual_evaluation, date(2026, 12, 1))["started"][0]
    task = api.task_of(instance_id, "applicant", "self_assessment")
    assert api.complete(task["id"], SELF, "applicant").status_code == 200
    return instance_id


def unit_evaluates(api, instance_id, grade="excellent"):
    task = api.task_of(instance_id, "unit_reviewer", "unit_assessment")
    r = api.complete(task["id"], {"grade": grade, "comment": "表现突出", **UNIT}, "unit_reviewer")
    assert r.status_code == 200, r.get_json()


# --------------------------------------------------------------------------------------
# 1. The unit's evaluation keeps the talent's self-assessment
# --------------------------------------------------------------------------------------
def test_the_units_evaluation_starts_empty_and_keeps_the_self_assessment(api, platform, web):
    instance_id = evaluation_case(api, platform)
    task = api.task_of(instance_id, "unit_reviewer", "unit_assessment")
    html = text(web("unit_reviewer").get(f"/tasks/{task['id']}"))
    # the unit's own fields are empty; the talent's words are there to read, not to overwrite
    assert [t for t in re.findall(r"<textarea[^>]*>([^<]*)</textarea>", html) if t.strip()] == []
    assert SELF["ability"] in html and "年度自评" in html
    unit_evaluates(api, instance_id)

    data = api.instance(instance_id, "applicant")["data"]
    assert {k: data[k] for k in SELF} == SELF and {k: data[k] for k in UNIT} == UNIT
    [evaluation] = record(api, talent_id(platform))["evaluations"]
    assert (evaluation["grade"], evaluation["ability"], evaluation["performance"],
            evaluation["research_plan"]) == ("excellent", *UNIT.values())
    page = text(web("hr_reviewer").get(f"/cases/{instance_id}"))
    own, unit = page.index("<h2>年度自评</h2>"), page.index("<h2>单位年度评价</h2>")
    assert own < page.index(SELF["ability"]) < unit < page.index(UNIT["unit_ability"])


def test_a_changed_shipped_form_reaches_new_cases_through_a_new_version(platform, tmp_path):
    """Each version keeps its own copy of its forms: init-db deploys a new version when a
    shipped form changed, even though the diagram did not (else the unit's form with its own
    keys would never reach an installed service)."""
    import json
    import shutil
    from pathlib import Path

    from talentflow.core import definitions
    from talentflow.core.forms import FormRegistry
    workflows = Path(platform.config["WORKFLOWS_DIR"])
    with platform.transaction() as session:
        assert definitions.deploy_directory(session, workflows, platform.forms) == []
    changed = tmp_path / "forms"
    shutil.copytree(platform.config["FORMS_DIR"], changed)
    schema = json.loads((changed / "unit_assessment.json").read_text(encoding="utf-8"))
    schema["properties"]["comment"]["title"] = "单位综合评价意见"
    (changed / "unit_assessment.json").write_text(json.dumps(schema, ensure_ascii=False),
                                                  encoding="utf-8")
    with platform.transaction() as session:
        created = definitions.deploy_directory(session, workflows, FormRegistry(changed))
        assert [(d.process_id, d.version) for d in created] == [("annual_evaluation", 2)]
        assert definitions.deploy_directory(session, workflows, FormRegistry(changed)) == []



# --------------------------------------------------------------------------------------
# 2. The plan reviewer sees the plan
# --------------------------------------------------------------------------------------
def test_the_plan_reviewer_sees_the_plan_on_the_task_and_case_pages(api, platform, web):
    instance_id = plan_instance(platform, talent_id_after_registration(api, platform))
    draft(api, instance_id)
    task = api.task_of(instance_id, "hr_reviewer", "plan_review")
    hr = web("hr_reviewer")
    for path in (f"/tasks/{task['id']}", f"/cases/{instance_id}"):
        html = text(hr.get(path))
        for label, value in (("培养方向", PLAN["direction"]), ("培养重点", PLAN["focus"]),
                             ("培养措施（培训、实践锻炼、导师等）", PLAN["measures"])):
            assert re.search(rf"<th>{re.escape(label)}</th><td>\s*{re.escape(value)}", html), \
                (path, label)


def talent_id_after_registration(api, platform):
    register_talent(api)
    return talent_id(platform)


# --------------------------------------------------------------------------------------
# 3. Cases the service started are not withdrawn
# --------------------------------------------------------------------------------------
def test_a_talent_cannot_withdraw_a_case_the_service_started(api, platform, web):
    plan_case = plan_instance(platform, talent_id_after_registration(api, platform))
    add_reward(platform, "applicant", date(2026, 6, 1), 3)
    evaluation = run(platform, annual_evaluation, date(2026, 12, 1))["started"][0]
    applicant = web("applicant")
    for instance_id in (plan_case, evaluation):
        r = api.post(f"/api/instances/{instance_id}/withdraw", {"comment": "不想要了"}, "applicant")
        assert r.status_code == 403 and "系统自动发起" in r.get_json()["message"], r.get_json()
        page = text(applicant.get(f"/cases/{instance_id}"))
        assert "撤回申请" not in page
        assert applicant.get(f"/cases/{instance_id}/withdraw").status_code == 403
        r = applicant.post(f"/cases/{instance_id}/withdraw", {"comment": "不想要了"})
        assert r.status_code == 403 and "系统自动发起" in text(r)
        assert api.instance(instance_id, "applicant")["status"] == "running"


# --------------------------------------------------------------------------------------
# 4. The record's timeline in Chinese, with the date the evaluation was completed
# --------------------------------------------------------------------------------------
def test_the_timeline_names_grades_and_statuses_in_chinese_on_their_real_dates(api, platform, web):
    instance_id = evaluation_case(api, platform)
    unit_evaluates(api, instance_id)
    tid = talent_id(platform)
    assert api.post(f"/api/talents/{tid}/status", {"status": "suspended", "reason": "病假"},
                    "hr_reviewer").status_code == 200
    timeline = record(api, tid)["timeline"]
    today = platform.today().isoformat()
    assert {"date": today, "kind": "evaluation", "text": "2026 年度考核：优秀",
            "instance_id": instance_id} in timeline
    assert [e["text"] for e in timeline if e["kind"] == "status"] == ["状态变更为“暂停培养”：病假"]
    page = text(web("hr_reviewer").get(f"/talents/{tid}"))
    listed = page[page.index('<ol class="timeline">'):]
    listed = listed[:listed.index("</ol>")]
    assert "2026 年度考核：优秀" in listed and "状态变更为“暂停培养”：病假" in listed
    assert "excellent" not in listed and "suspended" not in listed and "12-31" not in listed


# --------------------------------------------------------------------------------------
# 5. A training-fee claim picks one of the talent's trainings
# --------------------------------------------------------------------------------------
def test_a_training_fee_claim_offers_the_talents_own_trainings(api, platform, web):
    tid = talent_id_after_registration(api, platform)
    today = platform.today()
    mine = add_training(api, tid, today, today + timedelta(days=4))["id"]
    applicant = web("applicant")
    r = applicant.post("/start/reward_application")
    assert r.status_code == 302, text(r)[:500]
    task_path = r.headers["Location"]
    html = text(applicant.get(task_path))
    select = re.search(r'<select name="training_id"[^>]*>(.*?)</select>', html, re.S)
    assert select, "the training is chosen from a list"
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select.group(1))
    end = today + timedelta(days=4)
    assert options == [(str(mine), f"中共自贡市委党校（{today} 至 {end}）")]
    r = applicant.post(task_path, {"reward_type": "training_fee", "claimed_amount": "3000",
                                   "training_id": str(mine)})
    assert r.status_code == 302, text(r)[:3000]
    [case] = api.get("/api/instances?process_id=reward_application", "applicant").get_json()
    instance_id = case["id"]
    assert api.instance(instance_id, "applicant")["data"]["training_id"] == mine
    # the reviewer reads the training, not a bare number
    page = text(web("unit_reviewer").get(f"/cases/{instance_id}"))
    assert f"中共自贡市委党校（{today} 至 {end}）" in page
