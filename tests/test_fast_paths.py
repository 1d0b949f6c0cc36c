"""The busiest answers skip the response schema (service/http/plain_json.py): they must still be
exactly the documented TaskOut documents that the schema writes for the same task."""
from __future__ import annotations

from flows import submit_selection

TASK_OUT_FIELDS = {"id", "instance_id", "process_id", "name", "title", "role", "assignee",
                   "applicant_name", "status", "created_at", "due_at", "completed_at", "decision"}


def _as_schema_writes_it(api, task_id, user):
    r = api.get(f"/api/tasks/{task_id}", user)  # the marshmallow-dumped TaskDetailOut
    assert r.status_code == 200, r.get_json()
    return {k: v for k, v in r.get_json().items() if k in TASK_OUT_FIELDS}


def test_inbox_rows_equal_the_schema_documents(api):
    instance_id = submit_selection(api, "applicant")
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    assert task["assignee"] is None
    for claimed in (False, True):  # unclaimed, then held by the reviewer
        if claimed:
            r = api.post(f"/api/tasks/{task['id']}/claim", as_user="unit_reviewer")
            assert r.status_code == 200
        inbox = api.inbox("unit_reviewer")
        assert any(t["id"] == task["id"] for t in inbox)
        for item in inbox:
            assert set(item) == TASK_OUT_FIELDS
            assert item == _as_schema_writes_it(api, item["id"], "unit_reviewer")
    held = next(t for t in inbox if t["id"] == task["id"])
    assert held["assignee"] == "unit_reviewer" and held["due_at"] is not None
    # an applicant's own step: assigned to them, no role
    mine = api.inbox("applicant")
    for item in mine:
        assert item == _as_schema_writes_it(api, item["id"], "applicant")


def test_done_rows_equal_the_schema_documents(api):
    instance_id = submit_selection(api, "applicant")
    api.review(instance_id, "unit_reviewer", "unit_review", decision="approve", comment="同意")
    done = api.get("/api/tasks/done", "unit_reviewer").get_json()
    assert done and done[0]["decision"] == "approve" and done[0]["completed_at"]
    for item in done:
        assert set(item) == TASK_OUT_FIELDS
        assert item == _as_schema_writes_it(api, item["id"], "unit_reviewer")


def test_a_completions_answer_equals_the_schema_document(api):
    instance_id = submit_selection(api, "applicant")
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    answer = api.complete(task["id"], {"decision": "approve", "comment": "同意"},
                          "unit_reviewer").get_json()
    assert set(answer) == TASK_OUT_FIELDS and answer["status"] == "completed"
    assert answer == _as_schema_writes_it(api, task["id"], "unit_reviewer")


def test_server_timing_reports_the_hot_instance_cache_only_when_asked(platform, seeded):
    from conftest import ApiClient
    from talentflow.app import create_app
    quiet = ApiClient(create_app(platform=platform))
    instance_id = submit_selection(quiet)
    assert "Server-Timing" not in quiet.get("/api/tasks", "unit_reviewer").headers
    platform.config["SERVER_TIMING"] = True
    try:
        timed = ApiClient(create_app(platform=platform))
        task = timed.task_of(instance_id, "unit_reviewer", "unit_review")
        r = timed.complete(task["id"], {"decision": "approve", "comment": "同意"}, "unit_reviewer")
        assert r.status_code == 200
        # the submission above was saved by this process: the review finds it in memory
        assert r.headers["Server-Timing"].startswith("app;dur=")
        assert r.headers["Server-Timing"].endswith('hot-cache;desc="hits=1 misses=0"')
        platform.runtime._cache.clear()
        task = timed.task_of(instance_id, "department_reviewer", "department_review")
        r = timed.complete(task["id"], {"decision": "approve", "comment": "同意"},
                           "department_reviewer")
        assert r.headers["Server-Timing"].endswith('hot-cache;desc="hits=0 misses=1"')
    finally:
        platform.config["SERVER_TIMING"] = False


def test_a_task_reads_its_case_once(api, platform):
    """The task's form and the case data it shows come from one read of the case: the session
    holds a loaded row only while something refers to it, and the form's lookup and the data's
    each read the case again."""
    from sqlalchemy import event
    instance_id = submit_selection(api, "applicant")
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    statements = []
    listener = lambda _c, _cur, sql, *_a: statements.append(sql)  # noqa: E731
    event.listen(platform.engine, "before_cursor_execute", listener)
    try:
        r = api.get(f"/api/tasks/{task['id']}", "unit_reviewer")
    finally:
        event.remove(platform.engine, "before_cursor_execute", listener)
    assert r.status_code == 200
    body = r.get_json()
    assert body["form"]["properties"] and body["data"]["name"]  # the review form, the application
    case_reads = [sql for sql in statements if "FROM instances" in sql]
    assert len(case_reads) == 1, case_reads
