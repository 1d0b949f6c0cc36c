"""Browser tests of the operations pages (Debian's chromium through Playwright): 转办 from the
task page with its picker, 回退 to a chosen step, the reward form showing only the fields of
the chosen type. Screenshots at desktop and phone width go to /tmp/shots-issue11/."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import USER_PASSWORD, ApiClient
from flows import register_talent, submit_selection, to_leadership
from test_web_browser import Site, browser, site  # noqa: F401  (fixtures)
from web_server import browser_available

pytestmark = pytest.mark.skipif(not browser_available(),
                                reason="needs /usr/bin/chromium and the playwright package")

SHOTS = Path("/tmp/shots-issue11")


def shots(page, name):
    """Desktop and a 390 px phone width, full page."""
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def login(site, username, password):
    context = site.browser.new_context(base_url=site.base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto("/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button:has-text('登录')")
    page.wait_for_selector("h1:has-text('待办')")
    return page


def test_reassign_from_the_task_page(site):  # noqa: F811
    api = ApiClient(site.app)
    api.create_user("unit_reviewer_b", ["unit_reviewer"], unit_id=api.me("unit_reviewer")["unit_id"],
                    display_name="钱七（区教育研究室人事）")
    submit_selection(api)
    page = site.open_task("unit_reviewer", "张明", "单位初审")
    assert page.locator("select[name=username]").count() == 0  # not held yet
    page.click("button:has-text('签收')")
    page.wait_for_selector(".flash:has-text('已签收')")
    options = page.locator("select[name=username] option").all_inner_texts()
    assert options == ["钱七（区教育研究室人事）（unit_reviewer_b）"], options
    shots(page, "task-reassign")
    page.select_option("select[name=username]", "unit_reviewer_b")
    page.click("button:has-text('转办')")
    page.wait_for_selector(".flash:has-text('已转办')")
    assert page.locator("table.inbox tbody tr", has_text="张明").count() == 0
    # the colleague is told and finds it in the inbox
    colleague = login(site, "unit_reviewer_b", USER_PASSWORD)
    assert colleague.locator("a.bell .badge").inner_text() == "2"  # the new task, then 转办
    colleague.click("a.bell")
    assert "转交给您办理" in colleague.locator("ul.notes").inner_text()
    shots(colleague, "notifications")
    colleague.locator("a.bell").click()
    colleague.goto("/")
    colleague.locator("table.inbox tbody tr", has_text="张明").locator("a.applicant").click()
    colleague.check("input[name=decision][value=approve]")
    colleague.click("button:has-text('提交审核意见')")
    colleague.wait_for_selector(".flash:has-text('已提交')")


def test_return_to_a_chosen_step(site):  # noqa: F811
    api = ApiClient(site.app)
    instance_id = to_leadership(api)
    page = site.open_task("leadership", "张明", "区人才工作领导小组审定")
    assert not page.locator("[data-return-to]").is_visible()  # only with “退回修改”
    page.check("input[name=decision][value=return]")
    assert page.locator("[data-return-to]").is_visible()
    options = page.locator("select[name=return_to] option").all_inner_texts()
    assert options[:4] == ["流程默认的退回环节", "填写人才培养对象登记表", "单位初审", "主管部门审查汇总"], options
    page.select_option("select[name=return_to]", "unit_review")
    page.fill("textarea[name=comment]", "请单位核实年度考核结果")
    shots(page, "task-return-to")
    page.click("button:has-text('提交审核意见')")
    page.wait_for_selector(".flash:has-text('已提交')")
    review = site.open_task("unit_reviewer", "张明", "单位初审")
    assert "请单位核实年度考核结果" in review.locator(".returned-notice").inner_text()
    shots(review, "task-returned")
    case = api.instance(instance_id, "admin")
    assert [h["return_to"] for h in case["history"] if h["decision"] == "return"] == ["unit_review"]
    admin = site.as_user("admin")
    admin.click("nav.mainnav a:has-text('全部案件')")
    row = admin.locator("table.all-cases tbody tr", has_text="张明")
    assert "单位初审" in row.inner_text()
    shots(admin, "all-cases")


def test_reward_form_shows_the_fields_of_the_chosen_type(site):  # noqa: F811
    api = ApiClient(site.app)
    register_talent(api)
    page = site.as_user("applicant")
    page.click("nav.mainnav a:has-text('申请奖励')")
    page.click("button:has-text('填写奖励申请表')")
    page.wait_for_selector("form.task-form")
    assert not page.locator("input[name=project_name]").is_visible()
    page.select_option("select[name=reward_type]", "project")
    assert page.locator("input[name=project_name]").is_visible()
    assert not page.locator("select[name=title_level]").is_visible()
    assert page.locator(".field:has(input[name=project_level]) .req").is_visible()
    assert not page.locator(".field:has(select[name=title_level]) .req").is_visible()
    page.check("input[name=project_level][value=municipal]")
    page.fill("input[name=project_name]", "盐都机械智能产线")
    page.set_input_files("form.upload input[type=file]", files=[{
        "name": "证明.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}])
    page.click("form.upload button")
    page.wait_for_selector(".flash:has-text('已上传')")
    assert page.input_value("select[name=reward_type]") == "project"
    assert page.input_value("input[name=project_name]") == "盐都机械智能产线"  # typed input kept
    shots(page, "reward-form")
