"""What the pages call things: role, unit-type, operation and notification-kind labels come
from the one map each has, never as raw keys or docstrings; plus the small page details a
user review found (a finished task's countdown, a dangling separator, tiny attachment sizes,
who changed a talent's status, 我的培养档案 for someone not registered)."""
from __future__ import annotations

import io
import json
import re

from sqlalchemy import select

from flows import register_talent, submit_selection
from talentflow.core import notifications
from talentflow.core.registry import REGISTRY
from talentflow.core.roles import ROLE_LABELS
from talentflow.models import Notification, Talent, User
from test_web_pages import text, web  # noqa: F401  (the fixture)


def test_case_page_gives_its_diagram_the_roles_chinese_names(api, web):  # noqa: F811
    instance_id = submit_selection(api)
    page = text(web("applicant").get(f"/cases/{instance_id}"))
    roles = json.loads(re.search(r"<script type=\"application/json\" id=\"role-labels\">(.*?)</script>",
                                 page, re.S).group(1))
    assert roles["applicant"] == "申请人" and roles["unit_reviewer"] == ROLE_LABELS["unit_reviewer"]
    # the designer and the case page label lanes with the same script
    assert "lane-labels.js" in page


def test_printed_form_names_the_applicant_in_its_header(api, web):  # noqa: F811
    instance_id = submit_selection(api, name="王小明")
    page = text(web("applicant").get(f"/cases/{instance_id}/print"))
    header = re.search(r'<p class="sub">(.*?)</p>', page, re.S).group(1)
    assert "申请人：王小明" in header


def test_unit_type_error_names_the_chinese_types(web):  # noqa: F811
    admin = web("admin")
    admin.get("/admin/units")
    r = admin.post("/admin/units/new", {"name": "区档案馆", "type": "", "department_id": ""})
    assert r.status_code == 422
    error = re.search(r'<span class="field-error" role="alert">(单位类型[^<]*)</span>', text(r)).group(1)
    assert "党政机关" in error and "参照公务员管理的事业单位" in error
    assert "party_government" not in error and "civil_service_institution" not in error


def test_unit_type_error_keeps_its_key_in_the_api(api):
    units = api.get("/api/admin/units", "admin").get_json()
    r = api.client.patch(f"/api/admin/units/{units[0]['id']}", json={"type": "castle"},
                         headers=api.headers("admin"))
    assert r.status_code == 422 and list(r.get_json()["errors"]) == ["type"]


def test_designer_offers_every_operation_by_its_chinese_label(web):  # noqa: F811
    page = text(web("admin").get("/admin/processes/talent_selection/edit"))
    config = json.loads(re.search(r'<script type="application/json" id="designer-config">(.*?)</script>',
                                  page, re.S).group(1))
    offered = {op["key"]: op["label"] for op in config["operations"]}
    assert set(offered) == set(REGISTRY.operations)
    for key, label in offered.items():
        assert label != key and re.search(r"[\u4e00-\u9fff]", label), (key, label)
        assert len(label) <= 30 and "`" not in label, (key, label)  # a label, not a docstring


def test_every_shipped_operation_is_registered_with_a_label():
    import talentflow.platform  # noqa: F401  (imports every feature, so every operation)
    assert "register_talent" in REGISTRY.operations and "load_starter" in REGISTRY.operations
    assert set(REGISTRY.operation_labels) == set(REGISTRY.operations)


def test_an_operation_without_a_label_is_offered_by_its_key():
    from talentflow.core.registry import Registry
    registry = Registry()

    @registry.operation
    def bare(ctx, data, params):
        return None

    @registry.operation(label="有标签")
    def labelled(ctx, data, params):
        return None

    assert registry.operation_label("bare") == "bare"
    assert str(registry.operation_label("labelled")) == "有标签"
    assert set(registry.operations) == {"bare", "labelled"}


def test_notifications_page_labels_every_kind(platform, web):  # noqa: F811
    with platform.transaction() as session:
        user = session.scalars(select(User).where(User.username == "applicant")).one()
        notifications.notify(session, user, "service_breach", "违约通知")
        notifications.notify(session, user, "training_shortfall", "培训不足通知")
    page = text(web("applicant").get("/notifications"))
    for kind in ("service_breach", "training_shortfall"):
        badge = re.search(rf'<span class="kind kind-{kind}">([^<]+)</span>', page)
        assert badge and badge.group(1).strip(), kind


