"""The designer's pages without a browser: admin only, the editor's posts need the page's CSRF
token (header) and answer JSON from the same checks as the API, the diff and XML download."""
from __future__ import annotations

from designer_helpers import WORKFLOWS
from test_web_pages import Browser

SELECTION = (WORKFLOWS / "talent_selection.bpmn").read_text(encoding="utf-8")


def admin(app):
    browser = Browser(app)
    assert browser.login("admin").status_code == 302
    return browser


def post_xml(browser, path, xml, token):
    headers = {"Content-Type": "application/xml"}
    if token is not None:
        headers["X-CSRF-Token"] = token
    return browser.client.post(path, data=xml.encode("utf-8"), headers=headers)


def test_pages_are_admin_only(app, api):
    reviewer = Browser(app)
    reviewer.login("org_reviewer")
    for path in ("/admin/processes", "/admin/processes/talent_selection/edit",
                 "/admin/processes/talent_selection/versions/1/xml"):
        r = reviewer.get(path)
        assert r.status_code == 403 and "仅限系统管理员" in r.get_data(as_text=True), path
    assert post_xml(reviewer, "/admin/processes/validate", SELECTION, reviewer.token).status_code == 403
    assert Browser(app).get("/admin/processes").status_code == 401  # the login page


def test_editor_page_offers_roles_forms_and_operations(app, api):
    page = admin(app).get("/admin/processes/talent_selection/edit")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for needle in ("bpmn-modeler.production.min.js", "校验", "部署", '"unit_reviewer"', "用人单位",
                   '"review"', '"load_starter"'):
        assert needle in text, needle
    dmn = admin(app).get("/admin/processes/reward_amounts/edit").get_data(as_text=True)
    assert "dmn-modeler.production.min.js" in dmn
    assert admin(app).get("/admin/processes/nope/edit").status_code == 404


def test_editor_posts_need_the_csrf_token(app, api):
    browser = admin(app)
    browser.get("/admin/processes/talent_selection/edit")
    for path in ("/admin/processes/validate", "/admin/processes/deploy"):
        assert post_xml(browser, path, SELECTION, None).status_code == 400
        assert post_xml(browser, path, SELECTION, "forged").status_code == 400
    r = post_xml(browser, "/admin/processes/validate", SELECTION, browser.token)
    assert r.status_code == 200 and r.get_json() == {"valid": True, "problems": [], "kind": "bpmn"}
    broken = SELECTION.replace('name="leadership">', 'name="boss">', 1)
    r = post_xml(browser, "/admin/processes/deploy", broken, browser.token)
    assert r.status_code == 422 and r.get_json()["problems"][0]["element_id"] == "Lane_leadership"
    r = post_xml(browser, "/admin/processes/deploy", SELECTION.replace("单位初审", "单位审核", 1), browser.token)
    assert r.status_code == 201 and r.get_json()["version"] == 2
    big = "<x>" + " " * (3 * 1024 * 1024) + "</x>"
    r = post_xml(browser, "/admin/processes/validate", big, browser.token)
    assert r.status_code == 413 and "过大" in r.get_json()["message"]


def test_list_diff_and_download(app, api):
    browser = admin(app)
    browser.get("/admin/processes/talent_selection/edit")
    post_xml(browser, "/admin/processes/deploy", SELECTION.replace('name="单位初审"', 'name="单位审核"', 1),
             browser.token)
    page = browser.get("/admin/processes?diff=talent_selection&a=1&b=2").get_data(as_text=True)
    assert "第 1 版 → 第 2 版" in page and "unit_review" in page and "决策表" in page
    assert browser.get("/admin/processes?diff=talent_selection&a=1&b=9").status_code == 404
    assert browser.get("/admin/processes?diff=talent_selection&a=x&b=-1").status_code == 404
    r = browser.get("/admin/processes/talent_selection/versions/1/xml")
    assert r.mimetype == "application/xml" and r.get_data(as_text=True) == SELECTION
