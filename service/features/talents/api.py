"""The talent database (信息库) in the API."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ...http.context import current_user, db
from . import database

blp = Blueprint("talents_api", __name__, url_prefix="/api", description="人才信息库 / talents")


class TalentOut(Schema):
    id = fields.Integer()
    username = fields.String()
    name = fields.String()
    unit_id = fields.Integer(allow_none=True)
    talent_category = fields.String()
    campaign_id = fields.Integer(allow_none=True)
    registered_on = fields.Date()
    period_ends_on = fields.Date()
    status = fields.String()
    evaluations = fields.List(fields.Dict())  # annual evaluation results, newest first


@blp.get("/talents")
@blp.response(200, TalentOut(many=True))
def list_talents():
    rows = database.list_talents(db(), current_user())
    evaluations = database.evaluations_by_user(db(), [t.user_id for t, _ in rows])
    return [{"id": t.id, "username": username, "name": t.name, "unit_id": t.unit_id,
             "talent_category": t.talent_category, "campaign_id": t.campaign_id,
             "registered_on": t.registered_on, "period_ends_on": t.period_ends_on,
             "status": t.status,
             "evaluations": [{"year": e.year, "grade": e.grade, "comment": e.comment}
                             for e in evaluations.get(t.user_id, [])]} for t, username in rows]
