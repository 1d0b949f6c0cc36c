"""The process designer in a real browser (Playwright + Debian's chromium): open the bpmn-js
modeler on the selection diagram, see the lanes labelled with the roles' Chinese names, break a
service task in the side panel and see 校验 list and mark the problem, fix it, rename a step
and 部署 it as version 2; then change an amount in the dmn-js editor and deploy the table.
Screenshots go to /tmp/shots-issue10/ (desktop and 390 px)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from web_server import CHROMIUM, CHROMIUM_ARGS, browser_available, running_server

from talentflow.core.models import ProcessDefinition

pytestmark = pytest.mark.skipif(not browser_available(),
                                reason="needs /usr/bin/chromium and the playwright package")
SHOTS = Path("/tmp/shots-issue10")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def login(browser, base_url, username="admin", width=1440, height=900):
    context = browser.new_context(base_url=base_url, locale="en-US",
                                  viewport={"width": width, "height": height})
    context.set_default_timeout(20000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button:has-text('登录')")
    page.wait_for_selector("h1:has-text('待办')")
    return page, errors


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def versions(platform, process_id):
    with platform.transaction() as session:
        return [(d.version, d.name) for d in session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.process_id == process_id)
            .order_by(ProcessDefinition.version))]


def test_edit_validate_and_deploy_a_process(tmp_path, sqlite_template, browser):
    with running_server(tmp_path, sqlite_template) as (base_url, _app, platform):
        page, errors = login(browser, base_url)
        page.click("nav a:has-text('流程设计')")
        page.wait_for_selector("h1:has-text('流程设计')")
        shot(page, "01-processes")
        page.locator("section[data-process=talent_selection] a:has-text('编辑最新版本')").click()
        page.wait_for_selector("#canvas[data-rendered=true]")
        # the lanes show the roles' Chinese names
        lane_labels = page.locator(".tf-lane-label").all_inner_texts()
        assert "用人单位" in lane_labels and "区委组织部" in lane_labels, lane_labels
        page.click("#btn-validate")
        page.wait_for_selector("#designer-status.ok")
        assert "校验通过" in page.inner_text("#designer-status")
        shot(page, "02-editor-valid")

        # the service task loses its operation: 校验 lists the problem and marks the element
        page.click("[data-element-id=svc_load_starter]")
        panel = page.locator("#panel")
        panel.locator("label:has-text('服务操作') select").select_option("")
        page.click("#btn-validate")
        page.wait_for_selector("#designer-status.error")
        assert "svc_load_starter" in page.inner_text("#problems")
        # the whole message: its detail stood after the first " / " and was cut off
        assert " / " in page.inner_text("#problems"), page.inner_text("#problems")
        assert page.locator("[data-element-id=svc_load_starter].tf-problem").count() == 1
        shot(page, "03-editor-problem")
        page.click("#btn-deploy")
        page.wait_for_selector("#designer-status.error")
        assert versions(platform, "talent_selection") == [(1, "人才培养对象选拔")]

        # fixed, a step renamed, deployed as version 2
        panel.locator("label:has-text('服务操作') select").select_option("load_starter")
        page.click("[data-element-id=unit_review]")
        assert panel.locator("label:has-text('表单') select").input_value() == "review"
        name = panel.locator("label:has-text('名称') input")
        name.fill("单位初审（新）")
        name.press("Tab")
        page.click("#btn-validate")
        page.wait_for_selector("#designer-status.ok")
        page.click("#btn-deploy")
        page.wait_for_selector("#designer-status.ok:has-text('第 2 版')")
        assert page.inner_text("#current-version") == "当前为第 2 版"
        shot(page, "04-editor-deployed")
        assert [v for v, _ in versions(platform, "talent_selection")] == [1, 2]
        with platform.transaction() as session:
            compiled = platform.definitions.compiled(session, session.scalars(
                select(ProcessDefinition).where(ProcessDefinition.process_id == "talent_selection",
                                                ProcessDefinition.version == 2)).one())
        assert compiled.user_tasks["unit_review"].title == "单位初审（新）"
        assert compiled.user_tasks["unit_review"].role == "unit_reviewer"
        assert compiled.user_tasks["unit_review"].form == "review"

        # an extra review step drawn into the organisation department's lane, after the unit's
        # approval; its name and form set in the panel: version 3
        page.evaluate("""() => {
            const m = document.getElementById('canvas').tfModeler;
            const reg = m.get('elementRegistry'), modeling = m.get('modeling');
            const gw = reg.get('gw_has_department'), lane = reg.get('Lane_org_reviewer');
            const pool = reg.get('Participant_talent_selection');
            const task = modeling.createShape({type: 'bpmn:UserTask'},
                {x: gw.x - 70, y: lane.y + lane.height / 2}, pool);
            modeling.reconnectEnd(reg.get('flow_gw_unit_review__gw_has_department'), task,
                {x: task.x, y: task.y + task.height / 2});
            modeling.connect(task, gw);
            m.get('canvas').scrollToElement(task);
            m.get('selection').select(task);  // as a click on it would
        }""")
        page.wait_for_selector("#panel h3")
        step_id = panel.locator("label:has-text('编号') input")
        step_id.fill("extra_review")
        step_id.press("Tab")
        name = panel.locator("label:has-text('名称') input")
        name.fill("组织部预审")
        name.press("Tab")
        panel.locator("label:has-text('表单') select").select_option("review")
        page.click("#btn-validate")
        page.wait_for_selector("#designer-status.ok")
        shot(page, "04b-editor-extra-step")
        page.click("#btn-deploy")
        page.wait_for_selector("#designer-status.ok:has-text('第 3 版')")
        with platform.transaction() as session:
            compiled = platform.definitions.compiled(session, session.scalars(
                select(ProcessDefinition).where(ProcessDefinition.process_id == "talent_selection",
                                                ProcessDefinition.version == 3)).one())
        extra = compiled.user_tasks["extra_review"]
        assert (extra.title, extra.role, extra.form) == ("组织部预审", "org_reviewer", "review")

        # the list shows the versions and the diff between them
        page.goto("/admin/processes")
        section = page.locator("section[data-process=talent_selection]")
        section.locator("button:has-text('比较')").click()
        page.wait_for_selector("#diff")
        assert "extra_review" in page.inner_text(".diff-added")
        shot(page, "05-processes-diff")
        assert errors == [], errors

        # a phone-sized screen still gets the editor and the panel
        phone, phone_errors = login(browser, base_url, width=390, height=844)
        phone.goto("/admin/processes/talent_selection/edit")
        phone.wait_for_selector("#canvas[data-rendered=true]")
        shot(phone, "06-editor-390")
        phone.goto("/admin/processes")
        shot(phone, "07-processes-390")
        assert phone_errors == []


def test_edit_and_deploy_a_decision_table(tmp_path, sqlite_template, browser):
    with running_server(tmp_path, sqlite_template) as (base_url, _app, platform):
        page, errors = login(browser, base_url)
        page.goto("/admin/processes/reward_amounts/edit")
        page.wait_for_selector("#canvas[data-rendered=true]")
        cell = page.locator("td[data-element-id=OutputEntry_2_2] [contenteditable]")
        assert cell.inner_text().strip() == "5000"
        cell.click()
        page.keyboard.press("End")
        page.keyboard.type("0")  # 5000 -> 50000
        page.click("h1")
        page.click("#btn-validate")
        page.wait_for_selector("#designer-status.ok")
        shot(page, "08-dmn-editor")
        page.click("#btn-deploy")
        page.wait_for_selector("#designer-status.ok:has-text('第 2 版')")
        assert [v for v, _ in versions(platform, "reward_amounts")] == [1, 2]
        # the process that calls the table was redeployed with it
        assert [v for v, _ in versions(platform, "reward_application")] == [1, 2]
        with platform.transaction() as session:
            xml = session.scalars(select(ProcessDefinition.xml).where(
                ProcessDefinition.process_id == "reward_amounts",
                ProcessDefinition.version == 2)).one()
        assert "<text>50000</text>" in xml
        assert errors == [], errors


def test_the_designer_is_for_the_admin_only(tmp_path, sqlite_template, browser):
    with running_server(tmp_path, sqlite_template) as (base_url, _app, _platform):
        page, _ = login(browser, base_url, "org_reviewer")
        assert page.locator("nav a:has-text('流程设计')").count() == 0
        response = page.goto("/admin/processes/talent_selection/edit")
        assert response.status == 403
        assert page.locator("html").get_attribute("lang") == "zh-CN"
