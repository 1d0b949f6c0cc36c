"""The admin API behind the console: users (list, change, deactivate, reset password),
departments and units (list, rename), settings (list, set) — the same rules as creation."""
from __future__ import annotations

import pytest

from conftest import USER_PASSWORD


def patch(api, path, body, user="admin"):
    return api.client.patch(path, json=body, headers=api.headers(user))


def put(api, path, body, user="admin"):
    return api.client.put(path, json=body, headers=api.headers(user))


def user_by_name(api, username):
    users = api.get("/api/admin/users", "admin").get_json()
    return next(u for u in users if u["username"] == username)


@pytest.mark.parametrize("method,path", [
    ("get", "/api/admin/users"), ("get", "/api/admin/users/1"), ("patch", "/api/admin/users/1"),
    ("post", "/api/admin/users/1/deactivate"), ("post", "/api/admin/users/1/activate"),
    ("post", "/api/admin/users/1/password"), ("get", "/api/admin/departments"),
    ("patch", "/api/admin/departments/1"), ("get", "/api/admin/units"),
    ("patch", "/api/admin/units/1"), ("get", "/api/admin/settings"),
    ("put", "/api/admin/settings/round_window_days")])
@pytest.mark.parametrize("user", ["org_reviewer", "hr_reviewer", "applicant"])
def test_admin_only(api, method, path, user):
    r = getattr(api.client, method)(path, json={}, headers=api.headers(user))
    assert r.status_code == 403, (path, r.get_json())
    assert getattr(api.client, method)(path, json={}).status_code == 401


def test_list_users(api):
    users = api.get("/api/admin/users", "admin").get_json()
    applicant = next(u for u in users if u["username"] == "applicant")
    assert applicant["roles"] == ["applicant"] and applicant["active"] is True
    assert applicant["unit_id"] == api.me("applicant")["unit_id"]
    assert applicant["display_name"] == "张明" and applicant["email"] == "applicant@example.test"
    assert set(applicant) == {"id", "username", "display_name", "email", "roles", "unit_id",
                              "department_id", "active"}
    assert "password_hash" not in str(users)
    assert api.get(f"/api/admin/users/{applicant['id']}", "admin").get_json() == applicant
    assert api.get("/api/admin/users/999999", "admin").status_code == 404
    assert api.get("/api/admin/users/0", "admin").status_code == 404


