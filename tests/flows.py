"""Walk whole cases through the API (shared by the flow tests)."""
from __future__ import annotations

from conftest import application_form

SELECTION_REVIEWS_WITH_DEPARTMENT = [
    ("unit_reviewer", "unit_review"),
    ("department_reviewer", "department_review"),
]
QUALIFICATION = [("org_reviewer", "org_qualification_review"),
                 ("hr_reviewer", "hr_qualification_review")]


def submit_selection(api, applicant="applicant", **overrides):
    r = api.start("talent_selection", applicant)
    assert r.status_code == 201, r.get_json()
    instance_id = r.get_json()["id"]
    task = api.task_of(instance_id, applicant, "submit_application")
    r = api.complete(task["id"], application_form(**overrides), applicant)
    assert r.status_code == 200, r.get_json()
    return instance_id


def to_leadership(api, applicant="applicant", unit_reviewer="unit_reviewer",
                  department_reviewer="department_reviewer", **overrides):
    """Drive a selection case up to the leadership approval (where its timer starts)."""
    instance_id = submit_selection(api, applicant, **overrides)
    api.review(instance_id, unit_reviewer, "unit_review")
    if department_reviewer:
        api.review(instance_id, department_reviewer, "department_review")
    for user, name in QUALIFICATION:
        api.review(instance_id, user, name)
    return instance_id


def register_talent(api, applicant="applicant", unit_reviewer="unit_reviewer",
                    department_reviewer="department_reviewer", **overrides):
    """Drive a selection case from application to registration in the talent database."""
    instance_id = to_leadership(api, applicant, unit_reviewer, department_reviewer, **overrides)
    api.review(instance_id, "leadership", "leadership_approval")
    case = api.instance(instance_id, applicant)
    assert (case["status"], case["outcome"]) == ("completed", "registered"), case
    return instance_id


SPECIAL_FUND_REVIEWS = [("unit_reviewer", "unit_review"), ("department_reviewer", "department_review"),
                        ("org_reviewer", "org_rereview"), ("hr_reviewer", "hr_rereview"),
                        ("leadership", "leadership_approval"), ("finance", "fund_payment")]
EMPLOYER_REVIEWS = [("unit_reviewer2", "unit_review"), ("employer_finance", "employer_reimbursement")]


def reward_to_end(api, applicant, data, reviews):
    """File a reward case for a registered talent and approve every step in `reviews`
    (SPECIAL_FUND_REVIEWS for the demo `applicant`, EMPLOYER_REVIEWS for `applicant2`)."""
    r = api.start("reward_application", applicant)
    assert r.status_code == 201, r.get_json()
    instance_id = r.get_json()["id"]
    task = api.task_of(instance_id, applicant, "submit_reward_application")
    r = api.complete(task["id"], data, applicant)
    assert r.status_code == 200, r.get_json()
    for user, name in reviews:
        api.review(instance_id, user, name)
    return instance_id
