"""Service-task operations: what a diagram may ask the server to do.

A diagram names an operation (`spiffworkflow:serviceTaskOperator id=...`); only functions
registered with `REGISTRY.operation` (here and in the features) exist, so an uploaded diagram
can ask the server to do these things and nothing else. Each takes (ctx, data, params) and
returns a JSON-serializable value stored in the task's result variable."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from .models import Instance, Unit, User
from .registry import REGISTRY


@dataclass
class ServiceContext:
    session: Session
    instance: Instance
    today: date
    settings: dict
    now: datetime | None = None
    # The platform running this action (a DatedPlatform in a job): lets an operation start a
    # follow-up case in the same transaction.
    platform: object = None
    known_starter: User | None = None  # the caller's, when it had it at hand

    @property
    def starter(self) -> User:
        # Read on first use: most operations (a timer's reminder) never ask, and a fired timer
        # should not pay a round trip for it.
        if self.known_starter is None:
            self.known_starter = self.session.get(User, self.instance.starter_id)
        return self.known_starter


@REGISTRY.operation(label="读取申请人及其单位")
def load_starter(ctx: ServiceContext, data: dict, params: dict) -> dict:
    unit = ctx.session.get(Unit, ctx.starter.unit_id) if ctx.starter.unit_id else None
    return {
        "user_id": ctx.starter.id,
        "display_name": ctx.starter.display_name,
        "unit_id": unit.id if unit else None,
        "unit_type": unit.type if unit else None,
        "department_id": unit.department_id if unit else None,
        "has_department": bool(unit and unit.department_id),
    }
