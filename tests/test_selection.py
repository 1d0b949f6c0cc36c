"""talent_selection (Art. 5–7) through the HTTP API: every branch of the diagram, every Art. 5
boundary on today's date, the shortage exception, form validation, one case per person per
round, open rounds, registration in the talent database and task due dates."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from conftest import application_form
from flows import QUALIFICATION, register_talent, submit_selection
from talentflow.core.workdays import default_calendar

ALL_USERS = ["applicant", "applicant2", "unit_reviewer", "unit_reviewer2", "department_reviewer",
             "department_reviewer2", "org_reviewer", "hr_reviewer", "leadership", "finance",
             "employer_finance", "admin"]
ART5_CHECKS = ["ethics", "age", "work_years", "qualification", "appraisals", "service_agreement"]
CJK = re.compile(r"[\u4e00-\u9fff]")


# Helpers ---------------------------------------------------------------------------------

def years_before(d: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February → 28 February)."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


def years_after(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def start_case(api, user="applicant") -> int:
    r = api.start("talent_selection", user)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def submit(api, instance_id, user="applicant", **overrides):
    task = api.task_of(instance_id, user, "submit_application")
    return api.complete(task["id"], application_form(**overrides), user)


def open_tasks(api, instance_id, users=ALL_USERS) -> dict[str, list[str]]:
    """Open tasks of the instance per user's inbox (users with none left out)."""
    found = {}
    for user in users:
        names = sorted(t["name"] for t in api.inbox(user) if t["instance_id"] == instance_id)
        if names:
            found[user] = names
    return found


def history(api, instance_id, user="applicant"):
    return api.instance(instance_id, user)["history"]


def drive_to(api, instance_id, stage, *, unit_reviewer="unit_reviewer",
             department_reviewer="department_reviewer"):
    """Approve every review before `stage` (a review task name) so that `stage` is open."""
    order = ["unit_review", "department_review", "qualification", "leadership_approval"]
    reviewers = {"unit_review": unit_reviewer, "department_review": department_reviewer}
    target = "qualification" if stage in ("org_qualification_review", "hr_qualification_review") \
        else stage
    for step in order[:order.index(target)]:
        if step == "qualification":
            for user, name in QUALIFICATION:
                api.review(instance_id, user, name)
        elif step == "department_review" and department_reviewer is None:
            continue
        else:
            api.review(instance_id, reviewers[step], step)


def approve_rest(api, instance_id):
    """From a fresh unit review (applicant in 区教育研究室) all the way to registration."""
    api.review(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "department_reviewer", "department_review")
    for user, name in QUALIFICATION:
        api.review(instance_id, user, name)
    api.review(instance_id, "leadership", "leadership_approval")
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "registered"), case
    return case


def assert_refused(api, instance_id, response, expected_keys):
    """A 422 naming exactly the failed checks, in Chinese; the task stays open, no history."""
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert set(body["errors"]) == set(expected_keys), body
    for key in expected_keys:
        messages = body["errors"][key]
        assert isinstance(messages, list) and messages, body
        assert all(isinstance(m, str) and CJK.search(m) for m in messages), body
    task = api.task_of(instance_id, "applicant", "submit_application")
    detail = api.get(f"/api/tasks/{task['id']}", "applicant").get_json()
    assert detail["status"] == "ready"
    assert detail["assignee"] == "applicant"
    case = api.instance(instance_id, "applicant")
    assert case["status"] == "running"
    assert case["history"] == []
    assert open_tasks(api, instance_id) == {"applicant": ["submit_application"]}


def open_round(api) -> dict:
    rounds = [c for c in api.get("/api/campaigns", "applicant").get_json() if c["status"] == "open"]
    assert len(rounds) == 1, rounds
    return rounds[0]


def make_unit_without_department(api):
    unit_id = api.create_unit("区司法局", "party_government", None)
    api.create_user("applicant_nd", ["applicant"], unit_id=unit_id, display_name="黄磊")
    api.create_user("unit_reviewer_nd", ["unit_reviewer"], unit_id=unit_id,
                    display_name="何平（区司法局人事）")
    return unit_id


# Branches of the diagram -----------------------------------------------------------------

