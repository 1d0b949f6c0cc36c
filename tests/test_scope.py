"""Who sees and works what, through the API: negative scope tests for every role, each with a
positive control in the same test; withdraw (撤回), claim, talent database, admin endpoints,
login and the OpenAPI document."""
from __future__ import annotations

import re

import pytest

from flows import QUALIFICATION, register_talent, submit_selection
from talentflow.core.security import TokenSigner

ALL_USERS = ["applicant", "applicant2", "unit_reviewer", "unit_reviewer2", "department_reviewer",
             "department_reviewer2", "org_reviewer", "hr_reviewer", "leadership", "finance",
             "employer_finance", "admin"]
NON_ADMINS = [u for u in ALL_USERS if u != "admin"]
REVIEW = {"decision": "approve", "comment": "同意"}


def assert_error(response, status):
    assert response.status_code == status, (response.status_code, response.get_json())
    body = response.get_json()
    assert isinstance(body, dict), response.data
    assert isinstance(body.get("message"), str) and body["message"]
    assert isinstance(body.get("errors"), dict)
    return body


def inbox_ids(api, user, instance_id):
    return [t["id"] for t in api.inbox(user) if t["instance_id"] == instance_id]


def assert_sees_task(api, user, task_id, instance_id):
    """Positive control: the task is in the user's inbox and readable, and so is the case."""
    assert task_id in inbox_ids(api, user, instance_id), f"{user} should see task {task_id}"
    r = api.get(f"/api/tasks/{task_id}", user)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["id"] == task_id and r.get_json()["instance_id"] == instance_id
    assert api.get(f"/api/instances/{instance_id}", user).status_code == 200


def assert_blind_to(api, user, task_id, instance_id):
    """The user learns nothing about the task or the case: not in the inbox, 404 everywhere."""
    assert inbox_ids(api, user, instance_id) == [], f"{user} sees tasks of case {instance_id}"
    assert_error(api.get(f"/api/tasks/{task_id}", user), 404)
    assert_error(api.post(f"/api/tasks/{task_id}/claim", None, user), 404)
    assert_error(api.complete(task_id, REVIEW, user), 404)
    assert_error(api.get(f"/api/instances/{instance_id}", user), 404)
    assert_error(api.post(f"/api/instances/{instance_id}/withdraw", {"comment": "x"}, user), 404)
    assert_error(api.get(f"/api/instances/{instance_id}/attachments", user), 404)


# --- unit, department and applicant scope -------------------------------------------------

def test_unit_review_is_seen_only_in_the_starters_unit(api):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    assert task["role"] == "unit_reviewer" and task["assignee"] is None
    assert_sees_task(api, "unit_reviewer", task["id"], instance_id)

    # the reviewer of another unit, another unit's finance office, the other department and
    # another applicant see nothing of it
    for outsider in ("unit_reviewer2", "employer_finance", "department_reviewer2", "applicant2"):
        assert_blind_to(api, outsider, task["id"], instance_id)
    # nothing happened to the task
    assert_sees_task(api, "unit_reviewer", task["id"], instance_id)
    assert api.instance(instance_id, "applicant")["history"][-1]["name"] == "submit_application"


def test_department_review_is_seen_only_by_the_units_department(api):
    instance_id = submit_selection(api)
    api.review(instance_id, "unit_reviewer", "unit_review")
    task = api.task_of(instance_id, "department_reviewer", "department_review")
    assert_sees_task(api, "department_reviewer", task["id"], instance_id)
    for outsider in ("department_reviewer2", "unit_reviewer2", "applicant2", "employer_finance"):
        assert_blind_to(api, outsider, task["id"], instance_id)
    # the unit reviewer still sees the case (own unit) but not the department's task
    assert api.get(f"/api/instances/{instance_id}", "unit_reviewer").status_code == 200
    assert inbox_ids(api, "unit_reviewer", instance_id) == []
    assert api.complete(task["id"], REVIEW, "unit_reviewer").status_code in (403, 404)
    # the right department can complete it
    r = api.complete(task["id"], REVIEW, "department_reviewer")
    assert r.status_code == 200, r.get_json()


