"""The reward start page: reward types and amounts as the deployed DMN table computes them."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from ...http.context import current_user, db, platform
from ...web.base import login_required
from ..talents.database import active_talent
from ..talents.models import TalentTraining
from . import amounts
from .models import Reward

bp = Blueprint("rewards", __name__, template_folder="templates")


@bp.get("/start/reward")
@login_required
def start_page():
    schema = platform().forms.get("submit_reward_application")
    labels = schema["properties"]["reward_type"].get("x-enum-labels", {})
    rules = [r for r in amounts.reward_rules(db()) if r["reward_type"]]
    user = current_user()
    # Art. 12, 13 and training-fee claims need an active talent; Art. 14 (platform) is filed by
    # a unit reviewer for the unit. Say so before the form, not after 16 fields.
    talent = active_talent(db(), user.id, platform().today())
    may_file_platform = user.has_role("unit_reviewer") and user.unit_id is not None
    return render_template("rewards/start.html", rules=rules, labels=labels, talent=talent,
                           may_start=talent is not None or may_file_platform,
                           trainings=_my_trainings(talent))


def _my_trainings(talent) -> list:
    """The caller's recorded trainings of their current period, for a training-fee claim."""
    if talent is None:
        return []
    claimed = set(db().scalars(select(Reward.training_id).where(Reward.training_id.is_not(None))))
    return [(t, t.id in claimed) for t in db().scalars(select(TalentTraining).where(
        TalentTraining.talent_id == talent.id).order_by(TalentTraining.start_date))]