def test_full_approval_with_department_review(api):
    instance_id = start_case(api)
    assert open_tasks(api, instance_id) == {"applicant": ["submit_application"]}
    assert submit(api, instance_id).status_code == 200
    assert open_tasks(api, instance_id) == {"unit_reviewer": ["unit_review"]}
    api.review(instance_id, "unit_reviewer", "unit_review")
    # only the department of the applicant's unit (区教育局) sees it, not 区经信局
    assert open_tasks(api, instance_id) == {"department_reviewer": ["department_review"]}
    api.review(instance_id, "department_reviewer", "department_review")
    # both qualification reviews open at the same time; leadership not yet
    assert open_tasks(api, instance_id) == {"org_reviewer": ["org_qualification_review"],
                                            "hr_reviewer": ["hr_qualification_review"]}
    api.review(instance_id, "org_reviewer", "org_qualification_review")
    assert open_tasks(api, instance_id) == {"hr_reviewer": ["hr_qualification_review"]}
    api.review(instance_id, "hr_reviewer", "hr_qualification_review")
    assert open_tasks(api, instance_id) == {"leadership": ["leadership_approval"]}
    api.review(instance_id, "leadership", "leadership_approval")
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "registered")
    assert open_tasks(api, instance_id) == {}
    assert [(h["name"], h["by"], h["decision"]) for h in case["history"]] == [
        ("submit_application", "applicant", "submitted"),
        ("unit_review", "unit_reviewer", "approve"),
        ("department_review", "department_reviewer", "approve"),
        ("org_qualification_review", "org_reviewer", "approve"),
        ("hr_qualification_review", "hr_reviewer", "approve"),
        ("leadership_approval", "leadership", "approve"),
    ]


def test_full_approval_without_department_never_shows_department_review(api):
    unit_id = make_unit_without_department(api)
    users = ALL_USERS + ["applicant_nd", "unit_reviewer_nd"]
    instance_id = start_case(api, "applicant_nd")
    r = submit(api, instance_id, "applicant_nd", name="黄磊")
    assert r.status_code == 200, r.get_json()
    # the seeded unit reviewer of another unit does not see it
    assert open_tasks(api, instance_id, users) == {"unit_reviewer_nd": ["unit_review"]}
    api.review(instance_id, "unit_reviewer_nd", "unit_review")
    assert open_tasks(api, instance_id, users) == {"org_reviewer": ["org_qualification_review"],
                                                   "hr_reviewer": ["hr_qualification_review"]}
    api.review(instance_id, "hr_reviewer", "hr_qualification_review")
    api.review(instance_id, "org_reviewer", "org_qualification_review")
    assert open_tasks(api, instance_id, users) == {"leadership": ["leadership_approval"]}
    api.review(instance_id, "leadership", "leadership_approval")
    case = api.instance(instance_id, "applicant_nd")
    assert (case["status"], case["outcome"]) == ("completed", "registered")
    assert case["data"]["starter"]["has_department"] is False
    assert "department_review" not in [h["name"] for h in case["history"]]
    assert [h["name"] for h in case["history"]] == [
        "submit_application", "unit_review", "hr_qualification_review",
        "org_qualification_review", "leadership_approval"]
    talents = api.get("/api/talents", "hr_reviewer").get_json()
    assert [(t["username"], t["name"], t["unit_id"]) for t in talents] == [
        ("applicant_nd", "黄磊", unit_id)]


RETURN_STAGES = [
    ("unit_reviewer", "unit_review"),
    ("department_reviewer", "department_review"),
    ("org_reviewer", "org_qualification_review"),
    ("hr_reviewer", "hr_qualification_review"),
    ("leadership", "leadership_approval"),
]


@pytest.mark.parametrize("reviewer,stage", RETURN_STAGES)
def test_return_from_each_review_goes_back_to_the_applicant(api, reviewer, stage):
    instance_id = submit_selection(api)
    drive_to(api, instance_id, stage)
    comment = f"{stage}：请补充职称证书复印件"
    if stage in ("org_qualification_review", "hr_qualification_review"):
        other_user, other = [q for q in QUALIFICATION if q[1] != stage][0]
        api.review(instance_id, reviewer, stage, "return", comment)
        # the join waits for the other qualification review
        assert open_tasks(api, instance_id) == {other_user: [other]}
        api.review(instance_id, other_user, other)
    else:
        api.review(instance_id, reviewer, stage, "return", comment)
    assert open_tasks(api, instance_id) == {"applicant": ["submit_application"]}
    case = api.instance(instance_id, "applicant")
    assert case["status"] == "running" and case["outcome"] is None
    returns = [h for h in case["history"] if h["decision"] == "return"]
    assert [(h["name"], h["by"], h["comment"]) for h in returns] == [(stage, reviewer, comment)]
    # the returned form shows the earlier answers
    task = api.task_of(instance_id, "applicant", "submit_application")
    assert api.get(f"/api/tasks/{task['id']}", "applicant").get_json()["data"]["name"] == "张明"
    # resubmission goes the same path again, from the unit review
    r = api.complete(task["id"], application_form(name="张明（修改）"), "applicant")
    assert r.status_code == 200, r.get_json()
    assert open_tasks(api, instance_id) == {"unit_reviewer": ["unit_review"]}
    case = approve_rest(api, instance_id)
    assert case["data"]["name"] == "张明（修改）"
    assert [h["name"] for h in case["history"]].count("submit_application") == 2
    talents = api.get("/api/talents", "hr_reviewer").get_json()
    assert [t["name"] for t in talents] == ["张明（修改）"]


