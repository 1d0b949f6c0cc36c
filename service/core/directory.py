"""Departments, units and users (admin work and the CLI share these)."""
from __future__ import annotations

import re

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import Conflict, Invalid, NotFound
from . import access
from .models import Department, HumanTask, Unit, User, UserRole, WebSession
from .roles import ROLES
from .ids import parse_id
from .security import MIN_PASSWORD_LENGTH, hash_password
from .text import is_clean, name_problem


UNIT_TYPES = {
    "party_government": "党政机关",
    "civil_service_institution": "参照公务员管理的事业单位",
    "public_institution": "其他事业单位",
    "mass_organization": "人民团体/群团机关",
    "enterprise": "企业",
    "other": "其他",
}


def _type_problem() -> str:
    # Named as the unit form lists them: the people reading this pick from those labels and
    # never see the keys (the API's `type` field still takes the keys; its error stays keyed `type`).
    return "单位类型须为：" + "、".join(UNIT_TYPES.values())


def _exists(session: Session, model, value) -> bool:
    key = parse_id(value)
    return key is not None and session.get(model, key) is not None


MAX_NAME = 200


def _name_problem(value) -> str | None:
    if not isinstance(value, str):
        return "须为文本 / must be text"
    if not is_clean(value):
        return "包含非法字符 / contains U+0000 or an unpaired surrogate"
    if len(value) > MAX_NAME:
        return f"不能超过 {MAX_NAME} 个字符 / at most {MAX_NAME} characters"
    return name_problem(value)


def _name_errors(**names) -> dict:
    problems = {field: _name_problem(value) for field, value in names.items()}
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
        errors["type"] = [_type_problem()]
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


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
UNSET = object()  # "leave as it is" for the optional changes of update_user


def _email_problem(email) -> str | None:
    if email in (None, ""):
        return None
    if not isinstance(email, str) or len(email) > 200 or not EMAIL.match(email):
        return "邮箱地址格式不正确 / not a valid email address"
    return None


def _password_problem(password, demo_password: bool = False) -> str | None:
    if not password or (len(password) < MIN_PASSWORD_LENGTH and not demo_password):
        return (f"密码至少 {MIN_PASSWORD_LENGTH} 个字符 / at least "
                f"{MIN_PASSWORD_LENGTH} characters")
    if len(password) > 200 or not is_clean(password):
        return "密码过长或包含非法字符 / password too long or invalid"
    return None


def _user_errors(session: Session, roles=UNSET, unit_id=UNSET, department_id=UNSET,
                 email=UNSET, **names) -> dict:
    """The rules a user's fields follow, for creating and changing alike."""
    errors = _name_errors(**names)
    if roles is not UNSET:
        bad = [r for r in roles or [] if r not in ROLES]
        if bad or not roles:
            errors["roles"] = [f"未知角色：{', '.join(bad)}" if bad else "至少需要一个角色"]
    if unit_id not in (UNSET, None) and not _exists(session, Unit, unit_id):
        errors["unit_id"] = ["单位不存在"]
    if department_id not in (UNSET, None) and not _exists(session, Department, department_id):
        errors["department_id"] = ["部门不存在"]
    if email is not UNSET and _email_problem(email):
        errors["email"] = [_email_problem(email)]
    return errors


def create_user(session: Session, username: str, password: str, roles: list[str],
                display_name: str = "", unit_id: int | None = None,
                department_id: int | None = None, email: str | None = None,
                demo_password: bool = False) -> User:
    """A user. Passwords have at least MIN_PASSWORD_LENGTH characters; only the demo data
    (`demo_password`) keeps the documented password `demo`."""
    errors = _user_errors(session, roles=roles, unit_id=unit_id, department_id=department_id,
                          email=email, username=username, display_name=display_name or username)
    if _password_problem(password, demo_password):
        errors["password"] = [_password_problem(password, demo_password)]
    if "username" not in errors and any(c.isspace() for c in username):
        # typed at every login: a space there is invisible, and a login with it trimmed fails
        errors["username"] = ["用户名不能包含空格"]
    if errors:
        raise Invalid("用户信息有误 / invalid user", errors)
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict("用户名已存在 / username taken", {"username": ["用户名已存在"]})
    user = User(username=username, password_hash=hash_password(password),
                display_name=display_name or username, unit_id=unit_id,
                department_id=department_id, email=email or None,
                role_rows=[UserRole(role=r) for r in sorted(set(roles))])
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("用户名已存在 / username taken", {"username": ["用户名已存在"]})
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.username)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在 / no such user")
    return user


