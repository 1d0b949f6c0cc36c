"""The selection start page: the open round, or when the next one opens."""
from __future__ import annotations

from flask import Blueprint, render_template

from ...http.context import current_user, db, platform
from ...web.base import login_required
from . import rounds

bp = Blueprint("selection", __name__, template_folder="templates")


@bp.get("/start/selection")
@login_required
def start_page():
    campaign = rounds.open_campaign(db(), platform().today())
    nxt = None if campaign else rounds.next_opening_on(platform(), db())
    no_unit = rounds.NO_UNIT if current_user().unit_id is None else None
    return render_template("selection/start.html", campaign=campaign, next_opening=nxt,
                           no_unit=no_unit)