@pytest.mark.parametrize("reviewer,stage", RETURN_STAGES)
def test_reject_from_each_review_ends_the_case(api, reviewer, stage):
    instance_id = submit_selection(api)
    drive_to(api, instance_id, stage)
    comment = f"{stage}：不符合条件"
    api.review(instance_id, reviewer, stage, "reject", comment)
    if stage in ("org_qualification_review", "hr_qualification_review"):
        other_user, other = [q for q in QUALIFICATION if q[1] != stage][0]
        assert open_tasks(api, instance_id) == {other_user: [other]}
        assert api.instance(instance_id, "applicant")["status"] == "running"
        api.review(instance_id, other_user, other)  # one approve + one reject → rejected
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "rejected"), case
    assert open_tasks(api, instance_id) == {}
    rejects = [h for h in case["history"] if h["decision"] == "reject"]
    assert [(h["name"], h["by"], h["comment"]) for h in rejects] == [(stage, reviewer, comment)]
    assert api.get("/api/talents", "hr_reviewer").get_json() == []


@pytest.mark.parametrize("first", ["org", "hr"])
@pytest.mark.parametrize("decisions,result", [
    (("approve", "reject"), "rejected"),
    (("reject", "approve"), "rejected"),
    (("reject", "reject"), "rejected"),
    (("approve", "return"), "returned"),
    (("return", "approve"), "returned"),
    (("return", "return"), "returned"),
    (("return", "reject"), "rejected"),
    (("approve", "approve"), "leadership"),
])
def test_both_qualification_reviews_must_approve(api, first, decisions, result):
    instance_id = submit_selection(api)
    drive_to(api, instance_id, "org_qualification_review")
    assert open_tasks(api, instance_id) == {"org_reviewer": ["org_qualification_review"],
                                            "hr_reviewer": ["hr_qualification_review"]}
    order = QUALIFICATION if first == "org" else QUALIFICATION[::-1]
    (u1, n1), (u2, n2) = order
    d1, d2 = decisions
    api.review(instance_id, u1, n1, d1, "意见一")
    # the first decision alone moves nothing: leadership waits, the other review stays open
    assert open_tasks(api, instance_id) == {u2: [n2]}
    api.review(instance_id, u2, n2, d2, "意见二")
    case = api.instance(instance_id, "applicant")
    if result == "rejected":
        assert (case["status"], case["outcome"]) == ("completed", "rejected")
        assert open_tasks(api, instance_id) == {}
    elif result == "returned":
        assert case["status"] == "running"
        assert open_tasks(api, instance_id) == {"applicant": ["submit_application"]}
        # the next round of qualification review starts from scratch
        assert submit(api, instance_id).status_code == 200
        api.review(instance_id, "unit_reviewer", "unit_review")
        api.review(instance_id, "department_reviewer", "department_review")
        assert open_tasks(api, instance_id) == {"org_reviewer": ["org_qualification_review"],
                                                "hr_reviewer": ["hr_qualification_review"]}
        api.review(instance_id, u1, n1)
        assert open_tasks(api, instance_id) == {u2: [n2]}
    else:
        assert case["status"] == "running"
        assert open_tasks(api, instance_id) == {"leadership": ["leadership_approval"]}


def test_return_after_a_qualification_approval_needs_both_approvals_again(api):
    """A first pass with org approving and hr returning must not leave org's old approval
    standing: on the second pass hr's approval alone does not reach leadership."""
    instance_id = submit_selection(api)
    drive_to(api, instance_id, "org_qualification_review")
    api.review(instance_id, "org_reviewer", "org_qualification_review")
    api.review(instance_id, "hr_reviewer", "hr_qualification_review", "return", "补充材料")
    assert submit(api, instance_id).status_code == 200
    api.review(instance_id, "unit_reviewer", "unit_review")
    api.review(instance_id, "department_reviewer", "department_review")
    api.review(instance_id, "hr_reviewer", "hr_qualification_review")
    assert open_tasks(api, instance_id) == {"org_reviewer": ["org_qualification_review"]}
    api.review(instance_id, "org_reviewer", "org_qualification_review", "reject", "不同意")
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "rejected")


