"""Operations (CONTRACT.md "Operations"): 转办 and admin release, 回退 to any passed step,
notifications on every event, the all-cases list, drafts (暂存)."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from conftest import application_form
from flows import QUALIFICATION, submit_selection, to_leadership
from talentflow.core import notifications
from talentflow.core.models import EmailOutbox, HumanTask, Notification, User

USERS = ["applicant", "applicant2", "unit_reviewer", "unit_reviewer2",
         "department_reviewer", "org_reviewer", "hr_reviewer", "leadership", "finance", "admin"]


def open_tasks(api, instance_id, users=USERS) -> dict[str, list[str]]:
    found = {}
    for user in users:
        names = sorted(t["name"] for t in api.inbox(user) if t["instance_id"] == instance_id)
        if names:
            found[user] = names
    return found


def second_unit_reviewer(api) -> None:
    api.create_user("unit_reviewer_b", ["unit_reviewer"], unit_id=api.me("unit_reviewer")["unit_id"],
                    display_name="钱七")


def notes(api, user, kind=None):
    r = api.get("/api/notifications", user)
    assert r.status_code == 200
    return [n for n in r.get_json() if kind is None or n["kind"] == kind]


def return_to(api, instance_id, user, name, target, comment="请重新审核"):
    task = api.task_of(instance_id, user, name)
    data = {"decision": "return", "comment": comment}
    if target is not None:
        data["return_to"] = target
    return api.complete(task["id"], data, user)


# 转办 / release -------------------------------------------------------------------------------

def test_holder_reassigns_to_a_colleague_who_is_notified_once(api):
    second_unit_reviewer(api)
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    assert api.post(f"/api/tasks/{task['id']}/claim", as_user="unit_reviewer").status_code == 200
    candidates = api.get(f"/api/tasks/{task['id']}/candidates", "unit_reviewer").get_json()
    assert sorted(c["username"] for c in candidates) == ["unit_reviewer", "unit_reviewer_b"]
    before = len(notes(api, "unit_reviewer_b"))
    r = api.post(f"/api/tasks/{task['id']}/assign", {"username": "unit_reviewer_b"}, "unit_reviewer")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["assignee"] == "unit_reviewer_b"
    assigned = notes(api, "unit_reviewer_b", "assigned")
    assert len(assigned) == 1 and len(notes(api, "unit_reviewer_b")) == before + 1
    assert assigned[0]["task_id"] == task["id"] and "单位初审" in assigned[0]["message"]
    assert open_tasks(api, instance_id, USERS + ["unit_reviewer_b"]) == {
        "unit_reviewer_b": ["unit_review"]}
    # the former holder may no longer hand it on (403), a stranger does not see it (404)
    r = api.post(f"/api/tasks/{task['id']}/assign", {"username": "unit_reviewer"}, "unit_reviewer")
    assert r.status_code == 403
    r = api.post(f"/api/tasks/{task['id']}/assign", {"username": "unit_reviewer"}, "unit_reviewer2")
    assert r.status_code == 404
    r = api.post(f"/api/tasks/{task['id']}/assign", {"username": "unit_reviewer"}, "applicant2")
    assert r.status_code == 404
    # the new holder completes it
    api.review(instance_id, "unit_reviewer_b", "unit_review")
    assert open_tasks(api, instance_id, USERS + ["unit_reviewer_b"]) == {
        "department_reviewer": ["department_review"]}


def test_assign_refuses_users_without_the_role_in_scope(api):
    second_unit_reviewer(api)
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    api.post(f"/api/tasks/{task['id']}/claim", as_user="unit_reviewer")
    for username in ["unit_reviewer2",  # the role, another unit
                     "org_reviewer",  # another role
                     "applicant",  # the starter
                     "nobody-such", "", None, 5]:
        r = api.post(f"/api/tasks/{task['id']}/assign", {"username": username}, "unit_reviewer")
        assert r.status_code == 422, (username, r.get_json())
        assert "username" in r.get_json()["errors"], username
    assert api.task_of(instance_id, "unit_reviewer", "unit_review")["assignee"] == "unit_reviewer"
    assert notes(api, "unit_reviewer2", "assigned") == []


def test_unclaimed_task_may_be_assigned_by_admin_only(api):
    second_unit_reviewer(api)
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    # someone of the role who does not hold it may see it but not hand it on
    r = api.post(f"/api/tasks/{task['id']}/assign", {"username": "unit_reviewer_b"}, "unit_reviewer")
    assert r.status_code == 403
    assert api.get(f"/api/tasks/{task['id']}/candidates", "unit_reviewer").get_json() == []
    r = api.post(f"/api/tasks/{task['id']}/assign", {"username": "unit_reviewer_b"}, "admin")
    assert r.status_code == 200 and r.get_json()["assignee"] == "unit_reviewer_b"
    assert len(notes(api, "unit_reviewer_b", "assigned")) == 1
    # an applicant's own step is never handed on
    own = api.task_of(submit_selection_started(api), "applicant2", "submit_application")
    r = api.post(f"/api/tasks/{own['id']}/assign", {"username": "unit_reviewer2"}, "admin")
    assert r.status_code == 422 and "username" in r.get_json()["errors"]


def submit_selection_started(api) -> int:
    r = api.start("talent_selection", "applicant2")
    assert r.status_code == 201
    return r.get_json()["id"]


def test_admin_releases_any_claimed_task(api):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    api.post(f"/api/tasks/{task['id']}/claim", as_user="unit_reviewer")
    assert api.post(f"/api/tasks/{task['id']}/release", as_user="unit_reviewer2").status_code == 404
    r = api.post(f"/api/tasks/{task['id']}/release", as_user="admin")
    assert r.status_code == 200 and r.get_json()["assignee"] is None
    assert api.task_of(instance_id, "unit_reviewer", "unit_review")["assignee"] is None
    api.review(instance_id, "unit_reviewer", "unit_review")
    r = api.post(f"/api/tasks/{task['id']}/release", as_user="admin")
    assert r.status_code == 409


def _user_id(api, username) -> int:
    users = api.get("/api/admin/users", "admin").get_json()
    return next(u["id"] for u in users if u["username"] == username)


def _claimed_review(api) -> tuple[int, dict]:
    """A case whose unit review `unit_reviewer` has claimed; `unit_reviewer_b` is a colleague."""
    second_unit_reviewer(api)
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    assert api.post(f"/api/tasks/{task['id']}/claim", as_user="unit_reviewer").status_code == 200
    assert task["id"] not in {t["id"] for t in api.inbox("unit_reviewer_b")}
    return instance_id, task


def _gone_for_the_former_holder(api, task):
    assert task["id"] not in {t["id"] for t in api.inbox("unit_reviewer")}
    assert api.get(f"/api/tasks/{task['id']}", "unit_reviewer").status_code == 404
    r = api.post(f"/api/tasks/{task['id']}/assign", {"username": "unit_reviewer_b"}, "unit_reviewer")
    assert r.status_code == 404, r.get_json()


@pytest.mark.parametrize("change", ["role", "unit", "deactivate"])
def test_a_holder_who_may_no_longer_work_a_task_leaves_it_to_the_queue(api, change):
    instance_id, task = _claimed_review(api)
    user_id = _user_id(api, "unit_reviewer")
    if change == "deactivate":
        r = api.post(f"/api/admin/users/{user_id}/deactivate", as_user="admin")
    else:
        body = ({"roles": ["applicant"]} if change == "role"
                else {"unit_id": api.me("applicant2")["unit_id"]})
        r = api.client.patch(f"/api/admin/users/{user_id}", json=body, headers=api.headers("admin"))
    assert r.status_code == 200, r.get_json()
    if change != "deactivate":  # (a deactivated user's token no longer works at all)
        _gone_for_the_former_holder(api, task)
    back = api.task_of(instance_id, "unit_reviewer_b", "unit_review")
    assert back["id"] == task["id"] and back["assignee"] is None
    api.review(instance_id, "unit_reviewer_b", "unit_review")


def test_a_holder_whose_role_was_taken_in_the_database_no_longer_sees_the_task(api, platform):
    """Changed beside the service, the task stays claimed (no one released it) but is no
    longer the former holder's: an admin releases it to the queue."""
    instance_id, task = _claimed_review(api)
    with platform.engine.begin() as connection:
        connection.execute(text("DELETE FROM user_roles WHERE role = 'unit_reviewer' AND user_id = "
                                "(SELECT id FROM users WHERE username = 'unit_reviewer')"))
    _gone_for_the_former_holder(api, task)
    assert api.post(f"/api/tasks/{task['id']}/release", as_user="admin").status_code == 200
    api.review(instance_id, "unit_reviewer_b", "unit_review")


