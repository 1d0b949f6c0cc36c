"""Operations pages: 转办 / 释放 / 回退 / 暂存 on the task page, 全部案件, 全部标为已读,
the returned form's notice, a double-clicked submit."""
from __future__ import annotations

import io
import re

from conftest import application_form
from flows import submit_selection, to_leadership
from test_web_pages import Browser, text, web  # noqa: F401  (the fixture)


def test_reassign_and_admin_release_from_the_task_page(api, web):  # noqa: F811
    api.create_user("unit_reviewer_b", ["unit_reviewer"], unit_id=api.me("unit_reviewer")["unit_id"],
                    display_name="钱七")
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    reviewer = web("unit_reviewer")
    page = text(reviewer.get(f"/tasks/{task['id']}"))
    assert "转办给" not in page  # not held yet: nothing to hand on
    reviewer.post(f"/tasks/{task['id']}/claim", {"back": "task"})
    page = text(reviewer.get(f"/tasks/{task['id']}"))
    picker = re.search(r'<select name="username".*?</select>', page, re.S).group(0)
    assert "unit_reviewer_b" in picker and "unit_reviewer2" not in picker and "(unit_reviewer)" not in picker
    r = reviewer.post(f"/tasks/{task['id']}/assign", {"username": "unit_reviewer2"})
    assert r.status_code == 302  # refused with a message, nothing changed
    assert api.task_of(instance_id, "unit_reviewer", "unit_review")["assignee"] == "unit_reviewer"
    assert "只能转办给" in text(reviewer.get(f"/tasks/{task['id']}"))
    r = reviewer.post(f"/tasks/{task['id']}/assign", {"username": "unit_reviewer_b"})
    assert r.status_code == 302
    assert api.get(f"/api/tasks/{task['id']}", "admin").get_json()["assignee"] == "unit_reviewer_b"
    admin = web("admin")
    page = text(admin.get(f"/tasks/{task['id']}"))
    assert "释放" in page and "转办给" in page
    assert admin.post(f"/tasks/{task['id']}/release").status_code == 302
    assert api.get(f"/api/tasks/{task['id']}", "admin").get_json()["assignee"] is None


def test_return_to_a_chosen_step_from_the_review_form(api, web):  # noqa: F811
    instance_id = to_leadership(api)
    task = api.task_of(instance_id, "leadership")
    leader = web("leadership")
    page = text(leader.get(f"/tasks/{task['id']}"))
    select = re.search(r'<select name="return_to".*?</select>', page, re.S).group(0)
    assert "单位初审" in select and "主管部门审查汇总" in select and "区人才工作领导小组审定" not in select
    # the default is where the diagram's return path goes: not always the applicant
    assert '<option value="">流程默认的退回环节</option>' in select and "申请人（默认）" not in select
    r = leader.post(f"/tasks/{task['id']}", {"decision": "return", "comment": "请单位复核",
                                             "return_to": "no_such"})
    assert r.status_code == 422 and "只能退回到" in text(r)
    r = leader.post(f"/tasks/{task['id']}", {"decision": "return", "comment": "请单位复核",
                                             "return_to": "unit_review"})
    assert r.status_code == 302
    review = api.task_of(instance_id, "unit_reviewer", "unit_review")
    page = text(web("unit_reviewer").get(f"/tasks/{review['id']}"))
    assert "请单位复核" in page and "此事项已被退回" in page
    case_page = text(web("applicant").get(f"/cases/{instance_id}"))
    assert "退回至：单位初审" in case_page


def test_a_reviewer_s_own_return_is_not_shown_to_them_as_an_instruction(api, web):  # noqa: F811
    """The unit reviewer sent the case back; resubmitted, the review opens again for them
    without "此事项已被退回" (that notice is for the step the return came back to)."""
    instance_id = submit_selection(api)
    api.review(instance_id, "unit_reviewer", "unit_review", "return", "请补充证书")
    task = api.task_of(instance_id, "applicant", "submit_application")
    assert "此事项已被退回" in text(web("applicant").get(f"/tasks/{task['id']}"))
    assert api.complete(task["id"], application_form(), "applicant").status_code == 200
    review = api.task_of(instance_id, "unit_reviewer", "unit_review")
    page = text(web("unit_reviewer").get(f"/tasks/{review['id']}"))
    assert "此事项已被退回" not in page and "请补充证书" in page  # (the history still shows it)


