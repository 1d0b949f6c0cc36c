"""Demo data: a district's worth of departments, units and users, and an open round; for
`talentflow seed-demo`, also cases in every state, talents and paid rewards (seed_cases)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .core import directory
from .core.models import Department, Unit, User
from .features.selection import rounds

DEPARTMENTS = ["区教育局", "区卫生健康局", "区经济和信息化局", "舒坪街道办事处"]
# (name, type, department or None)
UNITS = [
    ("区发展和改革局", "party_government", None),
    ("区教育研究室", "civil_service_institution", "区教育局"),
    ("自贡市第一中学校", "public_institution", "区教育局"),
    ("区人民医院", "public_institution", "区卫生健康局"),
    ("共青团自流井区委", "mass_organization", None),
    ("自贡盐都机械制造有限公司", "enterprise", "区经济和信息化局"),
    ("舒坪社区卫生服务中心", "other", "舒坪街道办事处"),
]
# (username, display name, roles, unit, department)
USERS = [
    ("applicant", "张明", ["applicant"], "区教育研究室", None),
    ("applicant2", "李娟", ["applicant"], "自贡盐都机械制造有限公司", None),
    ("unit_reviewer", "王芳（区教育研究室人事）", ["unit_reviewer"], "区教育研究室", None),
    ("unit_reviewer2", "赵强（盐都机械人事）", ["unit_reviewer"], "自贡盐都机械制造有限公司", None),
    ("department_reviewer", "刘洋（区教育局）", ["department_reviewer"], None, "区教育局"),
    ("department_reviewer2", "陈静（区经信局）", ["department_reviewer"], None, "区经济和信息化局"),
    ("org_reviewer", "孙伟（区委组织部）", ["org_reviewer"], None, None),
    ("hr_reviewer", "周敏（区人社局）", ["hr_reviewer"], None, None),
    ("leadership", "吴刚（区人才工作领导小组）", ["leadership"], None, None),
    ("finance", "郑丽（区财政局）", ["finance"], None, None),
    ("employer_finance", "冯涛（盐都机械财务）", ["employer_finance"], "自贡盐都机械制造有限公司", None),
    ("admin", "系统管理员", ["admin"], None, None),
]
PASSWORD = "demo"


def seed(session: Session, today) -> dict:
    """Idempotent: creates only what is missing. Returns counts of what it created."""
    created = {"departments": 0, "units": 0, "users": 0, "campaigns": 0}
    departments = {d.name: d for d in session.scalars(select(Department))}
    for name in DEPARTMENTS:
        if name not in departments:
            departments[name] = directory.create_department(session, name)
            created["departments"] += 1
    units = {u.name: u for u in session.scalars(select(Unit))}
    for name, type_, dept in UNITS:
        if name not in units:
            units[name] = directory.create_unit(session, name, type_,
                                                departments[dept].id if dept else None)
            created["units"] += 1
    existing = set(session.scalars(select(User.username)))
    for username, display, roles, unit, dept in USERS:
        if username in existing:
            continue
        directory.create_user(session, username, PASSWORD, roles, display_name=display,
                              unit_id=units[unit].id if unit else None,
                              department_id=departments[dept].id if dept else None,
                              email=f"{username}@example.test", demo_password=True)
        created["users"] += 1
    if rounds.open_campaign(session, today) is None:
        rounds.create_campaign(session, "selection", today - timedelta(days=1),
                                  today + timedelta(days=29))
        created["campaigns"] += 1
    return created


# --------------------------------------------------------------------------------------------
# Demo cases (`talentflow seed-demo` only, never the test fixtures): enough history that the
# dashboard (/reports), the admin console and the inboxes show something real on the first run.
# Every case is run through the same core services as the API (start, complete, withdraw);
# only the dates of a few are moved into the past afterwards, so that earlier years, overdue
# tasks and a period about to end exist on a fresh install.
# --------------------------------------------------------------------------------------------

# More officials, so cases run through units of every route (username, name, roles, unit, dept).
CASE_USERS = [
    ("unit_reviewer3", "黄伟（区人民医院人事）", ["unit_reviewer"], "区人民医院", None),
    ("department_reviewer3", "何琳（区卫健局）", ["department_reviewer"], None, "区卫生健康局"),
    ("employer_finance3", "唐敏（区人民医院财务）", ["employer_finance"], "区人民医院", None),
    ("unit_reviewer4", "罗军（区发改局人事）", ["unit_reviewer"], "区发展和改革局", None),
    ("unit_reviewer4b", "林静（区发改局人事）", ["unit_reviewer"], "区发展和改革局", None),
]
# unit -> (unit reviewer, department reviewer or None, employer finance or None)
REVIEWERS = {
    "区教育研究室": ("unit_reviewer", "department_reviewer", None),
    "自贡盐都机械制造有限公司": ("unit_reviewer2", "department_reviewer2", "employer_finance"),
    "区人民医院": ("unit_reviewer3", "department_reviewer3", "employer_finance3"),
    "区发展和改革局": ("unit_reviewer4", None, None),
}
# (username, name, gender, unit, category, where the selection case stands, form overrides)
TALENTS = [
    ("talent01", "陈晨", "female", "区教育研究室", "professional_technical", "registered", {}),
    ("talent02", "杨帆", "male", "区人民医院", "professional_technical", "registered",
     {"professional_title": "intermediate", "education": "master"}),
    ("talent03", "林涛", "male", "自贡盐都机械制造有限公司", "skilled", "registered",
     {"skill_level": "advanced", "education": "junior_college"}),
    ("talent04", "许婷", "female", "区发展和改革局", "management", "registered", {}),
    ("talent05", "邓超", "male", "区人民医院", "social_work", "registered", {}),
    ("talent06", "曾雪", "female", "区教育研究室", "party_government", "registered", {}),
    ("talent07", "彭亮", "male", "自贡盐都机械制造有限公司", "professional_technical", "unit_review", {}),
    ("talent08", "韩梅", "female", "区人民医院", "professional_technical", "department_review", {}),
    ("talent09", "谢娜", "female", "区发展和改革局", "management", "qualification", {}),
    ("talent10", "冯刚", "male", "区人民医院", "skilled", "leadership_approval",
     {"skill_level": "advanced"}),
    ("talent11", "周杰", "male", "区人民医院", "rural_practical", "rejected", {"agri_title": "intermediate"}),
    ("talent12", "吴静", "female", "区教育研究室", "professional_technical", "withdrawn", {}),
    ("talent13", "钱磊", "male", "区发展和改革局", "management", "returned", {}),
]
# (talent username, reward form, how far it goes, years back its payment lies)
REWARDS = [
    ("talent01", {"reward_type": "postgraduate", "degree_level": "master", "has_degree": True,
                  "has_diploma": True, "tuition": 10000, "service_years": 5}, "end", 1),
    ("talent02", {"reward_type": "title", "title_level": "associate_senior", "service_years": 5}, "end", 0),
    ("talent03", {"reward_type": "skill", "skill_level": "technician", "service_years": 5}, "end", 1),
    ("talent04", {"reward_type": "project", "project_level": "provincial", "project_name": "自流井老街区保护利用规划",
                  "is_project_lead": True, "completed_on_time": True}, "end", 0),
    ("talent05", {"reward_type": "postgraduate", "degree_level": "doctor", "has_degree": True,
                  "has_diploma": True, "tuition": 10000, "service_years": 5}, "end", 0),
    ("talent06", {"reward_type": "project", "project_level": "municipal", "project_name": "盐都课堂教学改革",
                  "is_project_lead": True, "completed_on_time": True}, "org_rereview", 0),
    ("unit_reviewer4", {"reward_type": "platform", "platform_level": "provincial",
                        "platform_name": "自贡市川南经济研究中心"}, "end", 2),
]
APPROVE = {"decision": "approve", "comment": "同意"}


def _application(today, name, gender, category, overrides) -> dict:
    form = {
        "name": name, "gender": gender,
        "birth_date": date(today.year - 34, 4, 12).isoformat(),
        "work_start_date": date(today.year - 9, 7, 1).isoformat(),
        "talent_category": category, "education": "bachelor", "professional_title": "none",
        "skill_level": "none", "agri_title": "none",
        "appraisals": [{"year": today.year - 1, "grade": "excellent"},
                       {"year": today.year - 2, "grade": "competent"}],
        "ethics_attested": True, "service_agreement": True, "service_years": 5,
        "shortage_exception": False, "shortage_justification": "",
    }
    form.update(overrides)
    return form


def seed_cases(platform, session: Session) -> dict:
    """Demo cases in every state, registered talents and paid rewards. Runs once: a database
    that already has cases is left alone."""
    from sqlalchemy import func

    from .core import cases
    from .core.dates import add_years
    from .core.models import HumanTask, Instance
    from .features.rewards.models import Reward
    from .features.talents.models import Talent

    created = {"cases": 0}
    if session.scalar(select(func.count(Instance.id))):
        return created
    today = platform.today()
    units = {u.name: u for u in session.scalars(select(Unit))}
    departments = {d.name: d for d in session.scalars(select(Department))}
    existing = set(session.scalars(select(User.username)))
    for username, display, roles, unit, dept in CASE_USERS:
        if username not in existing:
            directory.create_user(session, username, PASSWORD, roles, display_name=display,
                                  unit_id=units[unit].id if unit else None,
                                  department_id=departments[dept].id if dept else None,
                                  email=f"{username}@example.test", demo_password=True)
    for username, name, _g, unit, _c, _s, _o in TALENTS:
        if username not in existing:
            directory.create_user(session, username, PASSWORD, ["applicant"], display_name=name,
                                  unit_id=units[unit].id, email=f"{username}@example.test",
                                  demo_password=True)
    users = {u.username: u for u in session.scalars(select(User))}

    def task(instance, name):
        row = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.name == name,
            HumanTask.status == "ready")).first()
        assert row is not None, (instance.id, name)
        return row

    def review(instance, username, name, data=APPROVE):
        cases.complete(platform, session, users[username], task(instance, name).id, dict(data))

    def age(instance, days):
        """Move a case's open tasks `days` into the past (so they are overdue)."""
        for row in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                           HumanTask.status == "ready")):
            row.created_at -= timedelta(days=days)
            if row.due_at is not None:
                row.due_at -= timedelta(days=days)
        instance.created_at -= timedelta(days=days)

    order = ["unit_review", "department_review", "qualification", "leadership_approval", "registered"]
    for username, name, gender, unit, category, stands, overrides in TALENTS:
        unit_reviewer, department_reviewer, _ = REVIEWERS[unit]
        instance = cases.start(platform, session, users[username], "talent_selection", {})
        created["cases"] += 1
        form = _application(today, name, gender, category, overrides)
        cases.complete(platform, session, users[username],
                       task(instance, "submit_application").id, form)
        if stands == "withdrawn":
            cases.withdraw(platform, session, users[username], instance.id, "个人原因，本轮暂不申请")
            continue
        if stands in ("rejected", "returned"):
            decision = "reject" if stands == "rejected" else "return"
            review(instance, unit_reviewer, "unit_review", {
                "decision": decision, "comment": "近两年考核材料不全，请补充年度考核表" if decision == "return"
                else "不符合本单位推荐条件"})
            continue
        target = order.index(stands) if stands in order else len(order)
        if target > 0:
            review(instance, unit_reviewer, "unit_review")
        if target > 1 and department_reviewer:
            review(instance, department_reviewer, "department_review")
        if target > 2:
            review(instance, "org_reviewer", "org_qualification_review")
            review(instance, "hr_reviewer", "hr_qualification_review")
        if target > 3:
            review(instance, "leadership", "leadership_approval")
        if stands in ("unit_review", "department_review", "leadership_approval"):
            age(instance, 25)   # waiting far beyond its due date
    # 许婷's two-year period is about to end (her registration moved two years back, less 60 days).
    session.flush()
    talent = session.scalars(select(Talent).where(Talent.user_id == users["talent04"].id)).one()
    talent.registered_on = add_years(today, -2) + timedelta(days=60)
    talent.period_ends_on = add_years(talent.registered_on, 2)

    for username, form, until, years_back in REWARDS:
        starter = users[username]
        unit = next(u for u in units.values() if u.id == starter.unit_id)
        unit_reviewer, department_reviewer, employer_finance = REVIEWERS[unit.name]
        if username == unit_reviewer:   # a unit's own platform claim: a colleague reviews it
            unit_reviewer = None
        instance = cases.start(platform, session, starter, "reward_application", {})
        created["cases"] += 1
        cases.complete(platform, session, starter,
                       task(instance, "submit_reward_application").id, dict(form))
        route = instance.data.get("payment_route")
        steps = []
        if unit_reviewer:
            steps.append((unit_reviewer, "unit_review"))
        else:
            steps.append(("unit_reviewer4b", "unit_review"))
        if route == "special_fund":
            if department_reviewer:
                steps.append((department_reviewer, "department_review"))
            steps += [("org_reviewer", "org_rereview"), ("hr_reviewer", "hr_rereview"),
                      ("leadership", "leadership_approval"), ("finance", "fund_payment")]
        else:
            steps.append((employer_finance, "employer_reimbursement"))
        for user, name in steps:
            if name == until:
                break
            review(instance, user, name)
        if until == "end" and years_back:
            session.flush()
            reward = session.scalars(select(Reward).where(Reward.instance_id == instance.id)).one()
            reward.ended_on = add_years(reward.ended_on, -years_back)
            reward.service_ends_on = add_years(reward.ended_on, reward.service_years)
    return created