def test_other_department_sees_its_own_units_case(api):
    """department_reviewer2 (区经信局) is the department of applicant2's enterprise."""
    instance_id = submit_selection(api, "applicant2")
    api.review(instance_id, "unit_reviewer2", "unit_review")
    task = api.task_of(instance_id, "department_reviewer2", "department_review")
    assert_sees_task(api, "department_reviewer2", task["id"], instance_id)
    assert_blind_to(api, "department_reviewer", task["id"], instance_id)
    assert_blind_to(api, "unit_reviewer", task["id"], instance_id)
    assert_blind_to(api, "applicant", task["id"], instance_id)


def test_applicant_sees_own_case_but_no_review_task(api):
    instance_id = submit_selection(api)
    # positive control: own case, and own form task while it was open
    case = api.instance(instance_id, "applicant")
    assert case["status"] == "running"
    assert [h["name"] for h in case["history"]] == ["submit_application"]

    unit_task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    assert inbox_ids(api, "applicant", instance_id) == []
    assert api.get(f"/api/tasks/{unit_task['id']}", "applicant").status_code in (403, 404)
    for path in ("claim", "complete"):
        r = api.post(f"/api/tasks/{unit_task['id']}/{path}", {"data": REVIEW}, "applicant")
        assert_error(r, r.status_code)
        assert r.status_code in (403, 404)
    # every later review task is refused to the applicant as well
    api.review(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "department_reviewer", "department_review")
    for user, name in QUALIFICATION:
        task = api.task_of(instance_id, user, name)
        assert api.complete(task["id"], REVIEW, "applicant").status_code in (403, 404)
        assert api.post(f"/api/tasks/{task['id']}/claim", None, "applicant").status_code in (403, 404)
        api.review(instance_id, user, name)
    task = api.task_of(instance_id, "leadership", "leadership_approval")
    assert api.complete(task["id"], REVIEW, "applicant").status_code in (403, 404)
    assert api.instance(instance_id, "applicant")["status"] == "running"
    api.review(instance_id, "leadership", "leadership_approval")
    assert api.instance(instance_id, "applicant")["outcome"] == "registered"


def test_other_applicant_sees_nothing_of_the_case(api):
    instance_id = api.start("talent_selection", "applicant").get_json()["id"]
    form_task = api.task_of(instance_id, "applicant", "submit_application")
    assert form_task["assignee"] == "applicant"
    assert_blind_to(api, "applicant2", form_task["id"], instance_id)
    # a reviewer of the unit cannot fill in the applicant's form either
    r = api.complete(form_task["id"], {"name": "冒名"}, "unit_reviewer")
    assert r.status_code in (403, 404)
    # the applicant's own list shows the case; applicant2's does not
    assert [i["id"] for i in api.get("/api/instances", "applicant").get_json()] == [instance_id]
    assert api.get("/api/instances", "applicant2").get_json() == []


def test_district_roles_cannot_work_each_others_tasks(api):
    instance_id = submit_selection(api)
    api.review(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "department_reviewer", "department_review")
    org_task = api.task_of(instance_id, "org_reviewer", "org_qualification_review")
    hr_task = api.task_of(instance_id, "hr_reviewer", "hr_qualification_review")
    # positive: each sees its own task, and the whole case (district scope)
    assert_sees_task(api, "org_reviewer", org_task["id"], instance_id)
    assert_sees_task(api, "hr_reviewer", hr_task["id"], instance_id)
    assert hr_task["id"] not in inbox_ids(api, "org_reviewer", instance_id)
    assert org_task["id"] not in inbox_ids(api, "hr_reviewer", instance_id)
    for user in ("hr_reviewer", "leadership", "finance", "admin"):
        r = api.complete(org_task["id"], REVIEW, user)
        assert_error(r, r.status_code)
        assert r.status_code in (403, 404), (user, r.status_code)
        assert api.post(f"/api/tasks/{org_task['id']}/claim", None, user).status_code in (403, 404)
    for user in ("org_reviewer", "leadership", "finance", "unit_reviewer", "department_reviewer"):
        assert api.complete(hr_task["id"], REVIEW, user).status_code in (403, 404), user
    # nothing moved
    assert org_task["id"] in inbox_ids(api, "org_reviewer", instance_id)
    assert hr_task["id"] in inbox_ids(api, "hr_reviewer", instance_id)
    assert {h["name"] for h in api.instance(instance_id, "admin")["history"]} == {
        "submit_application", "unit_review", "department_review"}
    api.review(instance_id, "org_reviewer", "org_qualification_review")
    api.review(instance_id, "hr_reviewer", "hr_qualification_review")

    lead_task = api.task_of(instance_id, "leadership", "leadership_approval")
    assert_sees_task(api, "leadership", lead_task["id"], instance_id)
    for user in ("org_reviewer", "hr_reviewer", "finance", "unit_reviewer", "employer_finance",
                 "admin"):
        assert api.complete(lead_task["id"], REVIEW, user).status_code in (403, 404), user
        assert lead_task["id"] not in inbox_ids(api, user, instance_id)
    assert api.instance(instance_id, "admin")["status"] == "running"
    api.review(instance_id, "leadership", "leadership_approval")


