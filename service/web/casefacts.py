"""What the task, case and print pages show about one case (summary, decisions, attachments)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .. import attachments, cases
from ..api.common import platform
from ..models import ROLE_LABELS, Campaign, Instance, Unit, User
from . import formfields, queries

STATUS_LABELS = {"running": "办理中", "completed": "已办结", "cancelled": "已撤回"}
OUTCOME_LABELS = {"registered": "已入库", "rejected": "未通过", "paid": "已支付",
                  "reimbursed": "已报销", "evaluated": "已评价"}
DECISION_LABELS = {"approve": "同意", "return": "退回修改", "reject": "不同意",
                   "submitted": "提交", "withdraw": "撤回"}


def status_label(instance: Instance) -> str:
    if instance.status == "completed" and instance.outcome in OUTCOME_LABELS:
        return OUTCOME_LABELS[instance.outcome]
    return STATUS_LABELS.get(instance.status, instance.status)


def holder_label(session: Session, task) -> str:
    if task.assignee_id:
        user = session.get(User, task.assignee_id)
        return user.display_name or user.username
    return f"{ROLE_LABELS.get(task.role, task.role)}（待签收）"


def application(session: Session, instance: Instance) -> dict | None:
    """The applicant's form as submitted: its title and (label, value) rows."""
    form = queries.application_form_name(session, instance)
    if not form:
        return None
    schema = platform().forms.get(form)
    return {"form": form, "title": schema.get("title", form),
            "rows": formfields.summary(schema, instance.data or {})}


def case_facts(session: Session, instance: Instance) -> dict:
    history = cases.history(session, instance)
    names = queries.names_by_username(session, [h["by"] for h in history])
    for event in history:
        event["by_name"] = names.get(event["by"], event["by"] or "系统")
        event["decision_label"] = DECISION_LABELS.get(event["decision"], event["decision"] or "")
    unit = session.get(Unit, instance.unit_id) if instance.unit_id else None
    campaign = session.get(Campaign, instance.campaign_id) if instance.campaign_id else None
    current = [{"task": t, "holder": holder_label(session, t)}
               for t in queries.open_tasks(session, instance)]
    return {"case": instance, "history": history, "current": current,
            "unit_name": unit.name if unit else "", "campaign": campaign,
            "process_name": queries.process_names(session).get(instance.process_id,
                                                                instance.process_id),
            "status_text": status_label(instance), "application": application(session, instance),
            "attachments": attachments.list_for(session, instance),
            "reward_amount": (instance.data or {}).get("reward_amount")}