def test_assign_on_a_completed_task_is_a_conflict(api):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "unit_reviewer", "unit_review")
    r = api.post(f"/api/tasks/{task['id']}/assign", {"username": "unit_reviewer"}, "admin")
    assert r.status_code == 409
    assert api.post("/api/tasks/99999999999/assign", {"username": "x"}, "admin").status_code == 404


# 回退 -----------------------------------------------------------------------------------------

def test_leadership_returns_to_the_unit_review_and_the_path_runs_again(api):
    instance_id = to_leadership(api)
    targets = api.get(f"/api/tasks/{api.task_of(instance_id, 'leadership')['id']}/return-targets",
                      "leadership").get_json()
    names = [t["name"] for t in targets]
    assert names[:3] == ["submit_application", "unit_review", "department_review"]
    assert sorted(names[3:]) == ["hr_qualification_review", "org_qualification_review"]
    assert {t["name"]: t["title"] for t in targets}["unit_review"] == "单位初审"
    r = return_to(api, instance_id, "leadership", "leadership_approval", "unit_review", "单位意见不全")
    assert r.status_code == 200, r.get_json()
    # reopened for whoever did it
    assert open_tasks(api, instance_id) == {"unit_reviewer": ["unit_review"]}
    assert api.task_of(instance_id, "unit_reviewer", "unit_review")["assignee"] == "unit_reviewer"
    case = api.instance(instance_id, "applicant")
    assert case["status"] == "running"
    back = [h for h in case["history"] if h["decision"] == "return"]
    assert [(h["name"], h["return_to"], h["comment"]) for h in back] == [
        ("leadership_approval", "unit_review", "单位意见不全")]
    # the applicant is told, with the comment
    returned = notes(api, "applicant", "returned")
    assert len(returned) == 1 and "单位意见不全" in returned[0]["message"]
    # everything after the unit review runs again, to registration
    api.review(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "department_reviewer", "department_review")
    assert open_tasks(api, instance_id) == {"org_reviewer": ["org_qualification_review"],
                                            "hr_reviewer": ["hr_qualification_review"]}
    for user, name in QUALIFICATION:
        api.review(instance_id, user, name)
    api.review(instance_id, "leadership", "leadership_approval")
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "registered")
    assert len(case["history"]) == 5 + 1 + 5


