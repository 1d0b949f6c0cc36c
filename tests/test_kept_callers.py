"""An action may start with the caller this process kept from an earlier request
(http/callers.py) instead of reading them again; it is confirmed against the directory's
revision before the action commits or answers. Whatever changed meanwhile — a role taken
away, the user deactivated, the token logged out, from this process or straight in the
database — the action sees it, and an unrelated change costs a second run, never a second
effect."""
from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import event, func, select, text

from flows import submit_selection
from talentflow.models import HistoryEvent, User

REVIEW = {"decision": "approve", "comment": "同意"}


def _statements(platform, wanted=lambda _sql: True):
    """The statements run while the block runs (those `wanted`)."""
    seen = []

    def listen(_conn, _cursor, statement, _params, _context, _many):
        if wanted(statement):
            seen.append(statement)
    event.listen(platform.engine, "before_cursor_execute", listen)
    return seen, lambda: event.remove(platform.engine, "before_cursor_execute", listen)


def _review_watched(api, platform, task_id):
    """The unit review `task_id` completed, and the statements it ran."""
    seen, stop = _statements(platform)
    try:
        response = api.complete(task_id, REVIEW, "unit_reviewer")
    finally:
        stop()
    return response, seen


def _review_of(api, case_id) -> int:
    """(Reading the inbox reads the caller: done before a change the test makes.)"""
    return api.task_of(case_id, "unit_reviewer", "unit_review")["id"]


def _users_reads(seen) -> list[str]:
    """Reads of the caller's row (a new task's recipients are read by role, not by id)."""
    return [sql for sql in seen if "FROM users" in sql and "WHERE users.id = " in sql]


def _kept_reviewer(api, count: int) -> list[int]:
    """`count` + 1 cases; the unit reviewer reviews the first (read, and kept): the others."""
    first, *others = _cases(api, count + 1)
    api.review(first, "unit_reviewer", "unit_review")
    return others


def _in_database(platform, sql, **params):
    """A change made beside the service (another process, an operator's SQL)."""
    with platform.engine.begin() as connection:
        connection.execute(text(sql), params)


def _history(platform, case_id, name):
    with platform.transaction() as session:
        return session.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.instance_id == case_id, HistoryEvent.task_name == name))


def _cases(api, count: int) -> list[int]:
    """`count` selection cases of the unit reviewer's unit (one applicant each)."""
    unit_id = api.me("unit_reviewer")["unit_id"]
    applicants = ["applicant"] + [api.create_user(f"applicant_{i}", ["applicant"], unit_id=unit_id)
                                  and f"applicant_{i}" for i in range(1, count)]
    return [submit_selection(api, applicant) for applicant in applicants]


def _user_id(platform, username):
    with platform.transaction() as session:
        return session.scalar(select(User.id).where(User.username == username))


def test_an_action_by_a_caller_seen_before_does_not_read_them_again(api, platform):
    (case,) = _kept_reviewer(api, 1)
    r, seen = _review_watched(api, platform, _review_of(api, case))
    assert r.status_code == 200, r.get_json()
    assert _users_reads(seen) == [], seen
    assert _history(platform, case, "unit_review") == 1


def test_a_role_taken_away_in_the_database_stops_the_next_action(api, platform):
    (case,) = _kept_reviewer(api, 1)
    task = api.task_of(case, "unit_reviewer", "unit_review")
    _in_database(platform, "DELETE FROM user_roles WHERE user_id = :id AND role = 'unit_reviewer'",
                 id=_user_id(platform, "unit_reviewer"))
    r = api.complete(task["id"], REVIEW, "unit_reviewer")
    assert r.status_code in (403, 404), r.get_json()
    assert _history(platform, case, "unit_review") == 0


