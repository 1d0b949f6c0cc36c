"""Browser tests: Debian's chromium (headless, driven by Playwright) against a real server.

They walk a selection case through every role's pages to registration, a return for
correction, and a reward case to payment, check that another unit's reviewer never sees the
case, and write screenshots to test-artifacts/ (git-ignored). Skipped where /usr/bin/chromium
is missing; `.ci/run` installs it."""
from __future__ import annotations

import re
from datetime import date

import pytest

from web_server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, browser_available, running_server

pytestmark = pytest.mark.skipif(not browser_available(),
                                reason="needs /usr/bin/chromium and the playwright package")

YEAR = date.today().year


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(tmp_path, sqlite_template, browser):
    with running_server(tmp_path, sqlite_template) as (base_url, app, platform):
        yield Site(browser, base_url, app)


class Site:
    """One logged-in browser context per user, as if each sat at their own desk."""

    def __init__(self, browser, base_url, app):
        self.browser, self.base_url, self.app = browser, base_url, app
        self.pages = {}

    def as_user(self, username):
        if username not in self.pages:
            context = self.browser.new_context(base_url=self.base_url, locale="en-US",
                                               viewport={"width": 1280, "height": 900})
            context.set_default_timeout(15000)
            page = context.new_page()
            page.goto("/")
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "demo")
            page.click("button:has-text('登录')")
            page.wait_for_selector("h1:has-text('待办')")
            self.pages[username] = page
        page = self.pages[username]
        page.goto("/")
        return page

    def open_task(self, username, applicant, title):
        """From the inbox: the row naming the applicant and the step, then its task page."""
        page = self.as_user(username)
        row = page.locator("table.inbox tbody tr", has_text=applicant).filter(has_text=title)
        assert row.count() == 1, f"{username} should see {title} of {applicant}"
        row.locator("a.applicant").click()
        page.wait_for_selector(f"h1:has-text('{title}')")
        return page

    def review(self, username, applicant, title, decision="approve", comment="同意"):
        page = self.open_task(username, applicant, title)
        page.check(f"input[name=decision][value={decision}]")
        page.fill("textarea[name=comment]", comment)
        page.click("button:has-text('提交审核意见')")
        page.wait_for_selector(".flash:has-text('已提交')")
        return page

    def shot(self, page, name):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def fill_application(page, name="张明", birth=f"{YEAR - 35}-01-15"):
    page.fill("input[name=name]", name)
    page.check("input[name=gender][value=male]")
    page.fill("input[name=birth_date]", birth)
    page.fill("input[name=work_start_date]", f"{YEAR - 10}-07-01")
    page.select_option("select[name=talent_category]", "professional_technical")
    page.select_option("select[name=education]", "bachelor")
    for field in ("professional_title", "skill_level", "agri_title"):
        page.select_option(f"select[name={field}]", "none")
    page.fill("input[name=appraisals-0-year]", str(YEAR - 1))
    page.select_option("select[name=appraisals-0-grade]", "excellent")
    page.fill("input[name=appraisals-1-year]", str(YEAR - 2))
    page.select_option("select[name=appraisals-1-grade]", "competent")
    page.check("input[name=ethics_attested][value=true]")
    page.check("input[name=service_agreement][value=true]")
    page.fill("input[name=service_years]", "5")
    page.check("input[name=shortage_exception][value=false]")


def start_selection(site, username):
    page = site.as_user(username)
    page.click("nav.mainnav a:has-text('申请选拔')")
    page.click("button:has-text('开始填写登记表')")
    page.wait_for_selector("h1:has-text('填写人才培养对象登记表')")
    return page


def submit_form(page):
    page.click("form.task-form button.primary[type=submit]")
    page.wait_for_load_state()


def case_id_of(page) -> int:
    return int(re.search(r"/cases/(\d+)", page.url).group(1))


def test_selection_case_through_every_role_to_registration(site):
    page = start_selection(site, "applicant")
    fill_application(page)
    page.fill("input[name=birth_date]", "")           # forget one field ...
    page.fill("input[name=service_years]", "60")       # ... and mistype another
    submit_form(page)
    error = page.locator(".field.has-error", has_text="出生日期")
    assert "此项为必填项" in error.inner_text()
    assert "不能大于 50" in page.locator(".field.has-error", has_text="服务年限").inner_text()
    assert page.input_value("input[name=name]") == "张明"               # values kept
    assert page.input_value("select[name=talent_category]") == "professional_technical"
    assert page.input_value("input[name=appraisals-1-year]") == str(YEAR - 2)
    site.shot(page, "task-form-with-error")
    page.fill("input[name=birth_date]", f"{YEAR - 35}-01-15")
    page.fill("input[name=service_years]", "5")
    submit_form(page)
    page.wait_for_selector(".flash:has-text('已提交')")
    case_id = case_id_of(page)

    inbox = site.as_user("unit_reviewer")
    assert inbox.locator("table.inbox tbody tr", has_text="张明").count() == 1
    site.shot(inbox, "inbox")
    page = site.open_task("unit_reviewer", "张明", "单位初审")
    assert "专业技术人才" in page.inner_text("table.kv")       # the applicant's form, in Chinese
    page.click(".claim-bar button:has-text('签收')")
    page.wait_for_selector(".flash:has-text('已签收')")
    page.check("input[name=decision][value=approve]")
    page.click("button:has-text('提交审核意见')")
    page.wait_for_selector(".flash:has-text('已提交')")

    assert_hidden_from(site, "unit_reviewer2", case_id, "张明")
    page = site.as_user("applicant")
    page.goto(f"/cases/{case_id}")
    page.wait_for_selector("#diagram[data-rendered=true]")
    assert page.locator(".djs-element.tf-done").count() >= 2
    assert page.locator(".djs-element.tf-current").count() == 1
    site.shot(page, "case-with-diagram")

    site.review("department_reviewer", "张明", "主管部门审查汇总")
    site.review("org_reviewer", "张明", "区委组织部资格审查")
    site.review("hr_reviewer", "张明", "区人社局资格审查")
    site.review("leadership", "张明", "区人才工作领导小组审定")
    assert_hidden_from(site, "unit_reviewer2", case_id, "张明")

    page = site.as_user("applicant")
    page.click("nav.mainnav a:has-text('我的申请')")
    # 我的申请 lists the selection case and, since registration, the talent's cultivation plan
    # case (the service starts it with the talent as its starter)
    page.locator("table.list tbody tr", has_text="人才培养对象选拔").locator("a.applicant").click()
    assert page.inner_text(".page-head .status") == "已入库"
    assert "区人才工作领导小组审定" in page.inner_text("ol.timeline")
    page.goto(f"/cases/{case_id}/print")
    assert "自流井区人才培养对象登记表" in page.inner_text("h1")

    page = site.as_user("hr_reviewer")
    page.click("nav.mainnav a:has-text('人才信息库')")
    assert page.locator("table.list tbody tr", has_text="张明").count() == 1
    with page.expect_download() as download:
        page.click("a:has-text('导出 Excel')")
    assert download.value.suggested_filename.endswith(".xlsx")


