"""The admin console pages (/admin) through Flask's test client: admin only, CSRF, the same
rules as the API with Chinese reasons beside the fields and the typed input kept."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from talentflow.models import Campaign, Department, Setting, Unit, User

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGES = ["/admin", "/admin/users", "/admin/units", "/admin/rounds", "/admin/settings"]


class Browser:
    def __init__(self, app):
        self.client = app.test_client()
        self.token = None

    def get(self, path):
        response = self.client.get(path)
        found = response.mimetype == "text/html" and TOKEN.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, path, data=None):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(path, data=data)

    def login(self, username, password="demo"):
        self.get("/")
        response = self.post("/login", {"username": username, "password": password})
        self.get("/")
        return response


@pytest.fixture
def web(app, seeded):
    def login(username):
        browser = Browser(app)
        assert browser.login(username).status_code == 302
        return browser
    return login


def text(response):
    return response.get_data(as_text=True)


def rows(platform, model, **where):
    with platform.sessions() as session:
        return list(session.scalars(select(model).filter_by(**where)))


@pytest.mark.parametrize("path", PAGES)
def test_admin_sees_every_console_page(web, path):
    admin = web("admin")
    r = admin.get(path)
    assert r.status_code == 200, path
    assert '<html lang="zh-CN">' in text(r)
    assert 'href="/admin/processes"' in text(r)
    assert 'href="/admin"' in text(admin.get("/"))   # the header links the console


@pytest.mark.parametrize("user", ["org_reviewer", "leadership", "applicant", "unit_reviewer"])
def test_others_are_refused(app, web, user):
    browser = web(user)
    for path in PAGES + ["/admin/users/1"]:
        r = browser.get(path)
        assert r.status_code == 403, path
        assert "您无权" in text(r) or "仅限系统管理员" in text(r)
    assert browser.post("/admin/users", {"username": "x"}).status_code == 403
    assert 'href="/admin"' not in text(browser.get("/"))
    assert Browser(app).get("/admin").status_code == 401


def test_create_user_then_log_in(app, platform, web):
    admin = web("admin")
    admin.get("/admin/users")
    unit = rows(platform, Unit, name="区人民医院")[0]
    r = admin.post("/admin/users", {"username": "doctor_li", "password": "secret-pass-1",
                                    "display_name": "李医生", "roles": ["applicant"],
                                    "unit_id": str(unit.id), "email": "li@example.test"})
    assert r.status_code == 302
    created = rows(platform, User, username="doctor_li")[0]
    assert (created.display_name, created.unit_id, created.email, created.roles) == \
        ("李医生", unit.id, "li@example.test", ["applicant"])
    assert "doctor_li" in text(admin.get("/admin/users"))
    assert Browser(app).login("doctor_li", "secret-pass-1").status_code == 302


def test_refused_user_form_keeps_input_and_shows_reasons(platform, web):
    admin = web("admin")
    admin.get("/admin/users")
    r = admin.post("/admin/users", {"username": "new_one", "password": "short",
                                    "display_name": "新同事", "email": "not-an-email"})
    assert r.status_code == 422
    page = text(r)
    assert 'value="new_one"' in page and 'value="新同事"' in page and 'value="not-an-email"' in page
    assert "密码至少 8 个字符" in page and "邮箱地址格式不正确" in page and "至少需要一个角色" in page
    assert "at least" not in page            # Chinese only on pages
    assert 'value="short"' not in page       # a password is never sent back
    assert not rows(platform, User, username="new_one")
    # a name already taken: 409, also beside the field
    r = admin.post("/admin/users", {"username": "applicant", "password": "secret-pass-1",
                                    "roles": ["applicant"]})
    assert r.status_code == 409 and "用户名已存在" in text(r)
    # a forged unit id is "does not exist", never a server error
    r = admin.post("/admin/users", {"username": "x1", "password": "secret-pass-1",
                                    "roles": ["applicant"], "unit_id": "99999999999999"})
    assert r.status_code == 422 and "单位不存在" in text(r)


def test_every_console_form_needs_the_csrf_token(platform, web):
    admin = web("admin")
    admin.get("/admin/users")
    for path, data in [("/admin/users", {"username": "csrf_x", "password": "secret-pass-1",
                                         "roles": ["applicant"]}),
                       ("/admin/departments", {"name": "伪造部门"}),
                       ("/admin/units/new", {"name": "伪造单位", "type": "other"}),
                       ("/admin/rounds", {"opens_on": "2030-01-01", "closes_on": "2030-02-01"}),
                       ("/admin/settings/round_window_days", {"value": "5"})]:
        r = admin.client.post(path, data=data)   # no token
        assert r.status_code == 400, path
    assert not rows(platform, User, username="csrf_x")
    assert not rows(platform, Department, name="伪造部门")
    assert not rows(platform, Setting, key="round_window_days")


def test_change_roles_deactivate_and_reset_password(app, platform, web):
    admin = web("admin")
    target = rows(platform, User, username="applicant2")[0]
    page = f"/admin/users/{target.id}"
    assert "李娟" in text(admin.get(page))
    r = admin.post(page, {"display_name": "李娟", "roles": ["applicant", "unit_reviewer"],
                          "unit_id": str(target.unit_id), "department_id": "", "email": ""})
    assert r.status_code == 302
    assert rows(platform, User, username="applicant2")[0].roles == ["applicant", "unit_reviewer"]
    r = admin.post(page, {"display_name": "", "roles": [], "unit_id": str(target.unit_id)})
    assert r.status_code == 422 and "至少需要一个角色" in text(r) and "不能为空" in text(r)

    victim = web("applicant2")
    assert victim.get("/").status_code == 200
    admin.get(page)
    assert admin.post(f"{page}/active", {"active": "false"}).status_code == 302
    assert victim.get("/my").status_code == 401                       # session ended
    assert Browser(app).login("applicant2").status_code != 302         # cannot log in
    assert "已停用" in text(admin.get("/admin/users"))

    assert admin.post(f"{page}/active", {"active": "true"}).status_code == 302
    r = admin.post(f"{page}/password", {"password": "new-pass-99", "password_again": "other"})
    assert r.status_code == 422 and "两次输入的密码不一致" in text(r)
    r = admin.post(f"{page}/password", {"password": "short", "password_again": "short"})
    assert r.status_code == 422 and "密码至少 8 个字符" in text(r)
    assert admin.post(f"{page}/password", {"password": "new-pass-99",
                                           "password_again": "new-pass-99"}).status_code == 302
    assert Browser(app).login("applicant2", "new-pass-99").status_code == 302

    me = rows(platform, User, username="admin")[0]
    admin.get(f"/admin/users/{me.id}")
    r = admin.post(f"/admin/users/{me.id}/active", {"active": "false"})
    assert r.status_code == 422 and "不能停用自己的账号" in text(r)
    assert admin.get("/admin/users/999999").status_code == 404


def test_departments_and_units(platform, web):
    admin = web("admin")
    admin.get("/admin/units")
    assert admin.post("/admin/departments", {"name": "区科学技术局"}).status_code == 302
    department = rows(platform, Department, name="区科学技术局")[0]
    r = admin.post("/admin/units/new", {"name": "自贡市盐业历史博物馆", "type": "public_institution",
                                        "department_id": str(department.id)})
    assert r.status_code == 302
    unit = rows(platform, Unit, name="自贡市盐业历史博物馆")[0]
    assert (unit.type, unit.department_id) == ("public_institution", department.id)

    r = admin.post("/admin/units/new", {"name": "", "type": "", "department_id": ""})
    assert r.status_code == 422
    assert "不能为空" in text(r) and "单位类型须为" in text(r)
    r = admin.post("/admin/units/new", {"name": "区人民医院", "type": "other"})
    assert r.status_code == 409 and "名称已存在" in text(r) and 'value="区人民医院"' in text(r)

    assert admin.post(f"/admin/departments/{department.id}", {"name": "区科技局"}).status_code == 302
    assert rows(platform, Department, id=department.id)[0].name == "区科技局"
    r = admin.post(f"/admin/departments/{department.id}", {"name": "区教育局"})
    assert r.status_code == 409 and 'value="区教育局"' in text(r)
    r = admin.post(f"/admin/units/{unit.id}", {"name": "盐业历史博物馆", "type": "other",
                                               "department_id": ""})
    assert r.status_code == 302
    unit = rows(platform, Unit, id=unit.id)[0]
    assert (unit.name, unit.type, unit.department_id) == ("盐业历史博物馆", "other", None)
    r = admin.post(f"/admin/units/{unit.id}", {"name": "x" * 201, "type": "other"})
    assert r.status_code == 422 and "不能超过 200 个字符" in text(r)
    assert admin.post("/admin/units/999999", {"name": "x", "type": "other"}).status_code == 404


def test_rounds(platform, web):
    admin = web("admin")
    assert "开放中" in text(admin.get("/admin/rounds"))   # the demo round
    r = admin.post("/admin/rounds", {"opens_on": "2030-03-01", "closes_on": "2030-02-01"})
    assert r.status_code == 422 and "截止日期不能早于开始日期" in text(r)
    assert 'value="2030-03-01"' in text(r)
    r = admin.post("/admin/rounds", {"opens_on": "not a date", "closes_on": ""})
    assert r.status_code == 422 and "请填写日期" in text(r)
    assert admin.post("/admin/rounds", {"opens_on": "2030-03-01",
                                        "closes_on": "2030-03-31"}).status_code == 302
    assert any(c.opens_on.isoformat() == "2030-03-01" for c in rows(platform, Campaign))
    assert "2030-03-31" in text(admin.get("/admin/rounds"))


def test_settings(platform, web):
    admin = web("admin")
    page = text(admin.get("/admin/settings"))
    for key in ("schedule.task_reminders", "round_opening", "due_working_days", "evaluation_date"):
        assert f'id="s-{key}"' in page, key
    assert admin.post("/admin/settings/round_window_days", {"value": "45"}).status_code == 302
    assert rows(platform, Setting, key="round_window_days")[0].value == 45
    r = admin.post("/admin/settings/round_opening", {"value": "13-40"})
    assert r.status_code == 422
    assert "须为 MM-DD 格式的日期" in text(r) and 'value="13-40"' in text(r)
    r = admin.post("/admin/settings/schedule.task_reminders", {"value": "每天早上"})
    assert r.status_code == 422 and "cron" in text(r)
    assert admin.post("/admin/settings/due_working_days",
                      {"value": '{"review": 7, "applicant": 15}'}).status_code == 302
    assert rows(platform, Setting, key="due_working_days")[0].value == {"review": 7, "applicant": 15}
    assert admin.post("/admin/settings/reminder_workdays_only", {"value": "true"}).status_code == 302
    assert rows(platform, Setting, key="reminder_workdays_only")[0].value is True
    assert admin.post("/admin/settings/no_such", {"value": "1"}).status_code == 404


def test_user_list_filters(web):
    admin = web("admin")
    page = text(admin.get("/admin/users?q=reviewer2"))
    assert "unit_reviewer2" in page and "department_reviewer2" in page and ">applicant<" not in page
    page = text(admin.get("/admin/users?role=finance"))
    assert ">finance<" in page and ">employer_finance<" not in page
    assert admin.get("/admin/users?role=king&q=" + "x" * 5000).status_code == 200
