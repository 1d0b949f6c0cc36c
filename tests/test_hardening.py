"""The security and fault review's findings (issue 9), one test each: every bad input gets a
clear 4xx, and nothing in the product can be turned against its users."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conftest import USER_PASSWORD, application_form
from designer_helpers import WORKFLOWS, deploy, one_rule_dmn
from flows import register_talent, submit_selection
from test_web_pages import Browser, text


def script_process(process_id: str, script: str, task_name: str = "填写") -> str:
    """A minimal executable diagram: a script task, then one user task for the starter."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="{process_id}" name="测试流程" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute" name="计算"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="fill" name="{task_name}"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="fill"/>
    <bpmn:sequenceFlow id="f3" sourceRef="fill" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def web(app, seeded):
    def login(username, password="demo"):
        browser = Browser(app)
        assert browser.login(username, password).status_code == 302
        return browser
    return login


# 1. open redirect ---------------------------------------------------------------------------

@pytest.mark.parametrize("target, lands", [
    ("/\t/evil.example/phish", "/"), ("//evil.example", "/"), ("/\\evil.example", "/"),
    ("https://evil.example/", "/"), ("/\n/evil.example", "/"), ("javascript:alert(1)", "/"),
    ("/my", "/my"), ("/tasks/1?x=1", "/tasks/1?x=1"),
])
def test_login_follows_next_only_to_a_path_of_this_site(app, seeded, target, lands):
    browser = Browser(app)
    browser.get("/")
    response = browser.post("/login", {"username": "applicant", "password": "demo", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == lands


# 2. formula injection in the Excel export ------------------------------------------------------

def test_excel_export_stores_formula_like_text_as_plain_text(api, web):
    register_talent(api, name='=HYPERLINK("http://evil.example","x")')
    export = web("hr_reviewer").get("/talents.xlsx")
    cell = load_workbook(io.BytesIO(export.data)).active["A2"]
    assert cell.value == '=HYPERLINK("http://evil.example","x")'
    assert cell.data_type == "s"  # a string, not a formula


# 3. login throttling, password length ----------------------------------------------------------

def test_ten_failed_logins_lock_the_username_for_the_window(api):
    for _ in range(10):
        r = api.client.post("/api/auth/token", json={"username": "applicant", "password": "wrong"})
        assert r.status_code == 401
    locked = api.client.post("/api/auth/token", json={"username": "applicant", "password": "demo"})
    assert locked.status_code == 429 and 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert locked.is_json and locked.get_json()["message"]
    # another user is not affected
    assert api.client.post("/api/auth/token", json={"username": "applicant2",
                                                    "password": "demo"}).status_code == 200


def test_web_login_says_so_in_chinese_when_locked(app, seeded):
    browser = Browser(app)
    browser.get("/")
    for _ in range(10):
        assert browser.post("/login", {"username": "admin", "password": "nope"}).status_code == 401
    locked = browser.post("/login", {"username": "admin", "password": "demo"})
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    assert "登录失败次数过多" in text(locked)


def test_the_lock_ends_when_the_window_has_passed(api, platform):
    from talentflow.models import LoginFailure
    with platform.transaction() as session:
        old = platform.now() - timedelta(minutes=16)
        for _ in range(10):
            session.add(LoginFailure(username="applicant", at=old))
    assert api.client.post("/api/auth/token", json={"username": "applicant",
                                                    "password": "demo"}).status_code == 200


def test_passwords_under_eight_characters_are_refused(api, platform, monkeypatch, tmp_path):
    r = api.post("/api/admin/users", {"username": "shorty", "password": "1234567",
                                      "display_name": "短", "roles": ["applicant"]}, "admin")
    assert r.status_code == 422 and "password" in r.get_json()["errors"]
    from talentflow.cli import main
    monkeypatch.setenv("TALENTFLOW_DATABASE_URL", platform.config["DATABASE_URL"])
    result = CliRunner().invoke(main, ["create-user", "shorty", "--password", "short",
                                       "--role", "applicant"])
    assert result.exit_code != 0 and "8" in result.output


# 4. separation of duties; system-started processes ---------------------------------------------

def test_the_starter_never_reviews_their_own_case(api):
    r = api.start("reward_application", "unit_reviewer")
    instance_id = r.get_json()["id"]
    form = api.task_of(instance_id, "unit_reviewer", "submit_reward_application")
    assert api.complete(form["id"], {"reward_type": "platform", "platform_level": "provincial"},
                        "unit_reviewer").status_code == 200
    # the review is open, but not in the filer's inbox, and the filer may not work it
    assert not [t for t in api.inbox("unit_reviewer") if t["instance_id"] == instance_id]
    from talentflow.models import HumanTask
    with api.app.extensions["talentflow"].transaction() as session:
        task_id = session.query(HumanTask.id).filter_by(instance_id=instance_id,
                                                        name="unit_review", status="ready").scalar()
    assert task_id is not None
    assert api.complete(task_id, {"decision": "approve", "comment": "同意"},
                        "unit_reviewer").status_code == 403
    assert api.post(f"/api/tasks/{task_id}/claim", None, "unit_reviewer").status_code == 403
    # a colleague of the same unit may
    api.create_user("colleague", ["unit_reviewer"], unit_id=api.me("unit_reviewer")["unit_id"])
    assert api.complete(task_id, {"decision": "approve", "comment": "同意"},
                        "colleague").status_code == 200


def test_annual_evaluation_is_started_only_by_the_service(api):
    r = api.start("annual_evaluation", "applicant")
    assert r.status_code == 403
    assert api.get("/api/instances", "applicant").get_json() == []


# 5. impossible dates -----------------------------------------------------------------------------

@pytest.mark.parametrize("field, overrides", [
    ("birth_date", {"birth_date": "2090-01-01"}),
    ("work_start_date", {"work_start_date": (date.today() + timedelta(days=30)).isoformat()}),
    ("work_start_date", {"work_start_date": "1900-01-01"}),
    ("work_start_date", {"birth_date": "1990-05-01", "work_start_date": "2006-04-30"}),
])
def test_impossible_dates_are_refused_on_their_field(api, field, overrides):
    r = api.start("talent_selection", "applicant")
    instance_id = r.get_json()["id"]
    task = api.task_of(instance_id, "applicant", "submit_application")
    r = api.complete(task["id"], application_form(**overrides), "applicant")
    assert r.status_code == 422 and field in r.get_json()["errors"], r.get_json()
    assert api.task_of(instance_id, "applicant", "submit_application")  # still open


# 6. out-of-range numbers ----------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/api/tasks/9223372036854775808", "/api/tasks/2147483648", "/api/instances/2147483648",
    "/api/instances/-1", "/api/attachments/99999999999999999999", "/api/tasks/0",
])
def test_ids_out_of_range_are_404(api, path):
    assert api.get(path, "admin").status_code == 404