# Art. 5 boundaries on today's date -------------------------------------------------------

def _art5_cases():
    today = date.today()
    y1, y2 = today.year - 1, today.year - 2
    good = [{"year": y1, "grade": "excellent"}, {"year": y2, "grade": "competent"}]
    below = dict(education="junior_college", professional_title="junior", skill_level="junior",
                 agri_title="junior")
    none = dict(education="none", professional_title="none", skill_level="none", agri_title="none")
    cases = [
        ("age exactly 45 today", dict(birth_date=years_before(today, 45).isoformat()), []),
        ("turns 46 today", dict(birth_date=years_before(today, 46).isoformat()), ["age"]),
        ("day before 46th birthday",
         dict(birth_date=(years_before(today, 46) + timedelta(days=1)).isoformat()), []),
        ("work exactly 2 years", dict(work_start_date=years_before(today, 2).isoformat()), []),
        ("work a day short of 2 years",
         dict(work_start_date=(years_before(today, 2) + timedelta(days=1)).isoformat()),
         ["work_years"]),
        ("bachelor only", dict(none, education="bachelor"), []),
        ("master only", dict(none, education="master"), []),
        ("intermediate title only", dict(none, professional_title="intermediate"), []),
        ("intermediate skill only", dict(none, skill_level="intermediate"), []),
        ("intermediate agri title only", dict(none, agri_title="intermediate"), []),
        ("all qualifications below", below, ["qualification"]),
        ("no qualification at all", none, ["qualification"]),
        ("ethics not attested", dict(ethics_attested=False), ["ethics"]),
        ("no service agreement", dict(service_agreement=False), ["service_agreement"]),
        ("missing year before last", dict(appraisals=good[:1]), ["appraisals"]),
        ("missing last year", dict(appraisals=good[1:]), ["appraisals"]),
        ("no appraisals", dict(appraisals=[]), ["appraisals"]),
        ("wrong years", dict(appraisals=[{"year": y2, "grade": "excellent"},
                                         {"year": y2 - 1, "grade": "excellent"}]), ["appraisals"]),
    ]
    for grade in ("basically_competent", "incompetent"):
        cases.append((f"{grade} last year", dict(appraisals=[
            {"year": y1, "grade": grade}, {"year": y2, "grade": "excellent"}]), ["appraisals"]))
        cases.append((f"{grade} year before last", dict(appraisals=[
            {"year": y1, "grade": "excellent"}, {"year": y2, "grade": grade}]), ["appraisals"]))
    cases.append(("several failures", dict(below, birth_date=years_before(today, 50).isoformat(),
                                           ethics_attested=False, service_agreement=False,
                                           appraisals=good[:1]),
                  ["age", "qualification", "ethics", "service_agreement", "appraisals"]))
    cases.append(("every check fails", dict(
        below, birth_date=years_before(today, 60).isoformat(),
        work_start_date=today.isoformat(), ethics_attested=False, service_agreement=False,
        appraisals=[{"year": y1, "grade": "incompetent"}]), ART5_CHECKS))
    return cases


ART5_CASES = _art5_cases()


@pytest.mark.parametrize("overrides,failed", [c[1:] for c in ART5_CASES],
                         ids=[c[0] for c in ART5_CASES])
def test_art5_boundaries(api, overrides, failed):
    instance_id = start_case(api)
    r = submit(api, instance_id, **overrides)
    if failed:
        assert_refused(api, instance_id, r, failed)
        # correcting the form on the same, still-open task is accepted
        r = submit(api, instance_id)
        assert r.status_code == 200, r.get_json()
        assert api.instance(instance_id, "applicant")["data"]["eligibility"]["eligible"] is True
        return
    assert r.status_code == 200, r.get_json()
    eligibility = api.instance(instance_id, "applicant")["data"]["eligibility"]
    assert eligibility == {**{c: True for c in ART5_CHECKS}, "eligible": True}
    assert open_tasks(api, instance_id) == {"unit_reviewer": ["unit_review"]}


def test_art5_messages_are_chinese_and_distinct(api):
    today = date.today()
    instance_id = start_case(api)
    r = submit(api, instance_id, birth_date=years_before(today, 46).isoformat(),
               work_start_date=today.isoformat(), ethics_attested=False)
    assert_refused(api, instance_id, r, ["age", "work_years", "ethics"])
    errors = r.get_json()["errors"]
    assert "45" in errors["age"][0]
    assert len({errors[k][0] for k in errors}) == 3
    assert CJK.search(r.get_json()["message"])


