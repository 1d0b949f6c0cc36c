"""The talent database (信息库, Art. 6–7) and its read side."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import TALENT_DB_ROLES
from .errors import Forbidden
from .models import Talent, User


def list_talents(session: Session, user: User) -> list[tuple[Talent, str]]:
    if not user.has_role(*TALENT_DB_ROLES):
        raise Forbidden("无权查看人才信息库 / not allowed to see the talent database")
    rows = session.execute(select(Talent, User.username).join(User, User.id == Talent.user_id)
                           .order_by(Talent.registered_on.desc(), Talent.id.desc()))
    return [(talent, username) for talent, username in rows]


def evaluations_by_user(session: Session, user_ids) -> dict[int, list]:
    """Annual evaluation results (Art. 18) per talent, newest year first."""
    from .models_jobs import TalentEvaluation
    found: dict[int, list] = {}
    if not user_ids:
        return found
    for row in session.scalars(select(TalentEvaluation).where(
            TalentEvaluation.user_id.in_(set(user_ids))).order_by(TalentEvaluation.year.desc())):
        found.setdefault(row.user_id, []).append(row)
    return found