def test_return_to_a_step_not_passed_is_422_and_the_task_stays_open(api):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    for target in ["leadership_approval", "unit_review", "no_such_step", "department_review", 7]:
        r = api.complete(task["id"], {"decision": "return", "comment": "x", "return_to": target},
                         "unit_reviewer")
        assert r.status_code == 422, target
        assert "return_to" in r.get_json()["errors"], target
    assert open_tasks(api, instance_id) == {"unit_reviewer": ["unit_review"]}
    # return_to is ignored for another decision; a return without it goes to the applicant
    api.review(instance_id, "unit_reviewer", "unit_review", "return", "补充材料")
    assert open_tasks(api, instance_id) == {"applicant": ["submit_application"]}


def test_return_from_a_parallel_review_drops_the_sibling(api):
    instance_id = submit_selection(api)
    api.review(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "department_reviewer", "department_review")
    hr_task = api.task_of(instance_id, "hr_reviewer", "hr_qualification_review")
    r = return_to(api, instance_id, "org_reviewer", "org_qualification_review", "department_review")
    assert r.status_code == 200, r.get_json()
    assert open_tasks(api, instance_id) == {"department_reviewer": ["department_review"]}
    r = api.complete(hr_task["id"], {"decision": "approve", "comment": ""}, "hr_reviewer")
    assert r.status_code in (404, 409)
    api.review(instance_id, "department_reviewer", "department_review")
    assert open_tasks(api, instance_id) == {"org_reviewer": ["org_qualification_review"],
                                            "hr_reviewer": ["hr_qualification_review"]}
    for user, name in QUALIFICATION:
        api.review(instance_id, user, name)
    assert open_tasks(api, instance_id) == {"leadership": ["leadership_approval"]}