def test_eligibility_is_recomputed_on_every_submission(api):
    """A refused submission leaves nothing behind: the next (eligible) one is judged afresh."""
    instance_id = start_case(api)
    r = submit(api, instance_id, ethics_attested=False, service_agreement=False)
    assert_refused(api, instance_id, r, ["ethics", "service_agreement"])
    r = submit(api, instance_id, service_agreement=False)
    assert_refused(api, instance_id, r, ["service_agreement"])
    assert submit(api, instance_id).status_code == 200
    assert api.instance(instance_id, "applicant")["data"]["eligibility"]["eligible"] is True


# Shortage exception ----------------------------------------------------------------------

def test_shortage_exception_lets_an_ineligible_application_through_to_registration(api):
    today = date.today()
    instance_id = start_case(api)
    r = submit(api, instance_id, birth_date=years_before(today, 50).isoformat(),
               shortage_exception=True, shortage_justification="区内急需的临床医学学科带头人")
    assert r.status_code == 200, r.get_json()
    case = api.instance(instance_id, "applicant")
    assert case["data"]["eligibility"] == {
        "ethics": True, "age": False, "work_years": True, "qualification": True,
        "appraisals": True, "service_agreement": True, "eligible": False}
    assert open_tasks(api, instance_id) == {"unit_reviewer": ["unit_review"]}
    case = approve_rest(api, instance_id)
    assert case["data"]["eligibility"]["eligible"] is False
    talents = api.get("/api/talents", "hr_reviewer").get_json()
    assert [(t["username"], t["status"]) for t in talents] == [("applicant", "active")]


def test_shortage_exception_for_an_eligible_applicant_is_still_marked_not_eligible(api):
    instance_id = start_case(api)
    r = submit(api, instance_id, shortage_exception=True, shortage_justification="紧缺专业")
    assert r.status_code == 200, r.get_json()
    eligibility = api.instance(instance_id, "applicant")["data"]["eligibility"]
    assert eligibility == {**{c: True for c in ART5_CHECKS}, "eligible": False}


@pytest.mark.parametrize("justification", [None, "", "   "])
def test_shortage_exception_needs_a_justification(api, justification):
    today = date.today()
    instance_id = start_case(api)
    form = application_form(birth_date=years_before(today, 50).isoformat(),
                            shortage_exception=True)
    if justification is None:
        del form["shortage_justification"]
    else:
        form["shortage_justification"] = justification
    task = api.task_of(instance_id, "applicant", "submit_application")
    r = api.complete(task["id"], form, "applicant")
    assert r.status_code == 422, r.get_json()
    assert list(r.get_json()["errors"]) == ["shortage_justification"]
    assert_refused_keys_only_open(api, instance_id)


def assert_refused_keys_only_open(api, instance_id):
    case = api.instance(instance_id, "applicant")
    assert case["status"] == "running" and case["history"] == []
    assert open_tasks(api, instance_id) == {"applicant": ["submit_application"]}


def test_exception_case_returned_then_resubmitted_eligible_without_the_flag(api):
    """Guards against stale DMN outputs (failed_checks) surviving the rewind."""
    today = date.today()
    instance_id = start_case(api)
    r = submit(api, instance_id, work_start_date=(today - timedelta(days=200)).isoformat(),
               shortage_exception=True, shortage_justification="紧缺急需")
    assert r.status_code == 200, r.get_json()
    assert api.instance(instance_id, "applicant")["data"]["eligibility"]["work_years"] is False
    api.review(instance_id, "unit_reviewer", "unit_review", "return", "不按紧缺人才申报")
    r = submit(api, instance_id)  # fully eligible, shortage_exception false
    assert r.status_code == 200, r.get_json()
    eligibility = api.instance(instance_id, "applicant")["data"]["eligibility"]
    assert eligibility == {**{c: True for c in ART5_CHECKS}, "eligible": True}
    approve_rest(api, instance_id)


def test_exception_case_returned_then_resubmitted_ineligible_without_the_flag_is_refused(api):
    today = date.today()
    instance_id = start_case(api)
    r = submit(api, instance_id, work_start_date=(today - timedelta(days=200)).isoformat(),
               shortage_exception=True, shortage_justification="紧缺急需")
    assert r.status_code == 200, r.get_json()
    api.review(instance_id, "unit_reviewer", "unit_review", "return", "请修改")
    r = submit(api, instance_id, work_start_date=(today - timedelta(days=200)).isoformat())
    assert r.status_code == 422, r.get_json()
    assert set(r.get_json()["errors"]) == {"work_years"}
    assert open_tasks(api, instance_id) == {"applicant": ["submit_application"]}
    assert [h["decision"] for h in history(api, instance_id)] == ["submitted", "return"]


