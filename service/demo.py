"""Demo data: a district's worth of departments, units and users, and an open round."""
from __future__ import annotations

from datetime import timedelta

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
