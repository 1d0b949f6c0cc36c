"""The web pages through Flask's test client: login, CSRF, inbox, task forms, scope (404s),
我的申请, withdraw, the talent database export, notifications and the start pages."""
from __future__ import annotations

import io
from html.parser import HTMLParser
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from conftest import application_form
from flows import submit_selection
from talentflow.core import notifications
from talentflow.models import Campaign, Notification, User

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """One user's cookie jar; every POST carries the CSRF token of the last page seen."""

    def __init__(self, app):
        self.client = app.test_client()
        self.token = None

    def get(self, path, **kwargs):
        response = self.client.get(path, **kwargs)
        found = response.mimetype == "text/html" and TOKEN.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, path, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(path, data=data, **kwargs)

    def login(self, username, password="demo"):
        self.get("/")
        response = self.post("/login", {"username": username, "password": password})
        self.get("/")  # as a browser follows the redirect: the new session's token
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


def test_visitor_sees_login_then_the_inbox_in_chinese(app, seeded):
    browser = Browser(app)
    page = browser.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert page.status_code == 200 and '<html lang="zh-CN">' in text(page)
    assert 'name="password"' in text(page)
    wrong = browser.post("/login", {"username": "applicant", "password": "nope"})
    assert wrong.status_code == 401 and "用户名或密码错误" in text(wrong)
    assert browser.login("applicant").headers["Location"] == "/"
    inbox = browser.get("/")
    assert "<h1>待办</h1>" in text(inbox) and 'href="/my"' in text(inbox)
    browser.post("/logout")
    assert 'name="password"' in text(browser.get("/"))


def test_every_form_needs_the_csrf_token(app, api, web):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer")
    stranger = Browser(app)
    stranger.get("/")
    assert stranger.post("/login", {"username": "applicant", "password": "demo",
                                    "csrf_token": "forged"}).status_code == 400
    reviewer = web("unit_reviewer")
    assert reviewer.post(f"/tasks/{task['id']}/claim", {"csrf_token": ""}).status_code == 400
    assert api.task_of(instance_id, "unit_reviewer")["assignee"] is None
    assert reviewer.post(f"/tasks/{task['id']}/claim").status_code == 302
    assert api.task_of(instance_id, "unit_reviewer")["assignee"] == "unit_reviewer"
    # The JSON API stays bearer-token only: no CSRF token asked of it.
    assert api.client.post("/api/auth/token", json={"username": "admin", "password": "demo"}
                           ).status_code == 200


def test_inbox_rows_name_the_applicant_and_link_the_task(api, web):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer")
    page = text(web("unit_reviewer").get("/"))
    row = re.search(r'<a class="applicant" href="/tasks/(\d+)">([^<]+)</a>', page)
    assert row and (int(row.group(1)), row.group(2)) == (task["id"], "张明")
    assert "单位初审" in page and "个工作日" in page
    filtered = web("unit_reviewer").get("/?q=李娟")
    assert 'class="applicant"' not in text(filtered)
    assert "待签收 <span class=\"count\">1</span>" in text(web("unit_reviewer").get("/"))


def test_task_form_keeps_values_and_shows_errors_beside_fields(web):
    applicant = web("applicant")
    applicant.get("/start/selection")
    started = applicant.post("/start/talent_selection")
    task_path = started.headers["Location"]
    applicant.get(task_path)
    form = application_form()
    data = {k: v for k, v in form.items() if not isinstance(v, (list, bool))}
    data.update(birth_date="", service_years="abc", ethics_attested="true",
                service_agreement="true", **{"appraisals-0-year": "2020",
                                             "appraisals-0-grade": "bogus"})
    page = applicant.post(task_path, data)
    html = text(page)
    assert page.status_code == 422
    birth = re.search(r'<div class="field has-error">\s*<label for="f-birth_date".*?</div>', html, re.S)
    assert birth and "此项为必填项" in birth.group(0)
    assert "类型错误：应为整数" in html and 'value="abc"' in html
    assert 'value="张明"' in html and 'value="2020"' in html
    assert re.search(r'name="appraisals-0-grade"[^>]*aria-invalid', html)


def test_refused_application_lists_each_failed_condition(web):
    applicant = web("applicant")
    applicant.get("/start/selection")
    task_path = applicant.post("/start/talent_selection").headers["Location"]
    applicant.get(task_path)
    form = application_form(birth_date="1950-01-01")
    data = {k: v for k, v in form.items() if not isinstance(v, list)}
    data.update({k: str(v).lower() for k, v in form.items() if isinstance(v, bool)})
    data.update({"appraisals-0-year": form["appraisals"][0]["year"], "appraisals-0-grade": "excellent",
                 "appraisals-1-year": form["appraisals"][1]["year"], "appraisals-1-grade": "competent"})
    page = applicant.post(task_path, data)
    assert page.status_code == 422 and "第五条" in text(page) and "年龄" in text(page)