# Demo talents in the middle of their cultivation period (issue 12): (username, name, unit,
# category, days since registration, plan state, trainings as (days ago start, length), practice,
# mentor). Created only by `talentflow seed-demo`, not by the plain `seed` the tests share.
DEMO_TALENTS = [
    ("talent_chen", "陈晓", "区教育研究室", "professional_technical", 420, "approved",
     [(380, 30), (200, 25), (190, 25)],  # 30 + 25 + 10 new days (overlap counted once) = 65
     ("secondment_up", "自贡市教育科学研究所", "参与全市课程改革重点课题"),
     ("mentor", "李国华（特级教师）", "自贡市第一中学校")),
    ("talent_huang", "黄磊", "自贡盐都机械制造有限公司", "skilled", 680, "approved",
     [(500, 14), (300, 11)],  # 25 days, period ends in about 50 days: a shortfall warning
     ("cooperation", "四川轻化工大学机械工程学院", "合作攻关盐化工装备耐腐蚀工艺"),
     ("expert_workstation", "盐化装备专家工作站", "自贡盐都机械制造有限公司")),
    ("talent_lin", "林芳", "区教育研究室", "professional_technical", 20, "draft",
     [], None, None),
]


def seed_talents(platform, session: Session, today) -> int:
    """Idempotent: registered talents with plans, trainings (short and complete), practice and
    mentors; the newest one's plan waits at draft_plan for the unit. Returns how many it made."""
    from datetime import datetime

    from .core import cases
    from .core.dates import add_years
    from .core.models import HumanTask
    from .features.cultivation import plan as plan_flow
    from .features.talents.models import Talent, TalentMentor, TalentPractice, TalentTraining

    existing = set(session.scalars(select(User.username)))
    units = {u.name: u for u in session.scalars(select(Unit))}
    reviewers = {u.unit_id: u for u in session.scalars(select(User).where(
        User.username.in_(("unit_reviewer", "unit_reviewer2"))))}
    hr = session.scalars(select(User).where(User.username == "hr_reviewer")).first()
    made = 0
    for username, name, unit_name, category, age, plan_state, trainings, practice, mentor in DEMO_TALENTS:
        if username in existing or unit_name not in units or hr is None:
            continue
        unit = units[unit_name]
        user = directory.create_user(session, username, PASSWORD, ["applicant"], display_name=name,
                                     unit_id=unit.id, email=f"{username}@example.test",
                                     demo_password=True)
        registered_on = today - timedelta(days=age)
        talent = Talent(user_id=user.id, name=name, unit_id=unit.id, talent_category=category,
                        registered_on=registered_on, period_ends_on=add_years(registered_on, 2),
                        status="active", service_agreement_years=5, professional_title="intermediate",
                        skill_level="none")
        session.add(talent)
        session.flush()
        now = datetime.combine(registered_on, datetime.min.time())
        for ago, length in trainings:
            start = today - timedelta(days=ago)
            session.add(TalentTraining(talent_id=talent.id, kind="party_school",
                                       institution="中共自贡市委党校（区行政学校）", start_date=start,
                                       end_date=start + timedelta(days=length - 1), recorded_by=hr.id,
                                       recorded_at=now))
        if practice:
            kind, org, description = practice
            session.add(TalentPractice(talent_id=talent.id, kind=kind, organization=org,
                                       start_date=registered_on + timedelta(days=60),
                                       end_date=registered_on + timedelta(days=240),
                                       description=description, recorded_by=hr.id, recorded_at=now))
        if mentor:
            kind, mentor_name, org = mentor
            session.add(TalentMentor(talent_id=talent.id, kind=kind, name=mentor_name, organization=org,
                                     start_date=registered_on + timedelta(days=30), recorded_by=hr.id,
                                     recorded_at=now))
        instance = plan_flow.start_for(platform, session, talent)
        reviewer = reviewers.get(unit.id)
        if plan_state == "approved" and reviewer is not None:
            for actor, data in ((reviewer, {"direction": f"{name}：{unit_name}骨干人才培养",
                                            "focus": "专业能力提升与重点项目实践",
                                            "measures": "党校培训不少于两个月；上挂或合作锻炼半年；配备导师"}),
                                (hr, {"decision": "approve", "comment": "同意"})):
                task = session.scalars(select(HumanTask).where(
                    HumanTask.instance_id == instance.id, HumanTask.status == "ready")).first()
                cases.complete(platform, session, actor, task.id, data)
        made += 1
    session.flush()
    return made
