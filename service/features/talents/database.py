"""The talent database (信息库, Art. 6–7) and its read side."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.dates import add_years
from ...core.models import User
from ...core.operations import ServiceContext
from ...core.registry import REGISTRY
from ...core.roles import TALENT_DB_ROLES
from ...errors import Forbidden
from .models import Talent, TalentEvaluation

# Art. 6: a registered talent is cultivated for two years.
CULTIVATION_YEARS = 2

# Called with (ctx, talent) right after a registration, in the same transaction: features
# above this one (cultivation starts the talent's plan) add theirs at import time.
after_register: list = []


def list_talents(session: Session, user: User) -> list[tuple[Talent, str]]:
    if not user.has_role(*TALENT_DB_ROLES):
        raise Forbidden("无权查看人才信息库 / not allowed to see the talent database")
    rows = session.execute(select(Talent, User.username).join(User, User.id == Talent.user_id)
                           .order_by(Talent.registered_on.desc(), Talent.id.desc()))
    return [(talent, username) for talent, username in rows]


def evaluations_by_user(session: Session, user_ids) -> dict[int, list]:
    """Annual evaluation results (Art. 18) per talent, newest year first."""
    found: dict[int, list] = {}
    if not user_ids:
        return found
    for row in session.scalars(select(TalentEvaluation).where(
            TalentEvaluation.user_id.in_(set(user_ids))).order_by(TalentEvaluation.year.desc())):
        found.setdefault(row.user_id, []).append(row)
    return found


def active_talent(session: Session, user_id: int, today: date) -> Talent | None:
    return session.scalars(select(Talent).where(
        Talent.user_id == user_id, Talent.status == "active", Talent.registered_on <= today,
        Talent.period_ends_on >= today).limit(1)).first()


@REGISTRY.operation(label=lazy_gettext("登记入人才信息库"))
def register_talent(ctx: ServiceContext, data: dict, params: dict) -> int:
    years = CULTIVATION_YEARS
    talent = Talent(user_id=ctx.starter.id, name=data.get("name") or ctx.starter.display_name,
                    unit_id=ctx.instance.unit_id, talent_category=data.get("talent_category") or "",
                    campaign_id=ctx.instance.campaign_id, instance_id=ctx.instance.id,
                    registered_on=ctx.today, period_ends_on=add_years(ctx.today, years),
                    status="active", service_agreement_years=_int(data.get("service_years")),
                    professional_title=data.get("professional_title") or "none",
                    skill_level=data.get("skill_level") or "none")
    ctx.session.add(talent)
    ctx.session.flush()
    for listener in after_register:
        listener(ctx, talent)
    return talent.id


def _int(value) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0
