"""The reward start page: reward types and amounts as the deployed DMN table computes them."""
from __future__ import annotations

from flask import Blueprint, render_template

from ...http.context import db, platform
from ...web.base import login_required
from . import amounts

bp = Blueprint("rewards", __name__, template_folder="templates")


@bp.get("/start/reward")
@login_required
def start_page():
    schema = platform().forms.get("submit_reward_application")
    labels = schema["properties"]["reward_type"].get("x-enum-labels", {})
    rules = [r for r in amounts.reward_rules(db()) if r["reward_type"]]
    return render_template("rewards/start.html", rules=rules, labels=labels)