def update_user(session: Session, actor: User, user_id: int, display_name=UNSET, roles=UNSET,
                unit_id=UNSET, department_id=UNSET, email=UNSET) -> User:
    """Change a user's name, roles, unit, department or email (what is passed)."""
    user = get_user(session, user_id)
    names = {} if display_name is UNSET else {"display_name": display_name}
    errors = _user_errors(session, roles=roles, unit_id=unit_id, department_id=department_id,
                          email=email, **names)
    if roles is not UNSET and user.id == actor.id and "admin" in user.roles \
            and "admin" not in (roles or []):
        errors.setdefault("roles", []).append("不能取消自己的系统管理员角色")
    if errors:
        raise Invalid("用户信息有误 / invalid user", errors)
    if display_name is not UNSET:
        user.display_name = display_name
    if roles is not UNSET and sorted(set(roles)) != user.roles:
        user.role_rows = [UserRole(role=r) for r in sorted(set(roles))]
        session.flush()  # the old rows go before the new ones share their keys
    if unit_id is not UNSET:
        user.unit_id = unit_id
    if department_id is not UNSET:
        user.department_id = department_id
    if email is not UNSET:
        user.email = email or None
    if roles is not UNSET or unit_id is not UNSET or department_id is not UNSET:
        _release_tasks_no_longer_theirs(session, user)
    return user


def _release_tasks_no_longer_theirs(session: Session, user: User) -> None:
    """The role tasks `user` holds but may no longer work (a role taken away, another unit or
    department, deactivated) go back to their role's queue: left with them, no one could open
    or complete them until an admin released each. Only a task still open: a completion
    committed meanwhile keeps its holder (PostgreSQL re-checks the condition after the lock)."""
    session.flush()
    held = session.scalars(select(HumanTask).where(
        HumanTask.status == "ready", HumanTask.assignee_id == user.id,
        HumanTask.role.is_not(None))).all()
    gone = [task.id for task in held if not (user.active and access.may_work(user, task))]
    if gone:
        session.execute(update(HumanTask).where(
            HumanTask.id.in_(gone), HumanTask.status == "ready",
            HumanTask.assignee_id == user.id).values(assignee_id=None))


def _end_sessions(session: Session, user: User) -> None:
    """Every API token and browser session of `user` stops working."""
    user.token_generation = (user.token_generation or 0) + 1
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """Deactivate (the user can no longer log in; their tokens and sessions end) or reactivate."""
    user = get_user(session, user_id)
    if not active and user.id == actor.id:
        raise Invalid("不能停用自己的账号 / you cannot deactivate yourself",
                      {"active": ["不能停用自己的账号"]})
    if user.active and not active:
        _end_sessions(session, user)
    user.active = active
    if not active:
        _release_tasks_no_longer_theirs(session, user)
    return user


def reset_password(session: Session, actor: User, user_id: int, password: str) -> User:
    """A new password; the user's other sessions and tokens end (they log in with it)."""
    user = get_user(session, user_id)
    problem = _password_problem(password)
    if problem:
        raise Invalid("密码不符合要求 / invalid password", {"password": [problem]})
    user.password_hash = hash_password(password)
    if user.id != actor.id:
        _end_sessions(session, user)
    return user


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.name)))


def list_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.name)))


def rename_department(session: Session, department_id: int, name: str) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("部门不存在 / no such department")
    errors = _name_errors(name=name)
    if errors:
        raise Invalid("部门名称有误 / invalid name", errors)
    if session.scalar(select(Department.id).where(Department.name == name,
                                                  Department.id != department.id)):
        raise Conflict("部门已存在 / department exists", {"name": ["名称已存在"]})
    department.name = name
    return department


def update_unit(session: Session, unit_id: int, name=UNSET, type_=UNSET,
                department_id=UNSET) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("单位不存在 / no such unit")
    errors = {} if name is UNSET else _name_errors(name=name)
    if type_ is not UNSET and type_ not in UNIT_TYPES:
        errors["type"] = [_type_problem()]
    if department_id not in (UNSET, None) and not _exists(session, Department, department_id):
        errors["department_id"] = ["主管部门不存在"]
    if errors:
        raise Invalid("单位信息有误 / invalid unit", errors)
    if name is not UNSET:
        if session.scalar(select(Unit.id).where(Unit.name == name, Unit.id != unit.id)):
            raise Conflict("单位已存在 / unit exists", {"name": ["名称已存在"]})
        unit.name = name
    if type_ is not UNSET:
        unit.type = type_
    if department_id is not UNSET:
        unit.department_id = department_id
    return unit


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()
