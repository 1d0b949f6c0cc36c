"""One transaction per action under contention, and return-for-correction without growth."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from conftest import application_form
from flows import submit_selection
from talentflow.models import HistoryEvent, Instance


def test_concurrent_completions_of_one_task_give_one_success(api, platform):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    for name in ("unit_reviewer_b", "unit_reviewer_c", "unit_reviewer_d"):
        api.create_user(name, ["unit_reviewer"], unit_id=api.me("unit_reviewer")["unit_id"])
    users = ["unit_reviewer", "unit_reviewer_b", "unit_reviewer_c", "unit_reviewer_d"]
    headers = {u: api.headers(u) for u in users}
    barrier = threading.Barrier(len(users))
    statuses = {}

    def act(user):
        client = api.app.test_client()
        barrier.wait()
        r = client.post(f"/api/tasks/{task['id']}/complete", headers=headers[user],
                        json={"data": {"decision": "approve", "comment": user}})
        statuses[user] = r.status_code

    threads = [threading.Thread(target=act, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses.values()) == [200, 409, 409, 409], statuses
    history = api.instance(instance_id, "applicant")["history"]
    assert [h["name"] for h in history].count("unit_review") == 1
    # the case moved on exactly once: one department review is waiting
    assert len([t for t in api.inbox("department_reviewer") if t["instance_id"] == instance_id]) == 1


def test_second_completion_after_the_first_is_a_conflict(api):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    assert api.complete(task["id"], {"decision": "approve"}, "unit_reviewer").status_code == 200
    r = api.complete(task["id"], {"decision": "approve"}, "unit_reviewer")
    assert r.status_code == 409


def test_120_return_cycles_keep_the_case_the_same_size(api, platform):
    instance_id = submit_selection(api)
    sizes = []
    for cycle in range(120):
        api.review(instance_id, "unit_reviewer", "unit_review", "return", f"第{cycle + 1}次退回：请补充材料")
        task = api.task_of(instance_id, "applicant", "submit_application")
        r = api.complete(task["id"], application_form(name=f"张明{cycle}"), "applicant")
        assert r.status_code == 200, r.get_json()
        if cycle in (0, 119):
            with platform.sessions() as session:
                sizes.append(len(session.get(Instance, instance_id).state))
    # the saved state does not grow with the number of round trips
    assert sizes[1] <= sizes[0] * 1.2, sizes
    api.review(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "department_reviewer", "department_review")
    api.review(instance_id, "org_reviewer", "org_qualification_review")
    api.review(instance_id, "hr_reviewer", "hr_qualification_review")
    api.review(instance_id, "leadership", "leadership_approval")
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "registered")
    assert case["data"]["name"] == "张明119"
    with platform.sessions() as session:
        returns = session.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.decision == "return"))
    assert returns == 120


def test_two_simultaneous_selection_starts_by_one_person_give_one_case(api):
    headers = api.headers("applicant")
    barrier = threading.Barrier(2)
    statuses = []

    def start():
        client = api.app.test_client()
        barrier.wait()
        r = client.post("/api/processes/talent_selection/instances", json={"data": {}}, headers=headers)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 409]
    assert len(api.get("/api/instances", "applicant").get_json()) == 1


def test_an_action_that_waited_for_the_case_sees_what_the_holder_committed(api, platform):
    """A completion that waits for the case's lock while another action holds it reads the
    case's tasks as that action left them: a claim committed meanwhile is seen (409, someone
    else holds the task), not the tasks as they stood when the completion asked. On
    PostgreSQL the lock and the read are one statement (core/case_locks.py)."""
    from sqlalchemy import update
    from talentflow.models import HumanTask
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    other = api.create_user("unit_reviewer_b", ["unit_reviewer"],
                            unit_id=api.me("unit_reviewer")["unit_id"])
    headers = api.headers("unit_reviewer")
    answer = {}

    def complete():
        answer["response"] = api.app.test_client().post(
            f"/api/tasks/{task['id']}/complete", headers=headers,
            json={"data": {"decision": "approve", "comment": "同意"}})

    with platform.engine.connect() as holder:
        holder.begin()
        if platform.engine.dialect.name == "postgresql":  # SQLite: the write below locks
            holder.execute(select(Instance.id).where(Instance.id == instance_id).with_for_update())
        holder.execute(update(HumanTask).where(HumanTask.id == task["id"]).values(assignee_id=other))
        waiting = threading.Thread(target=complete)
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive(), "the completion waits for the case"
        holder.commit()
    waiting.join(timeout=30)
    response = answer["response"]
    assert response.status_code == 409, response.get_json()
    assert "他人签收" in response.get_json()["message"]
    with platform.transaction() as session:
        row = session.get(HumanTask, task["id"])
        assert (row.status, row.assignee_id) == ("ready", other)