def test_eligible_case_returned_then_resubmitted_ineligible_is_refused(api):
    instance_id = submit_selection(api)
    api.review(instance_id, "unit_reviewer", "unit_review", "return", "请核对考核")
    r = submit(api, instance_id, appraisals=[{"year": date.today().year - 1,
                                              "grade": "incompetent"},
                                             {"year": date.today().year - 2,
                                              "grade": "excellent"}])
    assert r.status_code == 422, r.get_json()
    assert set(r.get_json()["errors"]) == {"appraisals"}
    assert open_tasks(api, instance_id) == {"applicant": ["submit_application"]}


# Form validation -------------------------------------------------------------------------

def _without(field):
    form = application_form()
    del form[field]
    return form


@pytest.mark.parametrize("form,key", [
    (_without("birth_date"), "birth_date"),
    (_without("name"), "name"),
    (_without("appraisals"), "appraisals"),
    (_without("ethics_attested"), "ethics_attested"),
    (application_form(gender="x"), "gender"),
    (application_form(education="phd"), "education"),
    (application_form(talent_category="athlete"), "talent_category"),
    (application_form(birth_date="1990-13-01"), "birth_date"),
    (application_form(work_start_date="2020/07/01"), "work_start_date"),
    (application_form(name="   "), "name"),
    (application_form(name="张" * 201), "name"),
    (application_form(ethics_attested="yes"), "ethics_attested"),
    (application_form(favourite_colour="red"), "favourite_colour"),
], ids=["missing birth_date", "missing name", "missing appraisals", "missing ethics",
        "bad gender", "bad education", "bad category", "bad date", "bad date format",
        "blank name", "long name", "bool as string", "extra field"])
def test_form_validation(api, form, key):
    instance_id = start_case(api)
    task = api.task_of(instance_id, "applicant", "submit_application")
    r = api.complete(task["id"], form, "applicant")
    assert r.status_code == 422, r.get_json()
    errors = r.get_json()["errors"]
    assert list(errors) == [key], errors
    assert all(CJK.search(m) for m in errors[key])
    assert_refused_keys_only_open(api, instance_id)


def test_form_validation_reports_every_bad_field(api):
    instance_id = start_case(api)
    form = application_form(gender="x", birth_date="not-a-date", extra=1)
    del form["name"]
    task = api.task_of(instance_id, "applicant", "submit_application")
    r = api.complete(task["id"], form, "applicant")
    assert r.status_code == 422
    assert set(r.get_json()["errors"]) == {"gender", "birth_date", "extra", "name"}


def test_bad_appraisal_grade_is_a_form_error(api):
    instance_id = start_case(api)
    r = submit(api, instance_id, appraisals=[{"year": date.today().year - 1, "grade": "good"},
                                             {"year": date.today().year - 2,
                                              "grade": "excellent"}])
    assert r.status_code == 422
    assert list(r.get_json()["errors"]) == ["appraisals.0.grade"]


# One case per person per round -----------------------------------------------------------

def _my_cases(api, user="applicant"):
    return [c for c in api.get("/api/instances", user).get_json()
            if c["process_id"] == "talent_selection"]


def test_second_start_while_the_first_runs_is_a_conflict(api):
    first = start_case(api)
    r = api.start("talent_selection", "applicant")
    assert r.status_code == 409, r.get_json()
    assert CJK.search(r.get_json()["message"])
    assert [c["id"] for c in _my_cases(api)] == [first]
    # still a conflict after the application is submitted and under review
    assert submit(api, first).status_code == 200
    assert api.start("talent_selection", "applicant").status_code == 409
    # other people are not affected
    assert api.start("talent_selection", "applicant2").status_code == 201


def test_second_start_after_registration_is_a_conflict(api):
    register_talent(api)
    r = api.start("talent_selection", "applicant")
    assert r.status_code == 409, r.get_json()
    assert len(_my_cases(api)) == 1


def test_new_start_allowed_after_rejection(api):
    first = submit_selection(api)
    api.review(first, "unit_reviewer", "unit_review", "reject", "材料不实")
    r = api.start("talent_selection", "applicant")
    assert r.status_code == 201, r.get_json()
    second = r.get_json()["id"]
    assert second != first
    assert submit(api, second).status_code == 200
    approve_rest(api, second)
    assert api.start("talent_selection", "applicant").status_code == 409


def test_new_start_allowed_after_withdrawal(api):
    first = submit_selection(api)
    r = api.post(f"/api/instances/{first}/withdraw", {"comment": "个人原因撤回"}, "applicant")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "cancelled"
    assert open_tasks(api, first) == {}
    assert history(api, first)[-1]["comment"] == "个人原因撤回"
    r = api.start("talent_selection", "applicant")
    assert r.status_code == 201, r.get_json()
    assert api.start("talent_selection", "applicant").status_code == 409