def test_return_to_the_sibling_review_reopens_it(api):
    instance_id = submit_selection(api)
    api.review(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "department_reviewer", "department_review")
    api.review(instance_id, "hr_reviewer", "hr_qualification_review")
    r = return_to(api, instance_id, "org_reviewer", "org_qualification_review",
                  "hr_qualification_review", "人社局请复核学历")
    assert r.status_code == 200, r.get_json()
    assert open_tasks(api, instance_id) == {"org_reviewer": ["org_qualification_review"],
                                            "hr_reviewer": ["hr_qualification_review"]}
    assert api.task_of(instance_id, "hr_reviewer")["assignee"] == "hr_reviewer"
    for user, name in QUALIFICATION:
        api.review(instance_id, user, name)
    assert open_tasks(api, instance_id) == {"leadership": ["leadership_approval"]}


def test_explicit_return_to_the_applicant_form_from_a_parallel_review(api):
    instance_id = submit_selection(api)
    api.review(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "department_reviewer", "department_review")
    r = return_to(api, instance_id, "hr_reviewer", "hr_qualification_review", "submit_application",
                  "请补充职称证书")
    assert r.status_code == 200, r.get_json()
    assert open_tasks(api, instance_id) == {"applicant": ["submit_application"]}
    task = api.task_of(instance_id, "applicant", "submit_application")
    assert api.get(f"/api/tasks/{task['id']}", "applicant").get_json()["data"]["name"] == "张明"
    returned = notes(api, "applicant", "returned")
    assert len(returned) == 1 and "请补充职称证书" in returned[0]["message"]
    assert returned[0]["task_id"] == task["id"]
    # no separate `task` notice for the same reopened form
    assert [n for n in notes(api, "applicant", "task") if n["task_id"] == task["id"]] == []
    r = api.complete(task["id"], application_form(), "applicant")
    assert r.status_code == 200
    assert open_tasks(api, instance_id) == {"unit_reviewer": ["unit_review"]}


# Notifications -------------------------------------------------------------------------------

def test_task_notifications_follow_the_case(api, seeded):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    told = notes(api, "unit_reviewer", "task")
    assert [n["task_id"] for n in told] == [task["id"]]
    assert "张明" in told[0]["message"] and "单位初审" in told[0]["message"]
    assert notes(api, "unit_reviewer2", "task") == []  # another unit
    assert notes(api, "applicant", "task") == []  # nobody is told of their own step
    with seeded.transaction() as session:
        mails = list(session.scalars(select(EmailOutbox).where(
            EmailOutbox.to_addr == "unit_reviewer@example.test")))
        assert len(mails) == 1 and "单位初审" in mails[0].subject
    api.review(instance_id, "unit_reviewer", "unit_review")
    assert len(notes(api, "department_reviewer", "task")) == 1
    api.review(instance_id, "department_reviewer", "department_review")
    assert len(notes(api, "org_reviewer", "task")) == 1 and len(notes(api, "hr_reviewer", "task")) == 1