def test_returned_form_shows_the_comment_and_a_draft_survives(api, web):  # noqa: F811
    instance_id = submit_selection(api)
    api.review(instance_id, "unit_reviewer", "unit_review", "return", "请补充学历证明")
    task = api.task_of(instance_id, "applicant", "submit_application")
    applicant = web("applicant")
    page = text(applicant.get(f"/tasks/{task['id']}"))
    assert "请补充学历证明" in page and "暂存" in page
    form = {k: str(v) for k, v in application_form().items() if not isinstance(v, (list, bool))}
    form.update(name="张明明", action="draft")
    r = applicant.post(f"/tasks/{task['id']}", form)
    assert r.status_code == 302
    page = text(applicant.get(f"/tasks/{task['id']}"))
    assert 'value="张明明"' in page and "暂存的内容" in page
    assert api.get(f"/api/tasks/{task['id']}/draft", "applicant").get_json()["data"]["name"] == "张明明"


def test_upload_keeps_what_was_typed(api, web):  # noqa: F811
    r = api.start("talent_selection", "applicant")
    instance_id = r.get_json()["id"]
    task = api.task_of(instance_id, "applicant", "submit_application")
    applicant = web("applicant")
    applicant.get(f"/tasks/{task['id']}")
    r = applicant.post(f"/cases/{instance_id}/attachments", {
        "task_id": str(task["id"]), "draft::name": "王小明", "draft::service_years": "6",
        "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "cert.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 302
    page = text(applicant.get(f"/tasks/{task['id']}"))
    assert 'value="王小明"' in page and "cert.pdf" in page


def test_double_submit_lands_on_the_result(api, web):  # noqa: F811
    instance_id = submit_selection(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    reviewer = web("unit_reviewer")
    reviewer.get(f"/tasks/{task['id']}")
    data = {"decision": "approve", "comment": "同意"}
    assert reviewer.post(f"/tasks/{task['id']}", data).status_code == 302
    second = reviewer.post(f"/tasks/{task['id']}", data)
    assert second.status_code == 302


def test_all_cases_page_for_district_roles_only(api, web):  # noqa: F811
    first = submit_selection(api)
    submit_selection(api, "applicant2", name="李娟")
    page = text(web("org_reviewer").get("/cases"))
    assert "全部案件" in page and f'href="/cases/{first}"' in page and "李娟" in page
    assert "单位初审（" in page
    filtered = text(web("admin").get("/cases?q=%E6%9D%8E"))
    assert "李娟" in filtered and f'href="/cases/{first}"' not in filtered
    assert web("admin").get("/cases?status=bogus&unit_id=x").status_code == 200
    assert web("applicant").get("/cases").status_code == 403
    assert 'href="/cases"' not in text(web("applicant").get("/"))
    assert 'href="/cases"' in text(web("leadership").get("/"))
    finance = text(web("finance").get("/cases"))  # the special fund: only cases it has a step in
    assert "没有符合条件的案件" in finance


def test_read_all_button(api, web):  # noqa: F811
    submit_selection(api)
    reviewer = web("unit_reviewer")
    page = text(reviewer.get("/notifications"))
    assert "全部标为已读" in page and "新待办" in page
    assert reviewer.post("/notifications/read-all").status_code == 302
    assert all(n["read"] for n in api.get("/api/notifications", "unit_reviewer").get_json())
    assert "全部标为已读" not in text(reviewer.get("/notifications"))


def test_start_pages_say_who_may_start_before_the_form(api, web):  # noqa: F811
    page = text(web("finance").get("/start/selection"))
    assert "未登记所在单位" in page and "开始填写登记表" not in page
    finance = web("finance")
    finance.get("/start/selection")
    r = finance.post("/start/talent_selection")
    assert r.status_code == 302 and r.headers["Location"].endswith("/start/selection")
    assert "未登记所在单位" in text(finance.get("/start/selection"))
    assert "开始填写登记表" in text(web("applicant").get("/start/selection"))
    page = text(web("applicant").get("/start/reward"))
    assert "不在人才信息库" in page and "填写奖励申请表" not in page
    page = text(web("unit_reviewer").get("/start/reward"))
    assert "只能以单位名义申请人才平台建设补助" in page and "填写奖励申请表" in page


def test_reward_form_ties_fields_to_the_reward_type(api, web):  # noqa: F811
    from flows import register_talent
    register_talent(api)
    applicant = web("applicant")
    applicant.get("/start/reward")
    page = text(applicant.get("/start/reward"))
    assert "可以申请奖励" in page
    r = applicant.post("/start/reward_application")
    assert r.status_code == 302, text(r)[:500]
    page = text(applicant.get(r.headers["Location"]))
    assert re.search(r'data-show-when="\{&#34;reward_type&#34;: \[&#34;project&#34;\]\}"', page) or \
        re.search(r'data-show-when="\{&quot;reward_type&quot;: \[&quot;project&quot;\]\}"', page), page[:3000]
    assert page.count("data-required-when") >= 5