def test_paging_and_filters_out_of_range_are_clamped_or_ignored(api, web):
    assert api.get("/api/tasks?offset=99999999999999999999999&limit=-5", "admin").status_code == 200
    assert api.get("/api/tasks/done?limit=abc", "admin").status_code == 200
    browser = web("unit_reviewer")
    for query in ("page=99999999999999999999999", "unit=99999999999999", "round=-3", "page=x"):
        assert browser.get(f"/?{query}").status_code == 200, query
    assert api.post("/api/notifications/2147483648/read", None, "admin").status_code == 404
    r = api.post("/api/admin/users", {"username": "u_big", "password": USER_PASSWORD,
                                      "display_name": "大", "roles": ["applicant"],
                                      "unit_id": 2**31}, "admin")
    assert r.status_code == 422 and "unit_id" in r.get_json()["errors"]


def test_upload_with_an_out_of_range_task_id_is_404(api):
    instance_id = submit_selection(api)
    r = api.client.post(f"/api/instances/{instance_id}/attachments", headers=api.headers("applicant"),
                        data={"file": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf"), "task_id": str(2**40)},
                        content_type="multipart/form-data")
    assert r.status_code == 404


# 7. lengths at deploy --------------------------------------------------------------------------

def test_ids_names_and_titles_over_200_characters_are_refused_at_deploy(api):
    assert deploy(api, script_process("p" * 201, "x = 1")).status_code == 422
    assert deploy(api, script_process("long_title", "x = 1", task_name="长" * 201)).status_code == 422
    assert deploy(api, script_process("fine_title", "x = 1", task_name="长" * 200)).status_code == 201
    assert api.start("fine_title", "applicant").status_code == 201


# 8. admin endpoints check the role before the body --------------------------------------------

def test_a_non_admin_gets_403_before_any_field_error(api):
    for path in ("/api/admin/users", "/api/admin/units", "/api/admin/campaigns"):
        r = api.post(path, {"nonsense": True}, "applicant")
        assert r.status_code == 403, (path, r.get_json())


# 9. session cookie ---------------------------------------------------------------------------

def test_session_cookie_flags_and_logout_ends_the_session_on_the_server(app, seeded):
    browser = Browser(app)
    browser.get("/")
    response = browser.post("/login", {"username": "applicant", "password": "demo"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    value = re.search(r"session=([^;]+)", cookie).group(1)
    browser.get("/")
    assert browser.get("/my").status_code == 200
    browser.post("/logout")
    stolen = app.test_client()
    stolen.set_cookie("session", value)
    assert stolen.get("/my").status_code == 401  # the copied cookie no longer works


def test_session_cookie_is_secure_over_https(app, seeded):
    client = app.test_client()
    page = client.get("/", base_url="https://talentflow.example")
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(page)).group(1)
    response = client.post("/login", base_url="https://talentflow.example",
                           data={"username": "applicant", "password": "demo", "csrf_token": token})
    assert "Secure" in response.headers["Set-Cookie"]


def test_api_tokens_can_be_revoked(api):
    token = api.token("applicant")
    assert api.post("/api/auth/logout", None, "applicant").status_code == 200
    r = api.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_a_token_verified_before_still_expires_and_a_changed_one_is_refused(monkeypatch):
    """TokenSigner keeps the tokens it verified (core/security.py): kept, a token is still
    refused once too old, and any other text is checked afresh."""
    from talentflow.core import security
    signer = security.TokenSigner("k" * 32, 60)
    token = signer.issue(7, 2)
    assert signer.verify(token) == (7, 2)
    assert signer.verify(token) == (7, 2)  # kept
    assert signer.verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert security.TokenSigner("other" * 8, 60).verify(token) is None
    now = security.time.time()
    monkeypatch.setattr(security.time, "time", lambda: now + 61)
    assert signer.verify(token) is None
    monkeypatch.setattr(security.time, "time", lambda: now - 5)  # the clock went back
    assert signer.verify(token) is None


def test_the_api_neither_reads_nor_sets_the_session_cookie(app, api, seeded):
    browser = Browser(app)
    browser.get("/")
    browser.post("/login", {"username": "applicant", "password": "demo"})
    assert browser.get("/my").status_code == 200
    assert browser.client.get("/api/me").status_code == 401  # the page's cookie is no login
    response = api.get("/api/me", "applicant")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


# 10. headers -----------------------------------------------------------------------------------

def test_pages_and_api_forbid_framing_and_sniffing(app, api):
    for response in (app.test_client().get("/"), api.get("/api/me", "applicant")):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# 11. diagram scripts are bounded ----------------------------------------------------------------

@pytest.mark.parametrize("script", [
    's = "x" * 1000\nt = s * 1000',
    's = "ab"\ns = s + s\ns = s + s\nt = s * 50000',
    'n = 7\nm = n ** 99\nm = m * m * m * m * m * m * m * m * m * m * m * m * m * m * m',
    # each value within bounds, together over the size a step may save
    's = "x" * 1000\n' + "\n".join(f"v{i} = s * 100" for i in range(50)),
])
def test_a_script_building_a_huge_value_is_refused_and_nothing_is_stored(api, script):
    assert deploy(api, script_process("greedy", script)).status_code == 201
    r = api.start("greedy", "applicant")
    assert r.status_code == 422 and "过大" in r.get_json()["message"]
    assert api.get("/api/instances", "applicant").get_json() == []


# 12. broken decision tables; no engine internals ---------------------------------------------

@pytest.mark.parametrize("cell, out", [('> "abc"', "1"), ("> 10", "1 / 0"), ('-', '"a" + 1')])
def test_a_decision_table_that_can_only_fail_is_refused_at_deploy(api, cell, out):
    r = deploy(api, one_rule_dmn(cell, out, decision="broken_table", title="坏表"))
    assert r.status_code == 422, r.get_json()
    assert "r1" in r.get_json()["errors"]


def test_a_failing_step_shows_no_engine_internals(api):
    assert deploy(api, script_process("fails", "x = secret_variable_name + 1")).status_code == 201
    r = api.start("fails", "applicant")
    assert 400 <= r.status_code < 500
    body = r.get_data(as_text=True)
    assert "secret_variable_name" not in body and "参考编号" in r.get_json()["message"]


# 13. error bodies are capped ------------------------------------------------------------------

def test_a_huge_request_cannot_make_a_huger_error(api):
    data = {f"field_{i}": "坏\x00" for i in range(20000)}
    r = api.post("/api/processes/talent_selection/instances", {"data": data}, "applicant")
    assert r.status_code == 422
    assert len(r.get_data()) <= 64 * 1024
    assert r.get_json()["left_out"] > 0


# 14. the database out of reach -----------------------------------------------------------------

def test_database_unreachable_is_503_json_and_a_chinese_page(tmp_path):
    from talentflow.app import create_app
    from talentflow.config import load_config
    config = load_config({"DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}",
                          "SECRET_KEY": "x"})
    client = create_app(config).test_client()
    r = client.post("/api/auth/token", json={"username": "a", "password": "b"})
    assert r.status_code == 503 and r.is_json
    page = client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(page)).group(1)
    r = client.post("/login", data={"username": "a", "password": "b", "csrf_token": token})
    assert r.status_code == 503 and r.mimetype == "text/html" and "数据库" in text(r)


def test_a_malformed_database_url_is_one_line_not_a_traceback(monkeypatch):
    from talentflow.cli import main
    monkeypatch.setenv("TALENTFLOW_DATABASE_URL", "not a url://")
    result = CliRunner().invoke(main, ["init-db"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


# Also noticed ----------------------------------------------------------------------------------

def test_finance_sees_only_the_cases_it_pays(api):
    selection = submit_selection(api)
    assert api.get(f"/api/instances/{selection}", "finance").status_code == 404


def test_names_with_control_or_invisible_characters_are_refused(api):
    for name in ("张\u200b明", "unit\u202eevil", "tab\tname"):
        r = api.post("/api/admin/departments", {"name": name}, "admin")
        assert r.status_code == 422, name


def test_a_case_takes_a_bounded_number_of_attachments(api):
    from talentflow.core.attachments import MAX_PER_CASE
    instance_id = submit_selection(api)
    for i in range(MAX_PER_CASE + 1):
        r = api.client.post(f"/api/instances/{instance_id}/attachments",
                            headers=api.headers("applicant"),
                            data={"file": (io.BytesIO(b"%PDF-1.4 x"), f"{i}.pdf")},
                            content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.get_json()["errors"]