def test_another_units_reviewer_gets_404_not_a_redirect(app, api, web):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer")
    other = web("unit_reviewer2")
    assert "张明" not in text(other.get("/"))
    for path in (f"/tasks/{task['id']}", f"/cases/{instance_id}", f"/cases/{instance_id}/print",
                 f"/cases/{instance_id}/withdraw"):
        response = other.get(path)
        assert response.status_code == 404, path
        assert "张明" not in text(response)
    assert other.post(f"/tasks/{task['id']}/claim").status_code == 404
    visitor = Browser(app).get(f"/cases/{instance_id}")
    assert visitor.status_code == 401 and 'name="password"' in text(visitor)


def test_review_return_needs_a_comment(api, web):
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer")
    reviewer = web("unit_reviewer")
    page = reviewer.get(f"/tasks/{task['id']}")
    assert "专业技术人才" in text(page) and 'value="return"' in text(page)
    refused = reviewer.post(f"/tasks/{task['id']}", {"decision": "return", "comment": " "})
    assert refused.status_code == 422 and "此项为必填项" in text(refused)
    assert reviewer.post(f"/tasks/{task['id']}", {"decision": "return", "comment": "请补充证明"}
                         ).status_code == 302
    case = api.instance(instance_id, "applicant")
    assert case["history"][-1]["decision"] == "return"
    done = text(reviewer.get("/done"))
    assert "张明" in done and "退回修改" in done


def test_my_applications_link_each_case_and_withdraw_asks_first(api, web):
    instance_id = submit_selection(api)
    applicant = web("applicant")
    page = text(applicant.get("/my"))
    assert re.search(rf'<a class="applicant" href="/cases/{instance_id}">张明</a>', page)
    case = text(applicant.get(f"/cases/{instance_id}"))
    assert "bpmn-navigated-viewer.production.min.js" in case and "单位初审" in case
    assert 'id="diagram-xml"' in case and "submit_application" in case
    confirm = applicant.get(f"/cases/{instance_id}/withdraw")
    assert confirm.status_code == 200 and "确认撤回" in text(confirm)
    assert api.instance(instance_id, "applicant")["status"] == "running"
    applicant.post(f"/cases/{instance_id}/withdraw", {"comment": "不再申请"})
    assert api.instance(instance_id, "applicant")["status"] == "cancelled"
    assert "已撤回" in text(applicant.get("/my"))


def test_attachment_upload_and_download(api, web):
    instance_id = submit_selection(api)
    applicant = web("applicant")
    applicant.get(f"/cases/{instance_id}")
    pdf = b"%PDF-1.4 certificate"
    applicant.post(f"/cases/{instance_id}/attachments",
                   {"file": (io.BytesIO(pdf), "证书.pdf")}, content_type="multipart/form-data")
    page = text(web("unit_reviewer").get(f"/cases/{instance_id}"))
    link = re.search(r'href="(/attachments/\d+)">证书.pdf', page)
    assert link and web("unit_reviewer").get(link.group(1)).data == pdf
    assert web("unit_reviewer2").get(link.group(1)).status_code == 404


