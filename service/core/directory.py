"""Departments, units and users (admin work and the CLI share these)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid
from .models import Department, Unit, User, UserRole
from .roles import ROLES
from .ids import parse_id
from .security import MIN_PASSWORD_LENGTH, hash_password
from .text import name_problem


UNIT_TYPES = {
    "party_government": "党政机关",
    "civil_service_institution": "参照公务员管理的事业单位",
    "public_institution": "其他事业单位",
    "mass_organization": "人民团体/群团机关",
    "enterprise": "企业",
    "other": "其他",
}


def _exists(session: Session, model, value) -> bool:
    key = parse_id(value)
    return key is not None and session.get(model, key) is not None


def _name_errors(**names) -> dict:
    problems = {field: name_problem(value) for field, value in names.items()}
    return {field: [problem] for field, problem in problems.items() if problem}


def create_department(session: Session, name: str) -> Department:
    errors = _name_errors(name=name)
    if errors:
        raise Invalid("部门名称有误 / invalid name", errors)
    if session.scalar(select(Department.id).where(Department.name == name)):
        raise Conflict("部门已存在 / department exists", {"name": ["名称已存在"]})
    department = Department(name=name)
    session.add(department)
    session.flush()
    return department


def create_unit(session: Session, name: str, type_: str, department_id: int | None) -> Unit:
    errors = _name_errors(name=name)
    if type_ not in UNIT_TYPES:
        errors["type"] = [f"单位类型须为：{', '.join(UNIT_TYPES)}"]
    if department_id is not None and not _exists(session, Department, department_id):
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
                department_id: int | None = None, email: str | None = None,
                demo_password: bool = False) -> User:
    """A user. Passwords have at least MIN_PASSWORD_LENGTH characters; only the demo data
    (`demo_password`) keeps the documented password `demo`."""
    errors = _name_errors(username=username, display_name=display_name or username)
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        errors["roles"] = [f"未知角色：{', '.join(bad)}" if bad else "至少需要一个角色"]
    if unit_id is not None and not _exists(session, Unit, unit_id):
        errors["unit_id"] = ["单位不存在"]
    if department_id is not None and not _exists(session, Department, department_id):
        errors["department_id"] = ["部门不存在"]
    if not password or (len(password) < MIN_PASSWORD_LENGTH and not demo_password):
        errors["password"] = [f"密码至少 {MIN_PASSWORD_LENGTH} 个字符 / at least "
                              f"{MIN_PASSWORD_LENGTH} characters"]
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