def test_finance_pays_special_fund_rewards_and_nobody_else(api):
    register_talent(api)
    r = api.start("reward_application", "applicant")
    assert r.status_code == 201, r.get_json()
    instance_id = r.get_json()["id"]
    form = api.task_of(instance_id, "applicant", "submit_reward_application")
    r = api.complete(form["id"], {"reward_type": "title", "title_level": "associate_senior",
                                  "service_years": 5}, "applicant")
    assert r.status_code == 200, r.get_json()
    case = api.instance(instance_id, "applicant")
    assert (case["data"]["payment_route"], case["data"]["reward_amount"]) == ("special_fund", 1000)
    for user, name in [("unit_reviewer", "unit_review"), ("department_reviewer", "department_review"),
                       ("org_reviewer", "org_rereview"), ("hr_reviewer", "hr_rereview"),
                       ("leadership", "leadership_approval")]:
        api.review(instance_id, user, name)
    task = api.task_of(instance_id, "finance", "fund_payment")
    assert task["role"] == "finance"
    assert_sees_task(api, "finance", task["id"], instance_id)
    for user in ("leadership", "org_reviewer", "hr_reviewer", "employer_finance", "unit_reviewer",
                 "applicant"):
        assert task["id"] not in inbox_ids(api, user, instance_id)
        assert api.complete(task["id"], REVIEW, user).status_code in (403, 404), user
    # employer_finance of another unit may not even see the case
    assert_error(api.get(f"/api/instances/{instance_id}", "employer_finance"), 404)
    api.review(instance_id, "finance", "fund_payment")
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "paid")


def test_employer_finance_sees_only_its_own_units_reimbursement(api):
    unit_id = api.me("employer_finance")["unit_id"]
    other_unit = api.create_unit("自贡另一家企业有限公司", "enterprise")
    api.create_user("employer_finance_b", ["employer_finance"], unit_id=other_unit)
    # An Art. 13 project reward of a talent of the enterprise: employer route. (Art. 14 platform
    # subsidies are district money and always take the special-fund route, CONTRACT.md.)
    register_talent(api, applicant="applicant2", unit_reviewer="unit_reviewer2",
                    department_reviewer="department_reviewer2")
    r = api.start("reward_application", "applicant2")
    assert r.status_code == 201, r.get_json()
    instance_id = r.get_json()["id"]
    form = api.task_of(instance_id, "applicant2", "submit_reward_application")
    r = api.complete(form["id"], {"reward_type": "project", "project_level": "municipal",
                                  "is_project_lead": True, "completed_on_time": True},
                     "applicant2")
    assert r.status_code == 200, r.get_json()
    assert api.instance(instance_id, "unit_reviewer2")["data"]["payment_route"] == "employer"
    unit_task = api.task_of(instance_id, "unit_reviewer2", "unit_review")
    # employer_finance of the same unit sees the case but cannot do the unit's review
    assert api.get(f"/api/instances/{instance_id}", "employer_finance").status_code == 200
    assert unit_task["id"] not in inbox_ids(api, "employer_finance", instance_id)
    assert api.complete(unit_task["id"], REVIEW, "employer_finance").status_code in (403, 404)
    api.review(instance_id, "unit_reviewer2", "unit_review")

    task = api.task_of(instance_id, "employer_finance", "employer_reimbursement")
    assert task["role"] == "employer_finance"
    assert_sees_task(api, "employer_finance", task["id"], instance_id)
    assert api.me("employer_finance_b")["unit_id"] == other_unit != unit_id
    assert_blind_to(api, "employer_finance_b", task["id"], instance_id)
    for user in ("finance", "unit_reviewer", "applicant2"):
        assert api.complete(task["id"], REVIEW, user).status_code in (403, 404), user
    api.review(instance_id, "employer_finance", "employer_reimbursement")
    case = api.instance(instance_id, "unit_reviewer2")
    assert (case["status"], case["outcome"]) == ("completed", "reimbursed")


