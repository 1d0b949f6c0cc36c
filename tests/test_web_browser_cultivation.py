"""Browser walk of the cultivation pages (issue 12): the plan flow from the unit's draft through
HR's return and approval, then the talent page with its plan, training progress, practice,
mentors and forms. Screenshots at desktop and 390 px width go to test-artifacts/ (and
$TALENTFLOW_SHOTS_DIR when set). Skipped where /usr/bin/chromium is missing."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from test_web_browser import Site, browser  # noqa: F401  (the module's browser fixture)
from web_server import ARTIFACTS, browser_available, running_server

pytestmark = pytest.mark.skipif(not browser_available(),
                                reason="needs /usr/bin/chromium and the playwright package")


@pytest.fixture
def site(tmp_path, sqlite_template, browser):  # noqa: F811
    from talentflow import demo
    with running_server(tmp_path, sqlite_template) as (base_url, app, platform):
        with platform.transaction() as session:
            demo.seed_talents(platform, session, platform.today())
        yield Site(browser, base_url, app), platform


def shot(page, name, full_page=True):
    for folder in filter(None, [ARTIFACTS, os.environ.get("TALENTFLOW_SHOTS_DIR")]):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


def talent_ids(platform) -> dict:
    from talentflow.models import Talent
    with platform.sessions() as session:
        return {t.name: t.id for t in session.scalars(select(Talent))}


def test_plan_flow_and_talent_page(site):
    site, platform = site
    # The unit drafts 林芳's plan (the case the service started at registration).
    page = site.open_task("unit_reviewer", "林芳", "单位制定培养计划")
    page.fill("[name=direction]", "基础教育课程改革骨干")
    page.fill("[name=focus]", "初中数学教研与课题研究")
    page.fill("[name=measures]", "党校培训两个月")
    shot(page, "plan-draft")
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector(".flash:has-text('已提交')")
    assert site.as_user("applicant").locator("table.inbox tbody tr", has_text="林芳").count() == 0
    # HR returns it, the unit completes it, HR approves.
    site.review("hr_reviewer", "林芳", "区人社局审核培养计划", "return", "培养措施请写明实践锻炼和导师")
    page = site.open_task("unit_reviewer", "林芳", "单位制定培养计划")
    assert page.input_value("[name=direction]") == "基础教育课程改革骨干"
    page.fill("[name=measures]", "党校培训两个月；下派乡镇学校支教半年；配备特级教师导师")
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector(".flash:has-text('已提交')")
    page = site.review("hr_reviewer", "林芳", "区人社局审核培养计划")

    # HR finds her in the talent database and opens her record.
    page = site.as_user("hr_reviewer")
    page.click("nav.mainnav a:has-text('人才信息库')")
    page.click("table.list a:has-text('林芳')")
    page.wait_for_selector("h1:has-text('人才培养档案')")
    assert "下派乡镇学校支教半年" in page.inner_text("#plan")
    assert "本培养期培训时间：0 天" in page.inner_text("#trainings")
    # record a training through the page's form (CSRF token included)
    ids = talent_ids(platform)
    from datetime import timedelta
    today = platform.today()
    form = page.locator("#trainings form")
    form.locator("select[name=kind]").select_option("party_school")
    form.locator("input[name=institution]").fill("中共自贡市委党校")
    form.locator("input[name=start_date]").fill(today.isoformat())
    form.locator("input[name=end_date]").fill((today + timedelta(days=29)).isoformat())
    form.locator("button").click()
    page.wait_for_selector(".flash:has-text('培训已登记')")
    assert "本培养期培训时间：30 天" in page.inner_text("#trainings")
    assert "尚差 30 天" in page.inner_text("#trainings")
    # a wrong date range is refused on the page with the reason, nothing saved
    form = page.locator("#practice form")
    form.locator("select[name=kind]").select_option("posting_down")
    form.locator("input[name=organization]").fill("荣边镇中心学校")
    form.locator("input[name=start_date]").fill((today + timedelta(days=10)).isoformat())
    form.locator("input[name=end_date]").fill(today.isoformat())
    form.locator("button").click()
    page.wait_for_selector(".flash.error")
    assert "结束日期不能早于开始日期" in page.inner_text("#practice")
    shot(page, "talent-page-form-error")
    form = page.locator("#practice form")
    form.locator("input[name=end_date]").fill((today + timedelta(days=180)).isoformat())
    form.locator("button").click()
    page.wait_for_selector(".flash:has-text('实践锻炼已登记')")
    assert page.locator("#practice table tbody tr").count() == 1
    shot(page, "talent-page-lin-desktop")

    # A talent with complete training and one short of it near the end of the period.
    page.goto(f"/talents/{ids['陈晓']}")
    assert "已达到要求" in page.inner_text("#trainings")
    assert page.locator("#practice table tbody tr").count() == 1
    assert page.locator("#mentors table tbody tr").count() == 1
    shot(page, "talent-page-chen-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/talents/{ids['黄磊']}")
    assert "尚差" in page.inner_text("#trainings")
    shot(page, "talent-page-huang-390")
    shot(page, "talent-page-huang-390-top", full_page=False)
    page.locator("#trainings").scroll_into_view_if_needed()
    shot(page, "talent-page-huang-390-trainings", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The talent sees their own record; another unit's reviewer gets 404.
    page = site.as_user("unit_reviewer2")
    response = page.goto(f"/talents/{ids['林芳']}")
    assert response.status == 404