def test_talent_database_page_and_excel_export(api, web):
    from flows import register_talent
    register_talent(api)
    assert web("applicant").get("/talents").status_code == 403
    hr = web("hr_reviewer")
    assert "张明" in text(hr.get("/talents?category=professional_technical"))
    assert "张明" not in text(hr.get("/talents?category=skilled"))
    export = hr.get("/talents.xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert sheet["A1"].value == "姓名" and sheet["A2"].value == "张明"
    assert sheet["C2"].value == "专业技术人才"


def test_start_pages(platform, web):
    applicant = web("applicant")
    assert "开始填写登记表" in text(applicant.get("/start/selection"))
    reward = text(applicant.get("/start/reward"))
    assert "高一级职称奖励" in reward and "5000" in reward and "60%" in reward
    with platform.transaction() as session:
        for campaign in session.scalars(select(Campaign)):
            campaign.closed = True
    closed = text(applicant.get("/start/selection"))
    assert "开始填写登记表" not in closed and "下一轮将于" in closed


def test_start_page_and_api_agree_on_the_next_opening_after_an_admin_change(platform, api, web):
    """One rule for "when does the next round open": the settings an admin changed, for the
    API's 409 and the start page alike."""
    from talentflow.core import settings as settings_store
    with platform.transaction() as session:
        for campaign in session.scalars(select(Campaign)):
            campaign.closed = True
        settings_store.put(session, "round_opening", "04-15")
    refused = api.start("talent_selection", "applicant")
    assert refused.status_code == 409
    api_date = refused.get_json()["errors"]["next_opens_on"][0]
    assert api_date.endswith("-04-15")
    page = text(web("applicant").get("/start/selection"))
    assert re.search(r'class="next-opening">([\d-]+)<', page).group(1) == api_date


@pytest.mark.parametrize("path, method, status", [
    ("/no/such/page", "get", 404),
    ("/start/unknown_process", "post", 404),
    ("/tasks/999999", "get", 404),
    ("/logout", "get", 405),
])
def test_pages_answer_errors_as_chinese_pages_never_json(web, path, method, status):
    applicant = web("applicant")
    response = getattr(applicant, method)(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert '<html lang="zh-CN">' in text(response) and '"message"' not in text(response)


def test_an_over_size_upload_is_a_page_not_json(platform, api, web):
    instance_id = submit_selection(api)
    applicant = web("applicant")
    applicant.get(f"/cases/{instance_id}")
    big = b"%PDF-" + b"0" * (platform.config["MAX_UPLOAD_BYTES"] + 128 * 1024)
    response = applicant.post(f"/cases/{instance_id}/attachments",
                              {"file": (io.BytesIO(big), "big.pdf")},
                              content_type="multipart/form-data")
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "过大" in text(response)


def test_text_neither_database_can_store_is_refused_or_ignored_on_pages(api, web):
    instance_id = submit_selection(api)
    applicant = web("applicant")
    assert applicant.get("/?q=%E5%BC%A0%00").status_code == 200  # search: ignored, not a 500
    applicant.get(f"/cases/{instance_id}/withdraw")
    refused = applicant.post(f"/cases/{instance_id}/withdraw", {"comment": "不再申请\x00"})
    assert refused.status_code == 422 and refused.mimetype == "text/html"
    assert api.get(f"/api/instances/{instance_id}", "applicant").get_json()["status"] == "running"


def test_api_errors_stay_json(api):
    response = api.client.get("/api/no/such/endpoint")
    assert response.status_code in (401, 404) and response.is_json


def test_notification_bell_counts_unread(platform, web):
    with platform.transaction() as session:
        user = session.scalars(select(User).where(User.username == "applicant")).one()
        notifications.notify(session, user, "reminder", "您有一项待办即将到期")
    with platform.transaction() as session:
        note_id = session.scalar(select(Notification.id).where(Notification.user_id == user.id))
    applicant = web("applicant")
    assert "data-unread>1<" in text(applicant.get("/"))
    assert "您有一项待办即将到期" in text(applicant.get("/notifications"))
    applicant.post(f"/notifications/{note_id}/read")
    assert "data-unread" not in text(applicant.get("/"))


def test_pages_go_through_the_catalogs_but_stay_chinese_by_default(platform, tmp_path):
    """Chinese whatever the browser asks for; an explicitly configured locale uses its catalog
    (built here from the committed en .po with two strings translated)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from talentflow.app import create_app
    from talentflow.web.i18n import TRANSLATIONS_DIR

    page = create_app(platform=platform).test_client().get(
        "/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "<h1>登录</h1>" in text(page) and '<html lang="zh-CN">' in text(page)

    with open(TRANSLATIONS_DIR / "en" / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale="en")
    catalog["登录"].string = "Sign in"
    catalog["用户名"].string = "User name"
    target = tmp_path / "translations" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    platform.config.update(UI_LOCALE="en", TRANSLATIONS_DIR=str(tmp_path / "translations"))
    english = text(create_app(platform=platform).test_client().get("/"))
    assert "<h1>Sign in</h1>" in english and "<label>User name<" in english
    assert "<label>密码<" in english  # untranslated msgids fall back to the Chinese source


def test_message_template_is_up_to_date():
    """service/translations/messages.pot holds every string the sources mark (re-extract with
    the pybabel command in babel.cfg after changing the UI text)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    from talentflow.web.i18n import TRANSLATIONS_DIR

    REPO_ROOT = Path(__file__).resolve().parent.parent
    with open(REPO_ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "lazy_gettext": None}
    marked = {msg for _file, _line, msg, _comments, _context in
              extract_from_dir(str(REPO_ROOT), method_map, options_map, keywords=keywords)}
    with open(TRANSLATIONS_DIR / "messages.pot", "rb") as pot:
        committed = {m.id for m in read_po(pot) if m.id}
    assert marked == committed


class _Controls(HTMLParser):
    """The form controls of a page and what names them for a screen reader."""

    def __init__(self):
        super().__init__()
        self.ids, self.label_for, self.controls, self.in_label = set(), [], [], 0
        self.groups = []  # ids named by an element with role=radiogroup

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.label_for.append(a["for"])
        if a.get("role") == "radiogroup" and a.get("aria-labelledby"):
            self.groups.append(a["aria-labelledby"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit",
                                                                             "button"):
            self.controls.append((tag, a, self.in_label > 0))

    def handle_endtag(self, tag):
        if tag == "label":
            self.in_label -= 1


def _unnamed_controls(html: str) -> tuple[list, list]:
    page = _Controls()
    page.feed(html)
    dangling = [f for f in page.label_for
                if not any(a.get("id") == f for _t, a, _in in page.controls)]
    unnamed = [a.get("name") for _t, a, inside in page.controls
               if not inside and not a.get("aria-label") and a.get("id") not in page.label_for]
    dangling += [g for g in page.groups if g not in page.ids]
    return dangling, unnamed


def test_every_form_control_has_a_name_a_screen_reader_can_read(web):
    """A <label for> names an input (never a <span>), a radio group is named by its heading,
    a table row's inputs by their column, a file input by an aria-label."""
    applicant = web("applicant")
    task_path = applicant.post("/start/talent_selection").headers["Location"]
    html = text(applicant.get(task_path))
    assert 'role="radiogroup"' in html and 'data-rows="appraisals"' in html  # what is checked
    assert _unnamed_controls(html) == ([], [])