# --- withdraw (撤回) -----------------------------------------------------------------------

def test_starter_withdraws_a_running_case(api):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")

    # nobody else may withdraw: other people 404, people who may see the case 403
    for user in ("applicant2", "unit_reviewer2", "department_reviewer2"):
        assert_error(api.post(f"/api/instances/{instance_id}/withdraw", {"comment": "x"}, user), 404)
    for user in ("unit_reviewer", "department_reviewer", "org_reviewer", "leadership", "admin"):
        r = api.post(f"/api/instances/{instance_id}/withdraw", {"comment": "x"}, user)
        assert_error(r, r.status_code)
        assert r.status_code in (403, 404), (user, r.status_code)
    assert api.instance(instance_id, "applicant")["status"] == "running"

    r = api.post(f"/api/instances/{instance_id}/withdraw", {"comment": "个人原因，暂不申报"}, "applicant")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "cancelled"
    case = api.instance(instance_id, "applicant")
    assert case["status"] == "cancelled"
    last = case["history"][-1]
    assert (last["name"], last["by"], last["decision"], last["comment"]) == (
        "withdraw", "applicant", "withdraw", "个人原因，暂不申报")
    assert [h["name"] for h in case["history"]] == ["submit_application", "withdraw"]
    for user in ALL_USERS:
        assert inbox_ids(api, user, instance_id) == [], user
    # the open task can no longer be worked
    assert_error(api.complete(task["id"], REVIEW, "unit_reviewer"), 409)
    assert_error(api.post(f"/api/tasks/{task['id']}/claim", None, "unit_reviewer"), 409)
    # withdraw again: the case has ended
    assert_error(api.post(f"/api/instances/{instance_id}/withdraw", {"comment": "再次"}, "applicant"), 409)
    assert api.instance(instance_id, "applicant")["history"][-1]["comment"] == "个人原因，暂不申报"


def test_withdraw_after_completion_is_a_conflict(api):
    instance_id = register_talent(api)
    assert_error(api.post(f"/api/instances/{instance_id}/withdraw", {"comment": "晚了"}, "applicant"), 409)
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "registered")
    assert "withdraw" not in [h["name"] for h in case["history"]]
    # a stranger still gets 404, not 409
    assert_error(api.post(f"/api/instances/{instance_id}/withdraw", {}, "applicant2"), 404)


# --- claim ---------------------------------------------------------------------------------

@pytest.fixture
def second_unit_reviewer(api):
    unit_id = api.me("unit_reviewer")["unit_id"]
    api.create_user("unit_reviewer_b", ["unit_reviewer"], unit_id=unit_id)
    return "unit_reviewer_b"


def test_claim_takes_the_task_from_colleagues(api, second_unit_reviewer):
    other = second_unit_reviewer
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    assert task["assignee"] is None
    # both reviewers of the unit see the unclaimed task
    assert task["id"] in inbox_ids(api, other, instance_id)

    r = api.post(f"/api/tasks/{task['id']}/claim", None, "unit_reviewer")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["assignee"] == "unit_reviewer"
    # claiming again by the holder is harmless
    assert api.post(f"/api/tasks/{task['id']}/claim", None, "unit_reviewer").status_code == 200

    assert inbox_ids(api, other, instance_id) == []
    assert_error(api.post(f"/api/tasks/{task['id']}/claim", None, other), 409)
    assert_error(api.complete(task["id"], REVIEW, other), 409)
    # the holder still has it and completes it
    held = api.task_of(instance_id, "unit_reviewer", "unit_review")
    assert held["assignee"] == "unit_reviewer"
    r = api.complete(task["id"], REVIEW, "unit_reviewer")
    assert r.status_code == 200, r.get_json()
    history = api.instance(instance_id, "applicant")["history"]
    assert (history[-1]["name"], history[-1]["by"]) == ("unit_review", "unit_reviewer")
    # completed: a second completion is a conflict
    assert_error(api.complete(task["id"], REVIEW, "unit_reviewer"), 409)


