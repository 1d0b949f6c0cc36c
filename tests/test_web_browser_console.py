"""Browser tests of the admin console and the dashboard (Debian's chromium via Playwright
against a real server): an admin creates a unit and a user in /admin, the new user logs in;
/reports draws every chart (canvas present and painted) on the demo cases. Screenshots at a
desktop and a 390 px phone width go to test-artifacts/ (or $TALENTFLOW_SHOTS_DIR)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from talentflow import demo
from web_server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, browser_available, running_server

pytestmark = pytest.mark.skipif(not browser_available(),
                                reason="needs /usr/bin/chromium and the playwright package")

SHOTS = Path(os.environ.get("TALENTFLOW_SHOTS_DIR") or ARTIFACTS)
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
CHARTS = ["chart-cases", "chart-tasks", "chart-overdue", "chart-talent-status",
          "chart-talent-category", "chart-rewards"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path, sqlite_template):
    with running_server(tmp_path, sqlite_template) as (base_url, app, platform):
        yield base_url, platform


def login(browser, base_url, username, password="demo", viewport="desktop"):
    context = browser.new_context(base_url=base_url, locale="en-US", viewport=WIDTHS[viewport])
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto("/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button:has-text('登录')")
    page.wait_for_selector("h1:has-text('待办')")
    return page


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_admin_creates_a_unit_and_a_user_in_the_console(browser, server):
    base_url, _ = server
    page = login(browser, base_url, "admin")
    page.click("nav.mainnav a:has-text('系统管理')")
    page.wait_for_selector("h1:has-text('系统管理')")
    assert page.locator("a[href='/admin/processes']").count() >= 1
    shot(page, "console-index-desktop")

    page.click("nav.admin-tabs a:has-text('部门和单位')")
    page.fill("#f-unit-name", "自贡市自流井区图书馆")
    page.select_option("#f-unit-type", "public_institution")
    page.select_option("#f-unit-dept", label="区教育局")
    page.click("button:has-text('新建单位')")
    page.wait_for_selector(".flash:has-text('已创建单位：自贡市自流井区图书馆')")
    shot(page, "console-units-desktop")

    page.click("nav.admin-tabs a:has-text('用户')")
    # a refused form keeps what was typed and says why beside the field
    page.fill("#f-username", "librarian")
    page.fill("#f-password", "short")
    page.fill("#f-display_name", "图书馆 王老师")
    page.click("button:has-text('创建用户')")
    page.wait_for_selector(".field-error:has-text('密码至少 8 个字符')")
    assert page.locator(".field-error:has-text('至少需要一个角色')").count() == 1
    assert page.input_value("#f-username") == "librarian"
    assert page.input_value("#f-display_name") == "图书馆 王老师"
    shot(page, "console-user-refused-desktop")

    page.fill("#f-password", "library-pass-1")
    page.check("input[name=roles][value=applicant]")
    page.select_option("#f-unit_id", label="自贡市自流井区图书馆")
    page.fill("#f-email", "librarian@example.test")
    page.click("button:has-text('创建用户')")
    page.wait_for_selector(".flash:has-text('已创建用户：librarian')")
    row = page.locator("table.list tbody tr", has_text="librarian")
    assert row.count() == 1 and "自贡市自流井区图书馆" in row.inner_text()
    shot(page, "console-users-desktop")

    newcomer = login(browser, base_url, "librarian", "library-pass-1")
    assert "图书馆 王老师" in newcomer.locator(".who").inner_text()

    phone = login(browser, base_url, "admin", viewport="phone")
    for path, name in [("/admin/users", "console-users"), ("/admin/units", "console-units"),
                       ("/admin/settings", "console-settings")]:
        phone.goto(path)
        shot(phone, f"{name}-phone")
    page.goto("/admin/settings")
    shot(page, "console-settings-desktop")


def painted(page, chart_id) -> bool:
    """The chart's canvas exists and has non-transparent pixels."""
    return page.evaluate("""(id) => {
        const canvas = document.querySelector('#' + id + ' canvas');
        if (!canvas || !canvas.width || !canvas.height) return false;
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
        return false;
    }""", chart_id)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_reports_draw_every_chart(browser, server, viewport):
    base_url, platform = server
    with platform.transaction() as session:
        demo.seed_cases(platform, session)
    page = login(browser, base_url, "leadership", viewport=viewport)
    page.goto("/reports")
    page.wait_for_selector("h1:has-text('统计报表')")
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart} canvas")
        assert painted(page, chart), chart
    assert page.locator("table.report-table").count() == len(CHARTS)
    assert "人才开发专项资金" in page.content()
    shot(page, f"reports-{viewport}")