def test_new_start_allowed_after_withdrawal_before_submitting(api):
    first = start_case(api)
    assert api.post(f"/api/instances/{first}/withdraw", {"comment": "填错"},
                    "applicant").status_code == 200
    assert api.start("talent_selection", "applicant").status_code == 201


# Open rounds -----------------------------------------------------------------------------

def _next_due_march_first(today: date, first_year: int = 2026) -> date:
    year = max(first_year, today.year)
    while True:
        if (year - first_year) % 2 == 0 and date(year, 3, 1) > today:
            return date(year, 3, 1)
        year += 1


def test_no_open_round_names_the_next_due_opening(api, platform, monkeypatch):
    round_ = open_round(api)
    later = date.fromisoformat(round_["closes_on"]) + timedelta(days=1)
    monkeypatch.setattr(platform, "today", lambda: later)
    r = api.start("talent_selection", "applicant")
    assert r.status_code == 409, r.get_json()
    expected = _next_due_march_first(later).isoformat()
    assert expected in r.get_json()["message"]
    assert _my_cases(api) == []


def test_no_open_round_names_a_scheduled_round(api, platform, monkeypatch):
    round_ = open_round(api)
    closes = date.fromisoformat(round_["closes_on"])
    opens = closes + timedelta(days=40)
    r = api.post("/api/admin/campaigns", {"kind": "selection", "opens_on": opens.isoformat(),
                                          "closes_on": (opens + timedelta(days=30)).isoformat()},
                 "admin")
    assert r.status_code == 201, r.get_json()
    scheduled_id = r.get_json()["id"]
    monkeypatch.setattr(platform, "today", lambda: closes + timedelta(days=1))
    r = api.start("talent_selection", "applicant")
    assert r.status_code == 409, r.get_json()
    assert opens.isoformat() in r.get_json()["message"]
    # once it opens, the applicant may start (a new round: the earlier round does not count)
    monkeypatch.setattr(platform, "today", lambda: opens)
    r = api.start("talent_selection", "applicant")
    assert r.status_code == 201, r.get_json()
    assert open_round(api)["id"] == scheduled_id


def test_before_the_round_opens_is_a_conflict(api, platform, monkeypatch):
    round_ = open_round(api)
    before = date.fromisoformat(round_["opens_on"]) - timedelta(days=1)
    monkeypatch.setattr(platform, "today", lambda: before)
    r = api.start("talent_selection", "applicant")
    assert r.status_code == 409
    assert round_["opens_on"] in r.get_json()["message"]


def test_registration_in_one_round_does_not_block_the_next(api, platform, monkeypatch):
    register_talent(api)
    round_ = open_round(api)
    opens = date.fromisoformat(round_["closes_on"]) + timedelta(days=10)
    r = api.post("/api/admin/campaigns", {"kind": "selection", "opens_on": opens.isoformat(),
                                          "closes_on": (opens + timedelta(days=30)).isoformat()},
                 "admin")
    assert r.status_code == 201
    monkeypatch.setattr(platform, "today", lambda: opens)
    assert api.start("talent_selection", "applicant").status_code == 201


# Registration ----------------------------------------------------------------------------

def test_registration_enters_the_talent_database(api):
    today = date.today()
    round_ = open_round(api)
    instance_id = start_case(api)
    r = submit(api, instance_id, name="张明远", talent_category="skilled")
    assert r.status_code == 200, r.get_json()
    approve_rest(api, instance_id)
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "registered")
    assert isinstance(case["data"]["talent_id"], int)
    me = api.me("applicant")
    for viewer in ("hr_reviewer", "org_reviewer", "leadership", "admin"):
        r = api.get("/api/talents", viewer)
        assert r.status_code == 200, r.get_json()
        talents = r.get_json()
        assert len(talents) == 1
        t = talents[0]
        assert t["id"] == case["data"]["talent_id"]
        assert t["username"] == "applicant"
        assert t["name"] == "张明远"
        assert t["unit_id"] == me["unit_id"]
        assert t["talent_category"] == "skilled"
        assert t["campaign_id"] == round_["id"]
        assert t["status"] == "active"
        assert t["registered_on"] == today.isoformat()
        assert t["period_ends_on"] == years_after(today, 2).isoformat()
    for outsider in ("applicant", "unit_reviewer", "finance"):
        assert api.get("/api/talents", outsider).status_code == 403