def test_completing_an_unclaimed_task_claims_it(api, second_unit_reviewer):
    other = second_unit_reviewer
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, other, "unit_review")
    assert task["assignee"] is None
    r = api.complete(task["id"], {"decision": "approve", "comment": "材料齐全"}, other)
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["assignee"], r.get_json()["status"]) == (other, "completed")
    assert_error(api.complete(task["id"], REVIEW, "unit_reviewer"), 409)
    history = api.instance(instance_id, "applicant")["history"]
    assert (history[-1]["name"], history[-1]["by"], history[-1]["comment"]) == (
        "unit_review", other, "材料齐全")
    assert [t["name"] for t in api.get("/api/tasks/done", other).get_json()] == ["unit_review"]
    assert api.get("/api/tasks/done", "unit_reviewer").get_json() == []


# --- talent database -----------------------------------------------------------------------

@pytest.mark.parametrize("user", ["hr_reviewer", "org_reviewer", "leadership", "admin"])
def test_talent_database_readers(api, user):
    register_talent(api)
    r = api.get("/api/talents", user)
    assert r.status_code == 200, r.get_json()
    assert [(t["username"], t["name"], t["status"]) for t in r.get_json()] == [
        ("applicant", "张明", "active")]


def test_talent_database_is_closed_to_other_roles(api):
    register_talent(api)
    for user in ("applicant", "applicant2", "unit_reviewer", "unit_reviewer2", "department_reviewer",
                 "department_reviewer2", "finance", "employer_finance"):
        assert_error(api.get("/api/talents", user), 403)
    assert_error(api.client.get("/api/talents"), 401)


# --- admin endpoints and authentication -----------------------------------------------------

ADMIN_CALLS = [
    ("/api/admin/departments", {"name": "新部门"}),
    ("/api/admin/units", {"name": "新单位", "type": "enterprise", "department_id": None}),
    ("/api/admin/users", {"username": "mallory", "password": "x-mallory-1", "display_name": "m",
                          "roles": ["admin"], "unit_id": None, "department_id": None}),
    ("/api/admin/campaigns", {"kind": "selection", "opens_on": "2030-03-01",
                              "closes_on": "2030-03-31"}),
]


def test_admin_endpoints_refuse_every_other_role(api):
    bpmn = b'<?xml version="1.0"?><x/>'
    for user in NON_ADMINS:
        for path, body in ADMIN_CALLS:
            assert_error(api.post(path, body, user), 403)
        r = api.client.post("/api/admin/processes", data=bpmn, headers={
            **api.headers(user), "Content-Type": "application/xml"})
        assert_error(r, 403)
    # nothing was created by any of them
    r = api.client.post("/api/auth/token", json={"username": "mallory", "password": "x-mallory-1"})
    assert_error(r, 401)
    assert [c["opens_on"] for c in api.get("/api/campaigns", "admin").get_json()
            if c["opens_on"] == "2030-03-01"] == []
    # positive control: the admin may
    for path, body in ADMIN_CALLS:
        r = api.post(path, body, "admin")
        assert r.status_code == 201, (path, r.get_json())
        assert isinstance(r.get_json()["id"], int)


