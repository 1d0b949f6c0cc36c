"""The case page's diagram in a real browser (Debian's chromium through Playwright): its lanes
carry the roles' Chinese names, drawn by the same script as the designer's lane headers."""
from __future__ import annotations

import pytest

from conftest import ApiClient
from flows import submit_selection
from talentflow.core.roles import ROLE_LABELS
from test_web_browser import Site, browser, site  # noqa: F401  (fixtures)
from web_server import browser_available

pytestmark = pytest.mark.skipif(not browser_available(),
                                reason="needs /usr/bin/chromium and the playwright package")


def lane_labels(page) -> list[str]:
    page.wait_for_selector("[data-rendered=true]")
    return page.locator(".tf-lane-label").all_inner_texts()


def test_case_diagram_lanes_show_the_roles_chinese_names(site):  # noqa: F811
    instance_id = submit_selection(ApiClient(site.app))
    page = site.as_user("applicant")
    page.goto(f"/cases/{instance_id}")
    labels = lane_labels(page)
    assert {"申请人", ROLE_LABELS["unit_reviewer"], ROLE_LABELS["leadership"]} <= set(labels), labels
    assert not {"applicant", "unit_reviewer", "leadership"} & set(labels), labels
    # the label covers its lane's header, where bpmn-js wrote the key
    label = page.locator(".tf-lane-label", has_text="申请人").first.bounding_box()
    key = page.locator('.djs-element[data-element-id="Lane_applicant"] text').first.bounding_box()
    assert label["x"] <= key["x"] and key["x"] + key["width"] <= label["x"] + label["width"] + 1
    assert label["y"] <= key["y"] and key["y"] + key["height"] <= label["y"] + label["height"] + 1
    site.shot(page, "case-diagram-lane-labels")


def test_designer_lanes_use_the_same_labels(site):  # noqa: F811
    page = site.as_user("admin")
    page.goto("/admin/processes/talent_selection/edit")
    labels = lane_labels(page)
    assert {"申请人", ROLE_LABELS["unit_reviewer"]} <= set(labels), labels