def test_starter_with_a_review_role_is_not_told_of_reviews_of_their_own_case(api):
    unit_id = api.me("unit_reviewer")["unit_id"]
    api.create_user("both", ["applicant", "unit_reviewer"], unit_id=unit_id, display_name="双角色")
    instance_id = submit_selection(api, "both")
    assert notes(api, "both", "task") == []
    assert len(notes(api, "unit_reviewer", "task")) == 1
    assert api.task_of(instance_id, "unit_reviewer", "unit_review")


def test_rejected_and_completed_notices(api):
    rejected = submit_selection(api)
    api.review(rejected, "unit_reviewer", "unit_review", "reject", "年度考核不符合")
    msgs = notes(api, "applicant", "rejected")
    assert len(msgs) == 1 and "年度考核不符合" in msgs[0]["message"]
    registered = to_leadership(api, "applicant2", "unit_reviewer2", "department_reviewer2")
    api.review(registered, "leadership", "leadership_approval")
    done = notes(api, "applicant2", "completed")
    assert len(done) == 1 and "已入库" in done[0]["message"]


def test_read_all_and_reminders_collapse(api, seeded):
    submit_selection(api)
    assert any(not n["read"] for n in notes(api, "unit_reviewer"))
    r = api.post("/api/notifications/read-all", as_user="unit_reviewer")
    assert r.status_code == 200
    assert all(n["read"] for n in notes(api, "unit_reviewer"))
    assert api.post("/api/notifications/read-all", as_user="unit_reviewer").status_code == 200
    with seeded.transaction() as session:
        user = session.scalar(select(User).where(User.username == "unit_reviewer"))
        task = session.scalar(select(HumanTask).where(HumanTask.name == "unit_review"))
        for day in (1, 2, 3):
            notifications.notify(session, user, "reminder", f"提醒 {day}", task_id=task.id)
    reminders = notes(api, "unit_reviewer", "reminder")
    assert len(reminders) == 1 and reminders[0]["message"] == "提醒 3" and not reminders[0]["read"]
    with seeded.transaction() as session:
        assert session.scalar(select(Notification.id).where(Notification.kind == "reminder")
                              .offset(1).limit(1)) is None
        assert len(list(session.scalars(select(EmailOutbox).where(
            EmailOutbox.subject.contains("提醒"))))) == 3


# All cases -------------------------------------------------------------------------------------

def test_all_cases_scope_filters_and_paging(api):
    first = submit_selection(api)
    second = submit_selection(api, "applicant2", name="李娟")
    r = api.get("/api/instances", "admin")
    assert r.status_code == 200
    rows = r.get_json()
    assert [row["id"] for row in rows] == [second, first]  # newest first
    assert set(rows[0]) == {"id", "process_id", "version", "status", "outcome", "applicant_name",
                            "unit_id", "current_tasks", "created_at"}
    assert rows[1]["current_tasks"] == ["unit_review"] and rows[1]["applicant_name"] == "张明"
    for district in ["org_reviewer", "hr_reviewer", "leadership"]:
        assert {row["id"] for row in api.get("/api/instances", district).get_json()} == {first, second}
    assert [row["id"] for row in api.get("/api/instances", "applicant").get_json()] == [first]
    assert [row["id"] for row in api.get("/api/instances", "unit_reviewer2").get_json()] == [second]
    assert api.get("/api/instances", "finance").get_json() == []
    unit_id = api.me("applicant")["unit_id"]
    assert [row["id"] for row in api.get(f"/api/instances?unit_id={unit_id}", "admin").get_json()] \
        == [first]
    assert [row["id"] for row in api.get("/api/instances?q=%E5%BC%A0", "admin").get_json()] == [first]
    assert api.get("/api/instances?q=%25", "admin").get_json() == []
    assert api.get("/api/instances?process_id=reward_application", "admin").get_json() == []
    assert len(api.get("/api/instances?status=running", "admin").get_json()) == 2
    assert api.get("/api/instances?status=completed", "admin").get_json() == []
    assert [row["id"] for row in api.get("/api/instances?limit=1&offset=1", "admin").get_json()] \
        == [first]
    for bad in ["status=done", "unit_id=abc", "unit_id=-1", "unit_id=99999999999"]:
        assert api.get(f"/api/instances?{bad}", "admin").status_code == 400, bad
    for clamped in ["limit=-5", "limit=abc", "limit=100000", "offset=-1", "offset=1e99"]:
        assert api.get(f"/api/instances?{clamped}", "admin").status_code == 200, clamped


