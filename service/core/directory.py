"""Departments, units and users (admin work and the CLI share these)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid
from .models import Department, Unit, User, UserRole
from .roles import ROLES
from .security import hash_password


UNIT_TYPES = {
    "party_government": "党政机关",
    "civil_service_institution": "参照公务员管理的事业单位",
    "public_institution": "其他事业单位",
    "mass_organization": "人民团体/群团机关",
    "enterprise": "企业",
    "other": "其他",
}


def create_department(session: Session, name: str) -> Department:
    if session.scalar(select(Department.id).where(Department.name == name)):
        raise Conflict("部门已存在 / department exists", {"name": ["名称已存在"]})
    department = Department(name=name)
    session.add(department)
    session.flush()
    return department


def create_unit(session: Session, name: str, type_: str, department_id: int | None) -> Unit:
    errors = {}
    if type_ not in UNIT_TYPES:
        errors["type"] = [f"单位类型须为：{', '.join(UNIT_TYPES)}"]
    if department_id is not None and session.get(Department, department_id) is None:
        errors["department_id"] = ["主管部门不存在"]
    if errors:
        raise Invalid("单位信息有误 / invalid unit", errors)
    if session.scalar(select(Unit.id).where(Unit.name == name)):
        raise Conflict("单位已存在 / unit exists", {"name": ["名称已存在"]})
    unit = Unit(name=name, type=type_, department_id=department_id)
    session.add(unit)
    session.flush()
    return unit


def create_user(session: Session, username: str, password: str, roles: list[str],
                display_name: str = "", unit_id: int | None = None,
                department_id: int | None = None, email: str | None = None) -> User:
    errors = {}
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        errors["roles"] = [f"未知角色：{', '.join(bad)}" if bad else "至少需要一个角色"]
    if unit_id is not None and session.get(Unit, unit_id) is None:
        errors["unit_id"] = ["单位不存在"]
    if department_id is not None and session.get(Department, department_id) is None:
        errors["department_id"] = ["部门不存在"]
    if not password:
        errors["password"] = ["密码不能为空"]
    if errors:
        raise Invalid("用户信息有误 / invalid user", errors)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("用户名已存在 / username taken", {"username": ["用户名已存在"]})
    user = User(username=username, password_hash=hash_password(password),
                display_name=display_name or username, unit_id=unit_id,
                department_id=department_id, email=email,
                role_rows=[UserRole(role=r) for r in sorted(set(roles))])
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("用户名已存在 / username taken", {"username": ["用户名已存在"]})
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()