def test_admin_endpoints_need_a_valid_token(api, platform):
    paths = [p for p, _ in ADMIN_CALLS] + ["/api/admin/processes"]
    for path in paths:
        assert_error(api.client.post(path, json={}), 401)
    good = api.token("admin")
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    foreign = TokenSigner("another-secret", 3600).issue(1)
    for token in ("garbage", tampered, foreign, ""):
        headers = {"Authorization": f"Bearer {token}"}
        for path, body in ADMIN_CALLS:
            assert_error(api.client.post(path, json=body, headers=headers), 401)
        assert_error(api.client.get("/api/me", headers=headers), 401)
    # a correctly signed token for a user that does not exist
    ghost = TokenSigner(platform.config["SECRET_KEY"], 3600).issue(999_999)
    assert_error(api.client.get("/api/me", headers={"Authorization": f"Bearer {ghost}"}), 401)
    # positive control, then expire every token by a negative max_age
    assert api.client.get("/api/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    platform.config["TOKEN_MAX_AGE"] = -1
    try:
        for path, body in ADMIN_CALLS:
            assert_error(api.client.post(path, json=body, headers={"Authorization": f"Bearer {good}"}),
                         401)
        assert_error(api.client.get("/api/me", headers={"Authorization": f"Bearer {good}"}), 401)
    finally:
        platform.config["TOKEN_MAX_AGE"] = 12 * 3600


def test_token_login(api):
    r = api.client.post("/api/auth/token", json={"username": "applicant", "password": "demo"})
    assert r.status_code == 200
    assert isinstance(r.get_json()["token"], str) and len(r.get_json()["token"]) > 20
    for body in ({"username": "applicant", "password": "wrong"},
                 {"username": "nobody", "password": "demo"},
                 {"username": "APPLICANT", "password": "Demo"}):
        body_json = assert_error(api.client.post("/api/auth/token", json=body), 401)
        assert "token" not in body_json
    r = api.client.post("/api/auth/token", json={"username": "applicant"})
    assert r.status_code in (400, 422)
    assert_error(r, r.status_code)


def test_me_fields(api):
    unit_reviewer = api.me("unit_reviewer")
    dept_reviewer = api.me("department_reviewer")
    leader = api.me("leadership")
    for me in (unit_reviewer, dept_reviewer, leader):
        assert {"username", "roles", "unit_id", "department_id"} <= set(me)
    assert (unit_reviewer["username"], unit_reviewer["roles"]) == ("unit_reviewer", ["unit_reviewer"])
    assert isinstance(unit_reviewer["unit_id"], int) and unit_reviewer["department_id"] is None
    assert (dept_reviewer["roles"], dept_reviewer["unit_id"]) == (["department_reviewer"], None)
    assert isinstance(dept_reviewer["department_id"], int)
    assert (leader["roles"], leader["unit_id"], leader["department_id"]) == (["leadership"], None, None)
    # applicant and applicant2 are in different units
    assert api.me("applicant")["unit_id"] == unit_reviewer["unit_id"]
    assert api.me("applicant2")["unit_id"] == api.me("unit_reviewer2")["unit_id"] != unit_reviewer["unit_id"]
    assert "password" not in str(api.me("admin")) and "hash" not in str(api.me("admin"))
    assert_error(api.client.get("/api/me"), 401)


def test_openapi_document_is_public_and_lists_the_contract(app):
    r = app.test_client().get("/api/openapi.json")
    assert r.status_code == 200
    paths = r.get_json()["paths"]
    expected = {
        "/api/auth/token": "post", "/api/me": "get",
        "/api/admin/departments": "post", "/api/admin/units": "post", "/api/admin/users": "post",
        "/api/campaigns": "get", "/api/admin/campaigns": "post",
        "/api/processes": "get", "/api/admin/processes": "post",
        "/api/processes/{process_id}/instances": "post",
        "/api/tasks": "get", "/api/tasks/{task_id}": "get",
        "/api/tasks/{task_id}/claim": "post", "/api/tasks/{task_id}/complete": "post",
        "/api/instances/{instance_id}": "get", "/api/instances/{instance_id}/withdraw": "post",
        "/api/notifications": "get", "/api/talents": "get",
    }
    for path, method in expected.items():
        assert path in paths, path
        assert method in paths[path], (path, sorted(paths[path]))
    # errors are documented as they are answered: {"message", "errors": {field: [str]}}
    components = r.get_json()["components"]
    ref = components["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"]["$ref"]
    error = components["schemas"][ref.rsplit("/", 1)[1]]
    assert set(error["properties"]) == {"message", "errors", "left_out"}, error
    assert error["properties"]["errors"]["additionalProperties"]["items"]["type"] == "string"


def test_the_api_ignores_the_web_session_cookie(api):
    """The API has no CSRF tokens, so a logged-in browser's cookie must not authorize it."""
    client = api.app.test_client()
    page = client.get("/")

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token, "the login page carries a CSRF token"
    r = client.post("/login", data={"username": "admin", "password": "demo",
                                    "csrf_token": token.group(1)})
    assert r.status_code in (200, 302, 303)
    assert client.get("/api/me").status_code == 401
    assert client.post("/api/admin/departments", json={"name": "跨站部门"}).status_code == 401