# Drafts ----------------------------------------------------------------------------------------

def test_draft_is_kept_per_user_and_dropped_on_submission(api):
    r = api.start("talent_selection", "applicant")
    instance_id = r.get_json()["id"]
    task = api.task_of(instance_id, "applicant", "submit_application")
    path = f"/api/tasks/{task['id']}/draft"
    assert api.get(path, "applicant").get_json()["data"] == {}
    r = api.client.put(path, json={"data": {"name": "张明", "service_years": "5"}},
                       headers=api.headers("applicant"))
    assert r.status_code == 200, r.get_json()
    assert api.get(path, "applicant").get_json()["data"] == {"name": "张明", "service_years": "5"}
    assert api.get(path, "applicant2").status_code == 404
    r = api.client.put(path, json={"data": {"x": "a\u0000"}}, headers=api.headers("applicant"))
    assert r.status_code == 422
    assert api.complete(task["id"], application_form(), "applicant").status_code == 200
    r = api.client.put(path, json={"data": {"name": "x"}}, headers=api.headers("applicant"))
    assert r.status_code == 409
    assert api.get(path, "applicant").get_json()["data"] == {}


def test_reviewer_draft_needs_the_task(api):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    path = f"/api/tasks/{task['id']}/draft"
    r = api.client.put(path, json={"data": {"comment": "初步意见"}}, headers=api.headers("unit_reviewer"))
    assert r.status_code == 200
    r = api.client.put(path, json={"data": {"comment": "x"}}, headers=api.headers("unit_reviewer2"))
    assert r.status_code == 404
    r = api.client.delete(path, headers=api.headers("unit_reviewer"))
    assert r.status_code == 200 and api.get(path, "unit_reviewer").get_json()["data"] == {}


# Who may start what ---------------------------------------------------------------------------

def test_a_user_without_a_unit_cannot_start_a_selection_case(api):
    for username in ["finance", "leadership", "admin", "org_reviewer"]:
        r = api.start("talent_selection", username)
        assert r.status_code == 403, username
        assert "单位" in r.get_json()["message"] and "unit_id" in r.get_json()["errors"]
    assert api.get("/api/instances", "admin").get_json() == []
    assert api.start("talent_selection", "applicant").status_code == 201


def test_reward_payment_returned_to_one_parallel_rereview(api):
    """回退 across the reward's parallel org/HR re-reviews: finance sends the case back to the
    organisation department's re-review only; the path after it (join, leadership, payment)
    runs again and the case is paid once."""
    from test_rewards import FORMS
    from flows import register_talent
    register_talent(api)
    r = api.start("reward_application", "applicant")
    instance_id = r.get_json()["id"]
    task = api.task_of(instance_id, "applicant", "submit_reward_application")
    assert api.complete(task["id"], dict(FORMS["title"]), "applicant").status_code == 200
    api.review(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "department_reviewer", "department_review")
    api.review(instance_id, "org_reviewer", "org_rereview")
    api.review(instance_id, "hr_reviewer", "hr_rereview")
    api.review(instance_id, "leadership", "leadership_approval")
    r = return_to(api, instance_id, "finance", "fund_payment", "org_rereview", "请组织部复核")
    assert r.status_code == 200, r.get_json()
    assert open_tasks(api, instance_id) == {"org_reviewer": ["org_rereview"]}
    api.review(instance_id, "org_reviewer", "org_rereview")
    assert open_tasks(api, instance_id) == {"leadership": ["leadership_approval"]}
    api.review(instance_id, "leadership", "leadership_approval")
    api.review(instance_id, "finance", "fund_payment")
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "paid")
    assert len(notes(api, "applicant", "completed")) == 2  # registration, then the payment
