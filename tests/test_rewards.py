"""`reward_application` (Art. 12–15) through the HTTP API: amounts, refusals, both payment
routes for every unit type, every review's return/reject, and the recorded reward."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from flows import register_talent
from talentflow.models import Reward, Talent, User

SUBMIT = "submit_reward_application"

# A valid form per reward type (amount noted); tests override single fields.
FORMS = {
    "postgraduate": {"reward_type": "postgraduate", "degree_level": "master", "has_degree": True,
                     "has_diploma": True, "tuition": 10000, "service_years": 5},
    "title": {"reward_type": "title", "title_level": "associate_senior", "service_years": 5},
    "skill": {"reward_type": "skill", "skill_level": "technician", "service_years": 5},
    "project": {"reward_type": "project", "project_level": "municipal", "project_name": "盐卤化工工艺改进",
                "is_project_lead": True, "completed_on_time": True},
    "platform": {"reward_type": "platform", "platform_level": "provincial",
                 "platform_name": "四川省盐化工工程技术研究中心"},
    "training_fee": {"reward_type": "training_fee", "claimed_amount": 3456, "training_id": "auto"},
}
# A training-fee claim names one of the talent's recorded trainings (CONTRACT.md): "auto" stands
# for a fresh training recorded for the claimant by HR just before the form is submitted.
AUTO = "auto"
TALENT_TYPES = ["postgraduate", "title", "skill", "project", "training_fee"]

SPECIAL_FUND_TYPES = ["party_government", "civil_service_institution", "mass_organization"]
EMPLOYER_TYPES = ["public_institution", "enterprise", "other"]


def form(kind, **overrides):
    data = dict(FORMS[kind])
    data.update(overrides)
    return data


def start_reward(api, user):
    r = api.start("reward_application", user)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def recorded_training(api, user):
    """Record a training in the claimant's current period; without a registration, an id no
    training has (the claim is then refused for `talent` alone)."""
    talents = [t for t in api.get("/api/talents", "hr_reviewer").get_json()
               if t["username"] == user and t["status"] == "active"
               and t["period_ends_on"] >= t["registered_on"]]
    if not talents:
        return 999999
    r = api.post(f"/api/talents/{talents[0]['id']}/trainings", {
        "kind": "party_school", "institution": "中共自贡市委党校",
        "start_date": talents[0]["registered_on"], "end_date": talents[0]["registered_on"]},
        "hr_reviewer")
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def submit(api, instance_id, user, data):
    if data.get("training_id") == AUTO:
        data = dict(data, training_id=recorded_training(api, user))
    task = api.task_of(instance_id, user, SUBMIT)
    return api.complete(task["id"], data, user)


def apply(api, user, data):
    """Start a reward case and submit the form successfully; returns the instance id."""
    instance_id = start_reward(api, user)
    r = submit(api, instance_id, user, data)
    assert r.status_code == 200, r.get_json()
    return instance_id


def open_tasks(api, instance_id, user):
    return sorted(t["name"] for t in api.inbox(user) if t["instance_id"] == instance_id)


def assert_refused(api, instance_id, user, response, *keys):
    """422 naming exactly `keys`; the form stays open and nothing moved on."""
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert isinstance(body["message"], str) and body["message"]
    assert set(body["errors"]) == set(keys), body
    for key in keys:
        assert body["errors"][key] and all(isinstance(m, str) and m for m in body["errors"][key])
    assert open_tasks(api, instance_id, user) == [SUBMIT]
    case = api.instance(instance_id, user)
    assert case["status"] == "running"
    assert case["history"] == []
    assert case["data"].get("reward_amount") is None
    return body


def rewards(platform, instance_id=None):
    with platform.sessions() as session:
        query = select(Reward)
        if instance_id is not None:
            query = query.where(Reward.instance_id == instance_id)
        return list(session.scalars(query))


def user_id(platform, username):
    with platform.sessions() as session:
        return session.scalars(select(User.id).where(User.username == username)).one()


def history_names(case):
    return [(h["name"], h["decision"]) for h in case["history"]]


# --------------------------------------------------------------------------------------
# Amounts (Art. 12–14) and the rounding to whole yuan
# --------------------------------------------------------------------------------------
AMOUNT_CASES = [
    # postgraduate: 60 % of tuition, + 2000 (master) / + 5000 (doctor) with both degree and diploma
    ("applicant", form("postgraduate", has_diploma=False), 6000),
    ("applicant", form("postgraduate", has_degree=False), 6000),
    ("applicant", form("postgraduate", degree_level="doctor", has_diploma=False), 6000),
    ("applicant", form("postgraduate", degree_level="doctor", has_degree=False), 6000),
    ("applicant", form("postgraduate"), 8000),
    ("applicant", form("postgraduate", degree_level="doctor"), 11000),
    ("applicant", form("postgraduate", tuition=3333, has_degree=False), 2000),      # 1999.8
    ("applicant", form("postgraduate", tuition=3334, has_degree=False), 2000),      # 2000.4
    ("applicant", form("postgraduate", tuition=3333, degree_level="doctor"), 7000),  # 1999.8 + 5000
    ("applicant", form("postgraduate", tuition=10007.5, has_degree=False), 6005),   # 6004.5: 四舍五入
    ("applicant", form("postgraduate", tuition=0, degree_level="doctor"), 5000),
    ("applicant", form("title"), 1000),
    ("applicant", form("title", title_level="senior"), 5000),
    ("applicant", form("skill"), 200),
    ("applicant", form("skill", skill_level="senior_technician"), 500),
    ("applicant", form("project"), 1000),
    ("applicant", form("project", project_level="provincial"), 2000),
    ("applicant", form("project", project_level="national"), 10000),
    ("unit_reviewer", form("platform"), 10000),
    ("unit_reviewer", form("platform", platform_level="national"), 20000),
    ("applicant", form("training_fee"), 3456),
    ("applicant", form("training_fee", claimed_amount=1234.5), 1235),
    ("applicant", form("training_fee", claimed_amount=99.4), 99),
]


@pytest.mark.parametrize("user,data,amount", AMOUNT_CASES,
                         ids=[f"{d['reward_type']}-{a}" for _, d, a in AMOUNT_CASES])
def test_reward_amount_is_computed_by_the_service(api, user, data, amount):
    reviewer = "unit_reviewer"
    if user == "applicant":
        register_talent(api)
    else:  # the filer never reviews their own claim: a colleague of the unit does
        reviewer = "unit_reviewer_colleague"
        api.create_user(reviewer, ["unit_reviewer"], unit_id=api.me(user)["unit_id"])
    instance_id = apply(api, user, data)
    case = api.instance(instance_id, user)
    assert case["status"] == "running"
    assert type(case["data"]["reward_amount"]) is int
    assert case["data"]["reward_amount"] == amount
    assert case["data"]["payment_route"] == "special_fund"  # 区教育研究室: civil_service_institution
    assert case["data"]["reward_type"] == data["reward_type"]
    assert history_names(case) == [(SUBMIT, "submitted")]
    assert open_tasks(api, instance_id, reviewer) == ["unit_review"]
    assert open_tasks(api, instance_id, user) == []  # not in the filer's own inbox
    # the unit reviewer sees the computed amount on the review task
    task = api.task_of(instance_id, reviewer, "unit_review")
    shown = api.get(f"/api/tasks/{task['id']}", reviewer).get_json()
    assert shown["data"]["reward_amount"] == amount


@pytest.mark.parametrize("field,value", [("reward_amount", 999999), ("payment_route", "employer"),
                                         ("reward_amount", 0), ("payment_route", "special_fund")])
def test_amount_and_route_cannot_be_sent_in_the_form(api, field, value):
    register_talent(api, applicant="applicant2", unit_reviewer="unit_reviewer2",
                    department_reviewer="department_reviewer2")
    instance_id = start_reward(api, "applicant2")
    r = submit(api, instance_id, "applicant2", form("title", **{field: value}))
    assert_refused(api, instance_id, "applicant2", r, field)
    assert api.instance(instance_id, "applicant2")["data"].get("payment_route") is None

    r = submit(api, instance_id, "applicant2", form("title"))
    assert r.status_code == 200, r.get_json()
    data = api.instance(instance_id, "applicant2")["data"]
    # applicant2 works for an enterprise: employer route, whatever was tried
    assert (data["reward_amount"], data["payment_route"]) == (1000, "employer")


def test_amount_and_route_are_recomputed_after_a_return(api):
    register_talent(api)
    instance_id = apply(api, "applicant", form("title"))
    api.review(instance_id, "unit_reviewer", "unit_review", "return", "请核对职称级别")
    r = submit(api, instance_id, "applicant", form("title", reward_amount=5000))
    assert r.status_code == 422 and set(r.get_json()["errors"]) == {"reward_amount"}, r.get_json()
    assert api.instance(instance_id, "applicant")["data"]["reward_amount"] == 1000
    r = submit(api, instance_id, "applicant", form("project", project_level="national"))
    assert r.status_code == 200, r.get_json()
    data = api.instance(instance_id, "applicant")["data"]
    assert (data["reward_type"], data["reward_amount"], data["payment_route"]) == \
        ("project", 10000, "special_fund")
    assert data["title_level"] is None  # fields of the earlier type are not kept


# --------------------------------------------------------------------------------------
# Refusals (422, the form stays open, errors keyed)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", TALENT_TYPES)
def test_not_a_registered_talent_is_refused(api, kind):
    instance_id = start_reward(api, "applicant")
    r = submit(api, instance_id, "applicant", form(kind))
    assert_refused(api, instance_id, "applicant", r, "talent")


@pytest.mark.parametrize("kind", TALENT_TYPES)
def test_a_talent_whose_period_ended_is_refused(api, platform, kind):
    register_talent(api)
    with platform.transaction() as session:
        talent = session.scalars(select(Talent)).one()
        talent.period_ends_on = platform.today() - timedelta(days=1)
    instance_id = start_reward(api, "applicant")
    r = submit(api, instance_id, "applicant", form(kind))
    assert_refused(api, instance_id, "applicant", r, "talent")


def test_another_persons_registration_does_not_count(api):
    register_talent(api, applicant="applicant2", unit_reviewer="unit_reviewer2",
                    department_reviewer="department_reviewer2")
    instance_id = start_reward(api, "applicant")
    r = submit(api, instance_id, "applicant", form("title"))
    assert_refused(api, instance_id, "applicant", r, "talent")


@pytest.mark.parametrize("kind", ["postgraduate", "title", "skill"])
def test_service_agreement_must_be_at_least_five_years(api, kind):
    register_talent(api)
    instance_id = start_reward(api, "applicant")
    for years in (0, 4):
        r = submit(api, instance_id, "applicant", form(kind, service_years=years))
        assert_refused(api, instance_id, "applicant", r, "service_years")
    r = submit(api, instance_id, "applicant", form(kind, service_years=5))
    assert r.status_code == 200, r.get_json()
    assert open_tasks(api, instance_id, "unit_reviewer") == ["unit_review"]


@pytest.mark.parametrize("kind", ["project", "training_fee"])
def test_no_service_agreement_needed_for_projects_and_training_fees(api, kind):
    register_talent(api)
    instance_id = apply(api, "applicant", form(kind, service_years=0))
    assert api.instance(instance_id, "applicant")["data"]["reward_amount"] > 0


@pytest.mark.parametrize("overrides,keys", [
    ({"is_project_lead": False}, {"is_project_lead"}),
    ({"completed_on_time": False}, {"completed_on_time"}),
    ({"is_project_lead": False, "completed_on_time": False}, {"is_project_lead", "completed_on_time"}),
])
def test_project_must_be_led_and_completed_on_time(api, overrides, keys):
    register_talent(api)
    instance_id = start_reward(api, "applicant")
    r = submit(api, instance_id, "applicant", form("project", **overrides))
    assert_refused(api, instance_id, "applicant", r, *keys)


@pytest.mark.parametrize("data", [
    form("postgraduate", has_degree=False, has_diploma=False),  # no postgraduate qualification
    form("training_fee", claimed_amount=0),
    form("training_fee", claimed_amount=0.4),  # rounds to nothing
], ids=["no-degree-nor-diploma", "claim-0", "claim-0.4"])
def test_nothing_to_reward_is_refused(api, data):
    register_talent(api)
    instance_id = start_reward(api, "applicant")
    r = submit(api, instance_id, "applicant", data)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"] and "talent" not in r.get_json()["errors"]
    assert open_tasks(api, instance_id, "applicant") == [SUBMIT]
    assert api.instance(instance_id, "applicant")["history"] == []


@pytest.mark.parametrize("user,register", [("applicant", False), ("applicant", True),
                                           ("applicant2", True)])
def test_platform_filed_by_a_plain_applicant_is_refused(api, user, register):
    if register:  # even a registered talent cannot file for the unit
        if user == "applicant":
            register_talent(api)
        else:
            register_talent(api, applicant="applicant2", unit_reviewer="unit_reviewer2",
                            department_reviewer="department_reviewer2")
    instance_id = start_reward(api, user)
    r = submit(api, instance_id, user, form("platform"))
    assert_refused(api, instance_id, user, r, "reward_type")


def test_platform_filed_by_a_unit_reviewer_needs_no_registration(api):
    instance_id = apply(api, "unit_reviewer2", form("platform", platform_level="national"))
    data = api.instance(instance_id, "unit_reviewer2")["data"]
    # Art. 14 subsidies are district money: the special fund, even for an enterprise (CONTRACT.md)
    assert (data["reward_amount"], data["payment_route"]) == (20000, "special_fund")


MISSING = [(kind, field) for kind, fields in {
    "postgraduate": ["degree_level", "has_degree", "has_diploma", "tuition", "service_years"],
    "title": ["title_level", "service_years"],
    "skill": ["skill_level", "service_years"],
    "project": ["project_level", "is_project_lead", "completed_on_time"],
    "platform": ["platform_level"],
    "training_fee": ["claimed_amount"],
}.items() for field in fields]


@pytest.mark.parametrize("kind,field", MISSING)
def test_missing_per_type_fields_are_refused(api, kind, field):
    # Form errors come before any rule: without a registration, a form that passed validation
    # would be refused with `talent` instead, which the exact error keys below would catch.
    user = "unit_reviewer" if kind == "platform" else "applicant"
    instance_id = start_reward(api, user)
    data = form(kind)
    del data[field]
    body = assert_refused(api, instance_id, user, submit(api, instance_id, user, data), field)
    assert body["errors"][field] == ["此项为必填项"]
    # an explicit null counts as missing too
    body = assert_refused(api, instance_id, user,
                          submit(api, instance_id, user, form(kind, **{field: None})), field)
    assert body["errors"][field] == ["此项为必填项"]


@pytest.mark.parametrize("data,key", [
    ({}, "reward_type"),
    ({"reward_type": "housing"}, "reward_type"),
    (form("title", title_level="intermediate"), "title_level"),
    (form("skill", skill_level="advanced"), "skill_level"),
    (form("project", project_level="county"), "project_level"),
    (form("postgraduate", tuition=-1), "tuition"),
    (form("training_fee", claimed_amount=-5), "claimed_amount"),
    (form("title", service_years=5.5), "service_years"),
])
def test_invalid_form_values_are_refused(api, data, key):
    instance_id = start_reward(api, "applicant")
    assert_refused(api, instance_id, "applicant", submit(api, instance_id, "applicant", data), key)


# --------------------------------------------------------------------------------------
# Payment routes (Art. 15) for every unit type
# --------------------------------------------------------------------------------------
def make_unit(api, tag, unit_type, with_department):
    """A unit of `unit_type` with its applicant, unit reviewer, employer finance and (optional)
    department reviewer; the applicant is registered in the talent database."""
    department_id = None
    if with_department:
        r = api.post("/api/admin/departments", {"name": f"部门{tag}"}, "admin")
        assert r.status_code == 201, r.get_json()
        department_id = r.get_json()["id"]
    unit_id = api.create_unit(f"单位{tag}", unit_type, department_id)
    users = {"applicant": f"app_{tag}", "unit_reviewer": f"ur_{tag}",
             "employer_finance": f"ef_{tag}",
             "department_reviewer": f"dr_{tag}" if with_department else None}
    api.create_user(users["applicant"], ["applicant"], unit_id=unit_id)
    api.create_user(users["unit_reviewer"], ["unit_reviewer"], unit_id=unit_id)
    api.create_user(users["employer_finance"], ["employer_finance"], unit_id=unit_id)
    if with_department:
        api.create_user(users["department_reviewer"], ["department_reviewer"],
                        department_id=department_id)
    register_talent(api, applicant=users["applicant"], unit_reviewer=users["unit_reviewer"],
                    department_reviewer=users["department_reviewer"])
    return unit_id, users


# department review matters only on the special-fund route: try both there
ROUTE_CASES = ([(t, d) for t in SPECIAL_FUND_TYPES for d in (True, False)]
               + [("public_institution", True), ("enterprise", False), ("other", True)])


@pytest.mark.parametrize("unit_type,with_department", ROUTE_CASES)
def test_payment_route_by_unit_type(api, platform, unit_type, with_department):
    unit_id, users = make_unit(api, "x", unit_type, with_department)
    me = users["applicant"]
    instance_id = apply(api, me, form("title", title_level="senior", service_years=6))
    special = unit_type in SPECIAL_FUND_TYPES
    data = api.instance(instance_id, me)["data"]
    assert data["payment_route"] == ("special_fund" if special else "employer")
    assert data["reward_amount"] == 5000

    # Only the own unit's reviewer sees the initial review.
    assert open_tasks(api, instance_id, "unit_reviewer") == []
    assert open_tasks(api, instance_id, users["unit_reviewer"]) == ["unit_review"]
    api.review(instance_id, users["unit_reviewer"], "unit_review")
    expected = [(SUBMIT, "submitted"), ("unit_review", "approve")]

    if special:
        for outsider in ("employer_finance", users["employer_finance"], "finance", "leadership",
                         "department_reviewer"):
            assert open_tasks(api, instance_id, outsider) == []
        if with_department:
            assert open_tasks(api, instance_id, "org_reviewer") == []
            api.review(instance_id, users["department_reviewer"], "department_review")
            expected.append(("department_review", "approve"))
        # both re-reviews are open at once
        assert open_tasks(api, instance_id, "org_reviewer") == ["org_rereview"]
        assert open_tasks(api, instance_id, "hr_reviewer") == ["hr_rereview"]
        api.review(instance_id, "hr_reviewer", "hr_rereview")
        assert open_tasks(api, instance_id, "leadership") == []
        api.review(instance_id, "org_reviewer", "org_rereview")
        expected += [("hr_rereview", "approve"), ("org_rereview", "approve")]
        assert open_tasks(api, instance_id, "finance") == []
        api.review(instance_id, "leadership", "leadership_approval")
        assert open_tasks(api, instance_id, users["employer_finance"]) == []
        api.review(instance_id, "finance", "fund_payment")
        expected += [("leadership_approval", "approve"), ("fund_payment", "approve")]
        outcome = "paid"
    else:
        # straight to the unit's own finance office: no department, no district reviewers
        for outsider in ("employer_finance", "finance", "org_reviewer", "hr_reviewer",
                         "leadership", "department_reviewer"):
            assert open_tasks(api, instance_id, outsider) == []
        if with_department:
            assert open_tasks(api, instance_id, users["department_reviewer"]) == []
        api.review(instance_id, users["employer_finance"], "employer_reimbursement")
        expected.append(("employer_reimbursement", "approve"))
        outcome = "reimbursed"

    case = api.instance(instance_id, me)
    assert (case["status"], case["outcome"]) == ("completed", outcome)
    assert history_names(case) == expected
    assert case["history"][1]["by"] == users["unit_reviewer"]
    (reward,) = rewards(platform, instance_id)
    assert (reward.reward_type, reward.amount, reward.payment_route, reward.outcome) == \
        ("title", 5000, data["payment_route"], outcome)
    assert (reward.user_id, reward.unit_id) == (user_id(platform, me), unit_id)


def test_other_units_employer_finance_never_sees_the_reimbursement(api):
    unit_id, users = make_unit(api, "e", "enterprise", False)
    me = users["applicant"]
    instance_id = apply(api, me, form("skill"))
    api.review(instance_id, users["unit_reviewer"], "unit_review")
    assert open_tasks(api, instance_id, users["employer_finance"]) == ["employer_reimbursement"]
    assert open_tasks(api, instance_id, "employer_finance") == []  # 盐都机械's finance office
    task = api.task_of(instance_id, users["employer_finance"], "employer_reimbursement")
    r = api.complete(task["id"], {"decision": "approve", "comment": "冒领"}, "employer_finance")
    assert r.status_code in (403, 404), r.get_json()
    assert api.get(f"/api/tasks/{task['id']}", "employer_finance").status_code in (403, 404)
    assert api.instance(instance_id, me)["status"] == "running"


def test_demo_enterprise_route(api, platform):
    register_talent(api, applicant="applicant2", unit_reviewer="unit_reviewer2",
                    department_reviewer="department_reviewer2")
    instance_id = apply(api, "applicant2", form("postgraduate", degree_level="doctor"))
    assert open_tasks(api, instance_id, "unit_reviewer") == []
    api.review(instance_id, "unit_reviewer2", "unit_review")
    assert open_tasks(api, instance_id, "department_reviewer2") == []
    api.review(instance_id, "employer_finance", "employer_reimbursement")
    case = api.instance(instance_id, "applicant2")
    assert (case["status"], case["outcome"]) == ("completed", "reimbursed")
    assert [r.amount for r in rewards(platform)] == [11000]


# --------------------------------------------------------------------------------------
# Every review: return and reject
# --------------------------------------------------------------------------------------
SPECIAL_STEPS = [("unit_reviewer", "unit_review"), ("department_reviewer", "department_review"),
                 ("org_reviewer", "org_rereview"), ("hr_reviewer", "hr_rereview"),
                 ("leadership", "leadership_approval"), ("finance", "fund_payment")]
EMPLOYER_STEPS = [("unit_reviewer2", "unit_review"), ("employer_finance", "employer_reimbursement")]
PARALLEL = {"org_rereview": ("hr_reviewer", "hr_rereview"),
            "hr_rereview": ("org_reviewer", "org_rereview")}


def walk_to(api, instance_id, steps, target):
    """Approve every step before `target` (the parallel partner of a re-review is approved
    first, so the tested decision is the one that completes the join)."""
    partner = PARALLEL.get(target, (None, None))[1]
    done = []
    for user, name in steps:
        if name == target:
            break
        if name != partner:
            api.review(instance_id, user, name)
            done.append(name)
    if partner:
        api.review(instance_id, PARALLEL[target][0], partner)
        done.append(partner)
    return done


def route_case(api, route):
    if route == "special_fund":
        register_talent(api)
        return "applicant", SPECIAL_STEPS
    register_talent(api, applicant="applicant2", unit_reviewer="unit_reviewer2",
                    department_reviewer="department_reviewer2")
    return "applicant2", EMPLOYER_STEPS


REVIEW_CASES = ([("special_fund", s) for s in SPECIAL_STEPS]
                + [("employer", s) for s in EMPLOYER_STEPS])


@pytest.mark.parametrize("route,step", REVIEW_CASES, ids=[f"{r}-{s[1]}" for r, s in REVIEW_CASES])
def test_every_review_can_return_to_the_applicant(api, platform, route, step):
    me, steps = route_case(api, route)
    reviewer, name = step
    instance_id = apply(api, me, form("title"))
    done = walk_to(api, instance_id, steps, name)
    api.review(instance_id, reviewer, name, "return", "请补充职称证书复印件")

    case = api.instance(instance_id, me)
    assert case["status"] == "running" and case["outcome"] is None
    assert history_names(case) == [(SUBMIT, "submitted")] + [(n, "approve") for n in done] + [(name, "return")]
    assert case["history"][-1]["comment"] == "请补充职称证书复印件"
    assert case["history"][-1]["by"] == reviewer
    assert open_tasks(api, instance_id, me) == [SUBMIT]
    for user, _ in steps:
        assert open_tasks(api, instance_id, user) == []
    assert rewards(platform) == []

    # corrected and resubmitted, the case takes the same path again from the start
    r = submit(api, instance_id, me, form("title", title_level="senior"))
    assert r.status_code == 200, r.get_json()
    assert api.instance(instance_id, me)["data"]["reward_amount"] == 5000
    seen = set()
    for user, task_name in steps:
        if task_name not in seen:
            api.review(instance_id, user, task_name)
            seen.add(task_name)
    case = api.instance(instance_id, me)
    assert (case["status"], case["outcome"]) == \
        ("completed", "paid" if route == "special_fund" else "reimbursed")
    assert [r.amount for r in rewards(platform)] == [5000]


@pytest.mark.parametrize("route,step", REVIEW_CASES, ids=[f"{r}-{s[1]}" for r, s in REVIEW_CASES])
def test_every_review_can_reject(api, platform, route, step):
    me, steps = route_case(api, route)
    reviewer, name = step
    instance_id = apply(api, me, form("title"))
    done = walk_to(api, instance_id, steps, name)
    api.review(instance_id, reviewer, name, "reject", "不符合奖励条件")

    case = api.instance(instance_id, me)
    assert (case["status"], case["outcome"]) == ("completed", "rejected")
    assert history_names(case)[-1] == (name, "reject")
    assert case["history"][-1]["comment"] == "不符合奖励条件"
    assert len(case["history"]) == len(done) + 2
    for user in {me, *(u for u, _ in steps)}:
        assert open_tasks(api, instance_id, user) == []
    assert rewards(platform) == []


def test_rereview_return_and_reject_together_rejects(api):
    register_talent(api)
    instance_id = apply(api, "applicant", form("title"))
    for user, name in SPECIAL_STEPS[:2]:
        api.review(instance_id, user, name)
    api.review(instance_id, "org_reviewer", "org_rereview", "return", "请补充材料")
    assert open_tasks(api, instance_id, "applicant") == []  # waits for the other re-review
    api.review(instance_id, "hr_reviewer", "hr_rereview", "reject", "不符合条件")
    case = api.instance(instance_id, "applicant")
    assert (case["status"], case["outcome"]) == ("completed", "rejected")


# --------------------------------------------------------------------------------------
# The recorded reward (Art. 18 service period)
# --------------------------------------------------------------------------------------
def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


@pytest.mark.parametrize("route,data,amount,years", [
    ("special_fund", form("title", service_years=7), 1000, 7),
    ("special_fund", form("postgraduate", degree_level="doctor", service_years=5), 11000, 5),
    ("employer", form("skill", skill_level="senior_technician", service_years=10), 500, 10),
    ("employer", form("project", project_level="provincial"), 2000, 0),
    ("special_fund", form("training_fee", claimed_amount=800), 800, 0),
])
def test_paid_or_reimbursed_reward_is_recorded(api, platform, route, data, amount, years):
    me, steps = route_case(api, route)
    instance_id = apply(api, me, data)
    seen = set()
    for user, name in steps:
        if name not in seen:
            api.review(instance_id, user, name)
            seen.add(name)
    outcome = "paid" if route == "special_fund" else "reimbursed"
    assert api.instance(instance_id, me)["outcome"] == outcome
    today = platform.today()
    (reward,) = rewards(platform)
    assert reward.instance_id == instance_id
    assert reward.user_id == user_id(platform, me)
    assert (reward.reward_type, reward.amount, reward.payment_route, reward.outcome) == \
        (data["reward_type"], amount, route, outcome)
    assert reward.service_years == years
    assert reward.ended_on == today
    assert reward.service_ends_on == add_years(today, years)


# --------------------------------------------------------------------------------------
# Reward controls (CONTRACT.md "Talent management and cultivation")
# --------------------------------------------------------------------------------------
def pay(api, me, steps, data):
    instance_id = apply(api, me, data)
    seen = set()
    for user, name in steps:
        if name not in seen:
            api.review(instance_id, user, name)
            seen.add(name)
    return instance_id


@pytest.mark.parametrize("kind", ["postgraduate", "title", "skill"])
def test_the_same_art12_reward_twice_is_refused_while_running_and_after_payment(api, kind):
    me, steps = route_case(api, "special_fund")
    first = apply(api, me, form(kind))
    second = start_reward(api, me)
    assert_refused(api, second, me, submit(api, second, me, form(kind)), "reward_type")
    # paid: still refused
    seen = set()
    for user, name in steps:
        if name not in seen:
            api.review(first, user, name)
            seen.add(name)
    assert_refused(api, second, me, submit(api, second, me, form(kind)), "reward_type")
    # another level is another reward
    other = {"postgraduate": {"degree_level": "doctor"}, "title": {"title_level": "senior"},
             "skill": {"skill_level": "senior_technician"}}[kind]
    assert submit(api, second, me, form(kind, **other)).status_code == 200


def test_a_rejected_or_withdrawn_reward_may_be_applied_for_again(api):
    me, _ = route_case(api, "special_fund")
    first = apply(api, me, form("title"))
    api.review(first, "unit_reviewer", "unit_review", "reject", "证书不符")
    second = start_reward(api, me)
    assert submit(api, second, me, form("title")).status_code == 200
    assert api.post(f"/api/instances/{second}/withdraw", {"comment": "撤回"}, me).status_code == 200
    third = start_reward(api, me)
    assert submit(api, third, me, form("title")).status_code == 200


@pytest.mark.parametrize("registered,claimed,key,ok", [
    ({"professional_title": "associate_senior"}, {"reward_type": "title", "title_level": "associate_senior"},
     "title_level", False),
    ({"professional_title": "senior"}, {"reward_type": "title", "title_level": "associate_senior"},
     "title_level", False),
    ({"professional_title": "intermediate"}, {"reward_type": "title", "title_level": "associate_senior"},
     "title_level", True),
    ({"skill_level": "technician"}, {"reward_type": "skill", "skill_level": "technician"},
     "skill_level", False),
    ({"skill_level": "advanced"}, {"reward_type": "skill", "skill_level": "technician"},
     "skill_level", True),
])
def test_title_and_skill_must_be_higher_than_at_registration(api, registered, claimed, key, ok):
    register_talent(api, **registered)
    instance_id = start_reward(api, "applicant")
    r = submit(api, instance_id, "applicant", dict(claimed, service_years=5))
    if ok:
        assert r.status_code == 200, r.get_json()
    else:
        assert_refused(api, instance_id, "applicant", r, key)


def test_training_fee_names_a_recorded_training_claimed_once(api, platform):
    me, steps = route_case(api, "special_fund")
    training_id = recorded_training(api, me)
    # not a training at all, and another talent's training
    register_talent(api, applicant="applicant2", unit_reviewer="unit_reviewer2",
                    department_reviewer="department_reviewer2")
    others = recorded_training(api, "applicant2")
    instance_id = start_reward(api, me)
    for bad in (999999, others):
        r = submit(api, instance_id, me, form("training_fee", training_id=bad))
        assert_refused(api, instance_id, me, r, "training_id")
    r = submit(api, instance_id, me, {"reward_type": "training_fee", "claimed_amount": 10})
    assert_refused(api, instance_id, me, r, "training_id")
    assert submit(api, instance_id, me, form("training_fee", training_id=training_id)).status_code == 200
    # claimed while the first claim runs, and after it is paid
    second = start_reward(api, me)
    r = submit(api, second, me, form("training_fee", training_id=training_id))
    assert_refused(api, second, me, r, "training_id")
    seen = set()
    for user, name in steps:
        if name not in seen:
            api.review(instance_id, user, name)
            seen.add(name)
    (reward,) = rewards(platform, instance_id)
    assert reward.training_id == training_id
    r = submit(api, second, me, form("training_fee", training_id=training_id))
    assert_refused(api, second, me, r, "training_id")
    assert submit(api, second, me, form("training_fee")).status_code == 200  # a new training


@pytest.mark.parametrize("unit_type", SPECIAL_FUND_TYPES + EMPLOYER_TYPES)
def test_platform_subsidies_always_take_the_special_fund_route(api, unit_type):
    unit_id = api.create_unit(f"平台单位-{unit_type}", unit_type)
    api.create_user("platform_filer", ["unit_reviewer"], unit_id=unit_id)
    api.create_user("platform_colleague", ["unit_reviewer"], unit_id=unit_id)
    instance_id = apply(api, "platform_filer", form("platform"))
    assert api.instance(instance_id, "platform_filer")["data"]["payment_route"] == "special_fund"
    api.review(instance_id, "platform_colleague", "unit_review")
    assert open_tasks(api, instance_id, "org_reviewer") == ["org_rereview"]
    assert open_tasks(api, instance_id, "employer_finance") == []
