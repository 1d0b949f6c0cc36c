"""Selection rounds in the API: the list for everybody, creation for the admin."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ...api.admin import require_admin
from ...api.schemas import IdOut
from ...http.context import current_user, db, platform
from ...http.transaction import transactional
from . import rounds

blp = Blueprint("selection_api", __name__, url_prefix="/api", description="选拔轮次 / selection rounds")


class CampaignIn(Schema):
    kind = fields.String(load_default="selection", validate=validate.OneOf(["selection"]))
    opens_on = fields.Date(required=True)
    closes_on = fields.Date(required=True)


class CampaignOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    opens_on = fields.Date()
    closes_on = fields.Date()
    status = fields.String()


@blp.get("/campaigns")
@blp.response(200, CampaignOut(many=True))
def list_campaigns():
    current_user()
    today = platform().today()
    return [{"id": c.id, "kind": c.kind, "opens_on": c.opens_on, "closes_on": c.closes_on,
             "status": c.status_on(today)} for c in rounds.list_campaigns(db())]


@blp.post("/admin/campaigns")
@blp.arguments(CampaignIn)
@blp.response(201, IdOut)
@transactional
def create_campaign(body):
    require_admin()
    campaign = rounds.create_campaign(db(), body["kind"], body["opens_on"], body["closes_on"])
    return {"id": campaign.id}