def test_change_roles_and_unit(api):
    units = api.get("/api/admin/units", "admin").get_json()
    enterprise = next(u for u in units if u["type"] == "enterprise")
    target = user_by_name(api, "applicant")
    r = patch(api, f"/api/admin/users/{target['id']}",
              {"roles": ["applicant", "unit_reviewer"], "unit_id": enterprise["id"],
               "display_name": "张明（调入）"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["roles"] == ["applicant", "unit_reviewer"]
    me = api.me("applicant")
    assert me["roles"] == ["applicant", "unit_reviewer"] and me["unit_id"] == enterprise["id"]
    # only what is sent changes; null clears
    r = patch(api, f"/api/admin/users/{target['id']}", {"email": None})
    assert r.status_code == 200 and r.get_json()["email"] is None
    assert r.get_json()["roles"] == ["applicant", "unit_reviewer"]


@pytest.mark.parametrize("body,key", [
    ({"roles": []}, "roles"), ({"roles": ["king"]}, "roles"), ({"unit_id": 999999}, "unit_id"),
    ({"department_id": 999999}, "department_id"), ({"email": "not-an-email"}, "email"),
    ({"display_name": "  "}, "display_name"), ({"display_name": "x" * 201}, "display_name"),
    ({"display_name": "a\u200bb"}, "display_name"), ({"unit_id": 2 ** 31}, "unit_id"),
])
def test_change_is_validated(api, body, key):
    target = user_by_name(api, "applicant")
    r = patch(api, f"/api/admin/users/{target['id']}", body)
    assert r.status_code == 422, r.get_json()
    assert key in r.get_json()["errors"]
    assert user_by_name(api, "applicant") == target


def test_admin_keeps_own_admin_role(api):
    me = user_by_name(api, "admin")
    r = patch(api, f"/api/admin/users/{me['id']}", {"roles": ["org_reviewer"]})
    assert r.status_code == 422 and "roles" in r.get_json()["errors"]
    r = api.post(f"/api/admin/users/{me['id']}/deactivate", None, "admin")
    assert r.status_code == 422 and "active" in r.get_json()["errors"]


def test_deactivate_ends_login_tokens_and_sessions(api, app):
    target = user_by_name(api, "hr_reviewer")
    token_headers = api.headers("hr_reviewer")
    web = app.test_client()
    assert web.post("/login", data={"username": "hr_reviewer", "password": "demo",
                                    "csrf_token": _csrf(web)}).status_code in (302, 303)
    assert web.get("/talents").status_code == 200

    r = api.post(f"/api/admin/users/{target['id']}/deactivate", None, "admin")
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert api.client.get("/api/me", headers=token_headers).status_code == 401
    assert web.get("/talents").status_code == 401          # the session ended on the server
    r = api.client.post("/api/auth/token", json={"username": "hr_reviewer", "password": "demo"})
    assert r.status_code == 401

    r = api.post(f"/api/admin/users/{target['id']}/activate", None, "admin")
    assert r.status_code == 200 and r.get_json()["active"] is True
    r = api.client.post("/api/auth/token", json={"username": "hr_reviewer", "password": "demo"})
    assert r.status_code == 200
    assert api.client.get("/api/me", headers=token_headers).status_code == 401  # old token stays dead


def test_reset_password(api):
    target = user_by_name(api, "finance")
    old = api.headers("finance")
    r = api.post(f"/api/admin/users/{target['id']}/password", {"password": "short"}, "admin")
    assert r.status_code == 422 and "password" in r.get_json()["errors"]
    r = api.post(f"/api/admin/users/{target['id']}/password", {"password": USER_PASSWORD}, "admin")
    assert r.status_code == 200, r.get_json()
    assert api.client.get("/api/me", headers=old).status_code == 401
    assert api.client.post("/api/auth/token", json={"username": "finance", "password": "demo"}
                           ).status_code == 401
    assert api.client.post("/api/auth/token", json={"username": "finance",
                                                    "password": USER_PASSWORD}).status_code == 200
    assert api.post("/api/admin/users/999999/password", {"password": USER_PASSWORD},
                    "admin").status_code == 404


def test_departments_and_units(api):
    departments = api.get("/api/admin/departments", "admin").get_json()
    assert {"区教育局", "区卫生健康局"} <= {d["name"] for d in departments}
    education = next(d for d in departments if d["name"] == "区教育局")
    r = patch(api, f"/api/admin/departments/{education['id']}", {"name": "区教育和体育局"})
    assert r.status_code == 200 and r.get_json() == {"id": education["id"], "name": "区教育和体育局"}
    r = patch(api, f"/api/admin/departments/{education['id']}", {"name": "区卫生健康局"})
    assert r.status_code == 409 and "name" in r.get_json()["errors"]
    r = patch(api, f"/api/admin/departments/{education['id']}", {"name": " "})
    assert r.status_code == 422 and "name" in r.get_json()["errors"]
    assert patch(api, "/api/admin/departments/999999", {"name": "新"}).status_code == 404

    units = api.get("/api/admin/units", "admin").get_json()
    unit = next(u for u in units if u["name"] == "舒坪社区卫生服务中心")
    r = patch(api, f"/api/admin/units/{unit['id']}", {"name": "舒坪街道社区卫生服务中心",
                                                      "department_id": None})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"id": unit["id"], "name": "舒坪街道社区卫生服务中心", "type": "other",
                            "department_id": None}
    for body, key in [({"type": "castle"}, "type"), ({"department_id": 999999}, "department_id"),
                      ({"name": "a\x00b"}, "name")]:
        r = patch(api, f"/api/admin/units/{unit['id']}", body)
        assert r.status_code == 422 and key in r.get_json()["errors"], (body, r.get_json())
    r = patch(api, f"/api/admin/units/{unit['id']}", {"name": "区人民医院"})
    assert r.status_code == 409


def test_settings(api):
    settings = {s["key"]: s for s in api.get("/api/admin/settings", "admin").get_json()}
    # every Spec, the job schedules included
    for key in ("schedule.biennial_selection", "schedule.annual_evaluation",
                "schedule.task_reminders", "schedule.timer_events", "round_opening",
                "round_window_days", "due_working_days", "first_round_year", "evaluation_date"):
        assert key in settings, key
    assert settings["round_window_days"]["value"] == 30 and settings["round_window_days"]["default"] == 30
    assert settings["schedule.task_reminders"]["kind"] == "cron"

    r = put(api, "/api/admin/settings/round_window_days", {"value": 45})
    assert r.status_code == 200 and r.get_json()["value"] == 45
    r = put(api, "/api/admin/settings/schedule.task_reminders", {"value": "30 8 * * 1-5"})
    assert r.status_code == 200 and r.get_json()["value"] == "30 8 * * 1-5"
    r = put(api, "/api/admin/settings/due_working_days", {"value": {"review": 7, "applicant": 15}})
    assert r.status_code == 200 and r.get_json()["value"] == {"review": 7, "applicant": 15}
    for key, value in [("round_window_days", 0), ("round_window_days", "abc"),
                       ("round_window_days", True), ("schedule.task_reminders", "every day"),
                       ("round_opening", "13-45"), ("round_opening", "3-1"),
                       ("due_working_days", {"review": -1}), ("due_working_days", [1]),
                       ("base_url", "ftp://x"), ("reminder_workdays_only", "maybe"),
                       # a misspelt role would escalate to nobody
                       ("escalation_roles", {"unit_reviewer": "department_reviwer"}),
                       ("escalation_roles", {"unit_reviwer": "leadership"}),
                       # no date arithmetic may overflow on a stored value
                       ("first_round_year", 10 ** 12), ("first_round_year", 1999),
                       ("round_window_days", 10 ** 9), ("due_working_days", {"review": 10 ** 9})]:
        r = put(api, f"/api/admin/settings/{key}", {"value": value})
        assert r.status_code == 422, (key, value, r.get_json())
        assert r.get_json()["errors"][key][0]
    assert put(api, "/api/admin/settings/no_such_key", {"value": 1}).status_code == 404
    r = put(api, "/api/admin/settings/escalation_roles", {"value": {"unit_reviewer": "bogus"}})
    assert "department_reviewer" in r.get_json()["errors"]["escalation_roles"][0]  # its own example
    r = put(api, "/api/admin/settings/escalation_roles",
            {"value": {"unit_reviewer": "org_reviewer", "finance": "leadership"}})
    assert r.status_code == 200, r.get_json()
    settings = {s["key"]: s for s in api.get("/api/admin/settings", "admin").get_json()}
    assert settings["round_window_days"]["value"] == 45


def _csrf(web):
    import re
    html = web.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_inbox_follows_a_change_of_unit_and_roles(api):
    """The inbox's statement is built once per scope (core/inbox.py): a reviewer moved to
    another unit, moved back, then stripped of the role sees exactly their scope's tasks."""
    from flows import submit_selection
    instance_id = submit_selection(api, "applicant")

    def sees_review():
        return any(t["instance_id"] == instance_id for t in api.inbox("unit_reviewer"))

    reviewer, other = user_by_name(api, "unit_reviewer"), user_by_name(api, "unit_reviewer2")
    assert reviewer["unit_id"] != other["unit_id"]
    assert sees_review()
    for body, seen in (({"unit_id": other["unit_id"]}, False),
                       ({"unit_id": reviewer["unit_id"]}, True),
                       ({"roles": ["applicant"]}, False)):
        r = patch(api, f"/api/admin/users/{reviewer['id']}", body)
        assert r.status_code == 200, r.get_json()
        assert sees_review() is seen, body


def test_a_username_with_a_space_is_refused(api):
    for username in ("li si", " lisi", "lisi ", "li\u3000si"):  # U+3000: the ideographic space
        r = api.post("/api/admin/users", {"username": username, "password": "longpassword",
                                          "roles": ["applicant"]}, "admin")
        assert r.status_code == 422, (username, r.get_json())
        assert r.get_json()["errors"]["username"] == ["用户名不能包含空格"]
    r = api.post("/api/admin/users", {"username": "li\tsi", "password": "longpassword",
                                      "roles": ["applicant"]}, "admin")
    assert r.status_code == 422 and r.get_json()["errors"]["username"]  # a control character
    r = api.post("/api/admin/users", {"username": "李四", "password": "longpassword",
                                      "roles": ["applicant"]}, "admin")
    assert r.status_code == 201, r.get_json()