def assert_hidden_from(site, username, case_id, applicant):
    page = site.as_user(username)
    assert page.locator("table.inbox tbody tr", has_text=applicant).count() == 0
    response = page.goto(f"/cases/{case_id}")
    assert response.status == 404 and response.url.endswith(f"/cases/{case_id}")
    assert page.locator("text=" + applicant).count() == 0


def test_return_for_correction_then_withdraw(site):
    page = start_selection(site, "applicant2")
    fill_application(page, name="李娟")
    submit_form(page)
    case_id = case_id_of(page)

    page = site.open_task("unit_reviewer2", "李娟", "单位初审")
    page.check("input[name=decision][value=return]")
    page.click("button:has-text('提交审核意见')")                  # no comment: refused
    assert "此项为必填项" in page.inner_text(".field.has-error")
    assert page.is_checked("input[name=decision][value=return]")
    page.fill("textarea[name=comment]", "请补充近两年考核证明")
    page.click("button:has-text('提交审核意见')")
    page.wait_for_selector(".flash:has-text('已提交')")
    assert_hidden_from(site, "unit_reviewer", case_id, "李娟")

    page = site.open_task("applicant2", "李娟", "填写人才培养对象登记表")
    assert "请补充近两年考核证明" in page.inner_text("ol.timeline")
    assert page.input_value("input[name=name]") == "李娟"          # earlier answers pre-filled
    page.click("[data-add-row]")
    page.fill("input[name=appraisals-2-year]", str(YEAR - 3))
    page.select_option("select[name=appraisals-2-grade]", "excellent")
    submit_form(page)
    page.wait_for_selector(".flash:has-text('已提交')")

    page = site.open_task("unit_reviewer2", "李娟", "单位初审")
    assert page.locator("table.inner tr").count() == 4             # header + three appraisals
    page = site.as_user("applicant2")
    page.goto(f"/cases/{case_id}")
    page.click("a:has-text('撤回申请')")
    page.fill("textarea[name=comment]", "另行申请")
    page.click("#confirm-withdraw")
    assert page.inner_text(".page-head .status") == "已撤回"
    assert site.as_user("unit_reviewer2").locator("table.inbox tbody tr", has_text="李娟").count() == 0


def test_reward_case_to_payment(site):
    from conftest import ApiClient
    from flows import register_talent
    register_talent(ApiClient(site.app))                            # 张明 is a registered talent

    page = site.as_user("applicant")
    page.click("nav.mainnav a:has-text('申请奖励')")
    table = page.inner_text("table.rewards")
    assert "高一级职称奖励" in table and "1000" in table and "5000" in table
    page.click("button:has-text('填写奖励申请表')")
    page.wait_for_selector("h1:has-text('填写人才培养奖励申请表')")
    page.select_option("select[name=reward_type]", "title")
    page.check("input[name=title_level][value=associate_senior]")
    page.fill("input[name=service_years]", "5")
    submit_form(page)
    page.wait_for_selector(".flash:has-text('已提交')")
    case_id = case_id_of(page)
    assert "1000 元" in page.inner_text("dl.facts")

    for user, title in [("unit_reviewer", "单位初审"), ("department_reviewer", "主管部门审查汇总"),
                        ("org_reviewer", "区委组织部复审"), ("hr_reviewer", "区人社局复审"),
                        ("leadership", "区人才工作领导小组批准"), ("finance", "人才开发专项资金支付")]:
        site.review(user, "张明", title)
    assert_hidden_from(site, "unit_reviewer2", case_id, "张明")

    page = site.as_user("applicant")
    page.goto(f"/cases/{case_id}")
    assert page.inner_text(".page-head .status") == "已支付"
    page.wait_for_selector("#diagram[data-rendered=true]")
    page.goto(f"/cases/{case_id}/print")
    assert "自流井区人才培养奖励申请表" in page.inner_text("h1")
    assert "1000 元" in page.inner_text("table.paper")
