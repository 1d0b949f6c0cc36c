"""The reward start page: reward types and amounts as the deployed DMN table computes them."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.models import Instance
from ...http.context import current_user, db, platform
from ...web.base import login_required
from ..talents.database import active_talent
from ..talents.models import Talent, TalentTraining
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
                           trainings=talent_trainings(db(), talent))


def talent_trainings(session: Session, talent: Talent | None) -> list:
    """(training, already claimed) for the talent's recorded trainings, for a training-fee
    claim (each training is reimbursed once)."""
    if talent is None:
        return []
    claimed = set(session.scalars(select(Reward.training_id).where(
        Reward.training_id.is_not(None))))
    return [(t, t.id in claimed) for t in session.scalars(select(TalentTraining).where(
        TalentTraining.talent_id == talent.id).order_by(TalentTraining.start_date,
                                                        TalentTraining.id))]


def training_choices(session: Session, instance: Instance, today: date) -> list:
    """The trainings a training-fee claim may name, as the form's select offers them: the
    starter's trainings of their current period (the ones check_reward_conditions accepts),
    and the one the case names even once the period is over, so the case still reads it."""
    rows = talent_trainings(session, active_talent(session, instance.starter_id, today))
    chosen = (instance.data or {}).get("training_id")
    if isinstance(chosen, int) and chosen not in {t.id for t, _ in rows}:
        training = session.get(TalentTraining, chosen)
        owner = session.get(Talent, training.talent_id) if training else None
        if owner is not None and owner.user_id == instance.starter_id:
            rows.append((training, True))
    return [(t.id, _training_label(t, claimed)) for t, claimed in rows]


def _training_label(training: TalentTraining, claimed: bool) -> str:
    label = gettext("%(institution)s（%(start)s 至 %(end)s）", institution=training.institution,
                    start=training.start_date, end=training.end_date)
    return gettext("%(training)s · 已报销", training=label) if claimed else label
