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