def test_a_caller_deactivated_meanwhile_gets_401_even_for_a_refused_body(api, platform):
    (case,) = _kept_reviewer(api, 1)
    task = api.task_of(case, "unit_reviewer", "unit_review")
    _in_database(platform, "UPDATE users SET active = false WHERE username = 'unit_reviewer'")
    refused_body = api.post(f"/api/tasks/{task['id']}/complete", {"data": {"x": "\x00"}},
                            "unit_reviewer")
    assert refused_body.status_code == 401, refused_body.get_json()
    r = api.complete(task["id"], REVIEW, "unit_reviewer")
    assert r.status_code == 401, r.get_json()
    assert _history(platform, case, "unit_review") == 0


def test_a_logged_out_token_is_refused_by_the_next_action(api, platform):
    (case,) = _kept_reviewer(api, 1)
    task = api.task_of(case, "unit_reviewer", "unit_review")
    token = api.token("unit_reviewer")
    r = api.post("/api/auth/logout", None, "unit_reviewer")
    assert r.status_code in (200, 204), r.get_json()
    r = api.client.post(f"/api/tasks/{task['id']}/complete", json={"data": REVIEW},
                        headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, r.get_json()
    assert _history(platform, case, "unit_review") == 0


def _lock_reads(seen) -> int:
    return len([sql for sql in seen if "FROM instances" in sql or "talentflow_open_tasks" in sql])


def test_a_change_to_someone_else_costs_one_read_not_a_second_run(api, platform):
    plain, after_change = _kept_reviewer(api, 2)
    tasks = [_review_of(api, case) for case in (plain, after_change)]
    once = _lock_reads(_review_watched(api, platform, tasks[0])[1])
    _in_database(platform, "UPDATE users SET display_name = '改名' WHERE username = 'org_reviewer'")
    r, seen = _review_watched(api, platform, tasks[1])
    assert r.status_code == 200, r.get_json()
    assert len(_users_reads(seen)) == 1, "compared once"
    assert _lock_reads(seen) == once, "not run a second time"
    assert _history(platform, after_change, "unit_review") == 1


def test_a_change_to_the_caller_runs_the_action_again_with_one_effect(api, platform):
    plain, after_change, next_one = _kept_reviewer(api, 3)
    tasks = [_review_of(api, case) for case in (plain, after_change, next_one)]
    once = _lock_reads(_review_watched(api, platform, tasks[0])[1])
    _in_database(platform, "UPDATE users SET display_name = '新名字' WHERE username = 'unit_reviewer'")
    r, seen = _review_watched(api, platform, tasks[1])
    assert r.status_code == 200, r.get_json()
    assert _lock_reads(seen) == 2 * once, "run again"
    assert _history(platform, after_change, "unit_review") == 1
    # kept again, as read afresh: the next action reads nobody
    r, seen = _review_watched(api, platform, tasks[2])
    assert r.status_code == 200 and _users_reads(seen) == []


def test_an_upload_after_a_directory_change_keeps_its_file(api, platform):
    """An upload reads its caller afresh (an action run again could not read its body again)."""
    import io
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    case_id = api.start("talent_selection", "applicant").get_json()["id"]  # the caller kept
    _in_database(platform, "UPDATE users SET display_name = '改名' WHERE username = 'org_reviewer'")
    r = api.client.post(f"/api/instances/{case_id}/attachments",
                        data={"file": (io.BytesIO(pdf), "证书.pdf")},
                        headers=api.headers("applicant"), content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["size"] == len(pdf)


def _inbox_watched(api, platform, user="unit_reviewer"):
    """The user's inbox (status, case ids) and the statements it ran."""
    seen, stop = _statements(platform)
    try:
        r = api.get("/api/tasks", user)
    finally:
        stop()
    cases = {t["instance_id"] for t in r.get_json()} if r.status_code == 200 else None
    return r, cases, seen


def test_the_inbox_of_a_caller_seen_before_is_one_statement(api, platform):
    (case,) = _kept_reviewer(api, 1)
    r, cases, seen = _inbox_watched(api, platform)
    assert r.status_code == 200 and case in cases, r.get_json()
    assert _users_reads(seen) == [], seen
    assert len([sql for sql in seen if not sql.startswith("BEGIN")]) == 1, seen


def test_the_inbox_follows_a_role_taken_away_in_the_database(api, platform):
    (case,) = _kept_reviewer(api, 1)
    assert case in _inbox_watched(api, platform)[1]
    _in_database(platform, "DELETE FROM user_roles WHERE user_id = :id AND role = 'unit_reviewer'",
                 id=_user_id(platform, "unit_reviewer"))
    r, cases, seen = _inbox_watched(api, platform)
    assert r.status_code == 200 and case not in cases, r.get_json()
    assert len(_users_reads(seen)) >= 1, "the caller read afresh"


def test_the_inbox_of_a_caller_deactivated_meanwhile_is_refused(api, platform):
    _kept_reviewer(api, 1)
    _in_database(platform, "UPDATE users SET active = false WHERE username = 'unit_reviewer'")
    assert _inbox_watched(api, platform)[0].status_code == 401


def test_an_empty_inbox_confirms_its_kept_caller_too(api, platform):
    _kept_reviewer(api, 0)  # the only case reviewed: nothing left in the inbox
    assert _inbox_watched(api, platform)[1] == set()
    _in_database(platform, "UPDATE users SET active = false WHERE username = 'unit_reviewer'")
    assert _inbox_watched(api, platform)[0].status_code == 401


def test_a_change_to_someone_else_leaves_the_inbox_as_it_was(api, platform):
    (case,) = _kept_reviewer(api, 1)
    before = _inbox_watched(api, platform)[1]
    _in_database(platform, "UPDATE users SET display_name = '改名' WHERE username = 'org_reviewer'")
    r, cases, seen = _inbox_watched(api, platform)
    assert r.status_code == 200 and cases == before and case in cases
    assert len(_users_reads(seen)) == 1, "compared once"


def _read_watched(api, platform, path, user="unit_reviewer"):
    """GET `path` as `user`: the answer and the statements it ran."""
    seen, stop = _statements(platform)
    try:
        r = api.get(path, user)
    finally:
        stop()
    return r, seen


def _task_watched(api, platform, task_id):
    return _read_watched(api, platform, f"/api/tasks/{task_id}")


def test_a_task_opened_by_a_caller_seen_before_does_not_read_them_again(api, platform):
    (case,) = _kept_reviewer(api, 1)
    task = _review_of(api, case)
    r, seen = _task_watched(api, platform, task)
    assert r.status_code == 200 and r.get_json()["data"]["name"], r.get_json()
    assert _users_reads(seen) == [], seen
    assert len([sql for sql in seen if not sql.startswith("BEGIN")]) == 2, seen  # task, case


def test_a_task_opened_after_the_role_was_taken_away_is_not_found(api, platform):
    (case,) = _kept_reviewer(api, 1)
    task = _review_of(api, case)
    assert _task_watched(api, platform, task)[0].status_code == 200
    _in_database(platform, "DELETE FROM user_roles WHERE user_id = :id AND role = 'unit_reviewer'",
                 id=_user_id(platform, "unit_reviewer"))
    r, seen = _task_watched(api, platform, task)
    assert r.status_code == 404, r.get_json()
    assert len(_users_reads(seen)) >= 1, "the caller read afresh"


def _case_watched(api, platform, case_id, path=""):
    return _read_watched(api, platform, f"/api/instances/{case_id}{path}")


def test_a_case_opened_by_a_caller_seen_before_does_not_read_them_again(api, platform):
    (case,) = _kept_reviewer(api, 1)
    r, seen = _case_watched(api, platform, case)
    assert r.status_code == 200 and r.get_json()["history"], r.get_json()
    assert _users_reads(seen) == [], seen
    r, seen = _case_watched(api, platform, case, path="/attachments")
    assert r.status_code == 200 and _users_reads(seen) == [], seen


def test_a_case_opened_after_the_caller_moved_to_another_unit_is_not_found(api, platform):
    (case,) = _kept_reviewer(api, 1)
    assert _case_watched(api, platform, case)[0].status_code == 200
    _in_database(platform, "UPDATE users SET unit_id = NULL WHERE username = 'unit_reviewer'")
    for path in ("", "/attachments"):
        r, seen = _case_watched(api, platform, case, path=path)
        assert r.status_code == 404, (path, r.get_json())


def test_the_done_list_of_a_caller_seen_before_is_one_statement(api, platform):
    (case,) = _kept_reviewer(api, 1)
    api.review(case, "unit_reviewer", "unit_review")
    r, seen = _read_watched(api, platform, "/api/tasks/done")
    assert r.status_code == 200 and case in {t["instance_id"] for t in r.get_json()}, r.get_json()
    assert _users_reads(seen) == [], seen
    assert len([sql for sql in seen if not sql.startswith("BEGIN")]) == 1, seen
    _in_database(platform, "UPDATE users SET active = false WHERE username = 'unit_reviewer'")
    assert _read_watched(api, platform, "/api/tasks/done")[0].status_code == 401


def _revision(platform):
    with platform.engine.connect() as connection:
        return connection.execute(text("SELECT n FROM directory_revision")).scalar()


def _unrelated_change(platform):
    _in_database(platform, "UPDATE users SET display_name = display_name WHERE username = 'admin'")


def test_a_deleted_revision_row_never_brings_a_kept_revision_back(api, platform):
    """A count re-created at 1 climbed back through the old values: the change that reached
    the kept caller's number again was trusted as no change at all."""
    (case,) = _kept_reviewer(api, 1)
    task = api.task_of(case, "unit_reviewer", "unit_review")
    kept = _revision(platform)
    _in_database(platform, "DELETE FROM directory_revision")
    current = None
    for _ in range(300):
        if current == kept - 1:  # a count would come back to `kept` with the next change
            break
        _unrelated_change(platform)
        current = _revision(platform)
    _in_database(platform, "UPDATE users SET active = false WHERE username = 'unit_reviewer'")
    assert _revision(platform) != kept
    r = api.complete(task["id"], REVIEW, "unit_reviewer")
    assert r.status_code == 401, r.get_json()
    assert _history(platform, case, "unit_review") == 0


def test_a_revision_read_in_a_change_rolled_back_is_never_the_next_one(api, platform):
    """A transaction reads the revision its own change raised (and may cache by it), then
    rolls back: the next committed change must not arrive at the same value."""
    with platform.engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("UPDATE users SET active = false WHERE username = 'unit_reviewer'"))
        inside = connection.execute(text("SELECT n FROM directory_revision")).scalar()
        transaction.rollback()
    _unrelated_change(platform)
    assert _revision(platform) not in (inside, None)


def test_a_chunked_upload_by_a_caller_changed_meanwhile_stores_one_file(api, platform):
    """Without a Content-Length (Transfer-Encoding: chunked) an upload still reads its caller
    afresh: run again for a changed caller, it found its file already read (422 "empty file")
    after storing it once for nothing."""
    boundary = "tfboundary"
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"cert.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode() \
        + pdf + f"\r\n--{boundary}--\r\n".encode()
    case_id = api.start("talent_selection", "applicant").get_json()["id"]  # the caller kept
    uploads = Path(platform.config["UPLOAD_DIR"])
    before = len(list(uploads.glob("*"))) if uploads.exists() else 0
    _in_database(platform, "UPDATE users SET display_name = '改名' WHERE username = 'applicant'")
    r = api.client.post(f"/api/instances/{case_id}/attachments", input_stream=io.BytesIO(body),
                        headers={**api.headers("applicant"), "Transfer-Encoding": "chunked",
                                 "Content-Type": f"multipart/form-data; boundary={boundary}"},
                        environ_overrides={"wsgi.input_terminated": True})  # as gunicorn says
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["size"] == len(pdf)
    assert len(list(uploads.glob("*"))) == before + 1
