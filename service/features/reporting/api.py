"""The summary report in the API."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

# A figure a feature registers (REGISTRY.report_figures) needs its field here to be answered.

from ...http.context import current_user, db, platform
from . import summary

blp = Blueprint("reporting_api", __name__, url_prefix="/api", description="统计报表 / reports")


class SummaryOut(Schema):
    cases_by_process_status = fields.Dict(keys=fields.String(), values=fields.Dict())
    open_tasks_by_name = fields.Dict(keys=fields.String(), values=fields.Integer())
    overdue_tasks = fields.Integer()
    overdue_tasks_by_unit = fields.Dict(keys=fields.String(), values=fields.Integer())
    talents_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    talents_by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    rewards_paid_by_year = fields.Dict(keys=fields.String(), values=fields.Integer())
    rewards_paid_by_year_route = fields.Dict(keys=fields.String(), values=fields.Dict())
    training_shortfalls = fields.Integer()


@blp.get("/reports/summary")
@blp.response(200, SummaryOut)
def get_summary():
    """Cases by process and status, open and overdue tasks, talents, rewards paid, training
    shortfalls (admin and the district roles)."""
    return summary.summary(db(), current_user(), platform().today())