def test_every_notification_kind_has_a_label_and_unknown_kinds_are_refused(platform, seeded):
    assert {"task", "assigned", "returned", "rejected", "completed", "reminder", "round_opened",
            "evaluation", "service_breach", "training_shortfall"} <= set(REGISTRY.notification_kinds)
    assert all(str(label).strip() for label in REGISTRY.notification_kinds.values())
    with platform.transaction() as session:
        user = session.scalars(select(User).where(User.username == "applicant")).one()
        try:
            notifications.notify(session, user, "no_such_kind", "x")
        except ValueError as exc:
            assert "no_such_kind" in str(exc)
        else:
            raise AssertionError("a kind nobody labelled was written")
        session.rollback()
    with platform.sessions() as session:
        assert session.scalar(select(Notification.id).where(Notification.kind == "no_such_kind")) is None


def task_id(platform, instance_id, name):
    from talentflow.models import HumanTask
    with platform.sessions() as session:
        return session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id,
                                                         HumanTask.name == name))


def page_head(page: str) -> str:
    return re.search(r'<div class="page-head">(.*?)</div>\s*</div>', page, re.S).group(1)


def test_a_completed_task_shows_no_countdown(api, platform, web):  # noqa: F811
    instance_id = submit_selection(api)
    applicant = web("applicant")
    done = page_head(text(applicant.get(f"/tasks/{task_id(platform, instance_id, 'submit_application')}")))
    assert "已办结" in done and 'class="due' not in done and "个工作日" not in done
    open_ = page_head(text(web("unit_reviewer").get(f"/tasks/{task_id(platform, instance_id, 'unit_review')}")))
    assert 'class="due' in open_ and "个工作日" in open_  # an open task keeps its countdown


def test_case_links_have_no_dangling_separator(api, platform, web):  # noqa: F811
    register_talent(api)  # starts the cultivation plan case: no printable form
    from talentflow.models import HumanTask
    with platform.sessions() as session:
        draft = session.scalars(select(HumanTask).where(HumanTask.name == "draft_plan")).one()
    page = text(web("unit_reviewer").get(f"/tasks/{draft.id}"))
    links = re.sub(r"<[^>]+>|\s+", "", re.search(r'<p class="links">(.*?)</p>', page, re.S).group(1))
    assert links == "案件详情与流程图", links
    selection = task_id(platform, submit_selection(api, "applicant2"), "unit_review")
    page = text(web("unit_reviewer2").get(f"/tasks/{selection}"))
    links = re.sub(r"<[^>]+>|\s+", "", re.search(r'<p class="links">(.*?)</p>', page, re.S).group(1))
    assert links.startswith("案件详情与流程图·") and not links.endswith("·"), links


def test_attachment_sizes_read_well_below_and_above_one_kb(api, web):  # noqa: F811
    instance_id = submit_selection(api)
    applicant = web("applicant")
    applicant.get(f"/cases/{instance_id}")
    for name, size in (("小.pdf", 512), ("大.pdf", 3 * 1024 + 300)):
        applicant.post(f"/cases/{instance_id}/attachments",
                       {"file": (io.BytesIO(b"%PDF-1.4" + b"x" * (size - 8)), name)},
                       content_type="multipart/form-data")
    page = text(applicant.get(f"/cases/{instance_id}"))
    assert re.search(r"小\.pdf</a> <span class=\"muted\">512 字节 ·", page)
    assert re.search(r"大\.pdf</a> <span class=\"muted\">3\.3 KB ·", page)
    assert "0.0 KB" not in page


def test_status_history_names_who_changed_it(api, platform, web):  # noqa: F811
    register_talent(api)
    with platform.sessions() as session:
        tid = session.scalars(select(Talent.id)).one()
    r = api.post(f"/api/talents/{tid}/status", {"status": "suspended", "reason": "借调外省一年"},
                 "hr_reviewer")
    assert r.status_code == 200, r.get_json()
    page = text(web("hr_reviewer").get(f"/talents/{tid}"))
    row = re.search(r"<tr><td[^>]*>[^<]*</td><td[^>]*>[^<]*</td><td[^>]*>借调外省一年</td>(.*?)</tr>",
                    page, re.S).group(1)
    assert "周敏（区人社局）" in row and "hr_reviewer" not in row


def test_my_record_for_someone_not_registered_is_a_friendly_page(web):  # noqa: F811
    r = web("applicant2").get("/my/talent")
    assert r.status_code == 200
    page = text(r)
    assert "您尚未登记为人才培养对象" in page and "页面不存在" not in page