def test_rejected_case_registers_nobody(api):
    instance_id = submit_selection(api)
    drive_to(api, instance_id, "leadership_approval")
    api.review(instance_id, "leadership", "leadership_approval", "reject", "名额已满")
    assert api.instance(instance_id, "applicant")["outcome"] == "rejected"
    assert api.get("/api/talents", "hr_reviewer").get_json() == []


def test_task_titles_are_chinese(api):
    instance_id = start_case(api)
    titles = {}
    titles.update({t["name"]: t["title"] for t in api.inbox("applicant")})
    assert submit(api, instance_id).status_code == 200
    for user, name in [("unit_reviewer", "unit_review"),
                       ("department_reviewer", "department_review")] + QUALIFICATION + [
                           ("leadership", "leadership_approval")]:
        task = api.task_of(instance_id, user, name)
        titles[name] = task["title"]
        assert task["process_id"] == "talent_selection"
        api.review(instance_id, user, name)
    assert set(titles) == {"submit_application", "unit_review", "department_review",
                           "org_qualification_review", "hr_qualification_review",
                           "leadership_approval"}
    for name, title in titles.items():
        assert CJK.search(title), (name, title)
        assert not re.search(r"[A-Za-z_]", title), (name, title)
    assert len(set(titles.values())) == len(titles)
    assert api.instance(instance_id, "applicant")["outcome"] == "registered"


# Due dates -------------------------------------------------------------------------------

def _check_due(row, working_days):
    assert row["due_at"] is not None, row
    created = datetime.fromisoformat(row["created_at"])
    due = datetime.fromisoformat(row["due_at"])
    assert due.replace(tzinfo=None) == default_calendar().due_at(
        created.replace(tzinfo=None), working_days), row
    assert (due.date() - created.date()).days >= working_days


def test_inbox_rows_carry_due_dates(api):
    instance_id = start_case(api)
    row = api.task_of(instance_id, "applicant", "submit_application")
    assert set(row) >= {"id", "instance_id", "process_id", "name", "title", "role", "assignee",
                        "created_at", "due_at"}
    _check_due(row, 20)
    assert submit(api, instance_id).status_code == 200
    for user, name in [("unit_reviewer", "unit_review"),
                       ("department_reviewer", "department_review")] + QUALIFICATION + [
                           ("leadership", "leadership_approval")]:
        row = api.task_of(instance_id, user, name)
        _check_due(row, 10)
        if name == "leadership_approval":
            api.review(instance_id, user, name, "return", "请补充材料")
        else:
            api.review(instance_id, user, name)
    # a returned applicant form gets a fresh applicant due date
    _check_due(api.task_of(instance_id, "applicant", "submit_application"), 20)


def test_next_opening_date_follows_the_admins_round_settings(api, platform, monkeypatch):
    """The 409 names the opening date an admin set (settings), not a built-in March 1."""
    from talentflow.core import settings as settings_store
    with platform.transaction() as session:
        settings_store.put(session, "round_opening", "04-15")
    monkeypatch.setattr(platform, "today", lambda: date(2027, 6, 1))
    r = api.start("talent_selection", "applicant")
    assert r.status_code == 409
    assert "2028-04-15" in r.get_json()["message"]


# Shortage exception: relaxed "as appropriate", never ethics or the service agreement -------

@pytest.mark.parametrize("overrides,key", [
    ({"ethics_attested": False}, "ethics"),
    ({"service_agreement": False}, "service_agreement"),
])
def test_shortage_exception_never_waives_ethics_or_the_service_agreement(api, overrides, key):
    today = date.today()
    instance_id = start_case(api)
    r = submit(api, instance_id, birth_date=years_before(today, 50).isoformat(),
               shortage_exception=True, shortage_justification="区内急需", **overrides)
    assert r.status_code == 422, r.get_json()
    assert set(r.get_json()["errors"]) == {key}
    assert_refused_keys_only_open(api, instance_id)


def test_reviewers_see_which_conditions_an_exception_case_fails(api, app):
    today = date.today()
    instance_id = start_case(api)
    r = submit(api, instance_id, birth_date=years_before(today, 50).isoformat(),
               shortage_exception=True, shortage_justification="区内急需的临床医学学科带头人")
    assert r.status_code == 200, r.get_json()
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    from test_web_pages import Browser
    browser = Browser(app)
    assert browser.login("unit_reviewer").status_code == 302
    page = browser.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "紧缺急需人才例外申请" in page and "区内急需的临床医学学科带头人" in page
    assert "年龄不符合条件" in page and "工作年限不符合条件" not in page
    assert "复印件（第六条第一项）" in page  # no certificate copies attached
