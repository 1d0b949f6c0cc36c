"""What the task, case and print pages show about one case (summary, decisions, attachments)."""
from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from sqlalchemy.orm import Session

from ..core import attachments, case_reads
from ..core.models import Campaign, Instance, Unit, User
from ..core.registry import REGISTRY
from ..core.roles import ROLE_LABELS
from ..http.context import platform
from . import formfields, queries

# Lazy: these are built at import, translated when a page renders them.
STATUS_LABELS = {"running": lazy_gettext("办理中"), "completed": lazy_gettext("已办结"),
                 "cancelled": lazy_gettext("已撤回")}
# Outcomes any process may have; the features register their own (REGISTRY.outcome_labels).
OUTCOME_LABELS = {"rejected": lazy_gettext("未通过")}
DECISION_LABELS = {"approve": lazy_gettext("同意"), "return": lazy_gettext("退回修改"),
                   "reject": lazy_gettext("不同意"), "submitted": lazy_gettext("提交"),
                   "withdraw": lazy_gettext("撤回")}


def status_label(instance: Instance) -> str:
    outcome = REGISTRY.outcome_labels.get(instance.outcome) or OUTCOME_LABELS.get(instance.outcome)
    if instance.status == "completed" and outcome is not None:
        return outcome
    return STATUS_LABELS.get(instance.status, instance.status)


def holder_label(session: Session, task) -> str:
    if task.assignee_id:
        user = session.get(User, task.assignee_id)
        return user.display_name or user.username
    return gettext("%(role)s（待签收）", role=ROLE_LABELS.get(task.role, task.role))


def form_choices(session: Session, instance: Instance, form: str | None) -> dict[str, list]:
    """Field → [(value, label)] for the fields of `form` whose values live in the database."""
    today = platform().today()
    return {key: choices(session, instance, today)
            for key, choices in REGISTRY.form_choices.get(form, {}).items()}


def form_section(session: Session, instance: Instance, form: str) -> dict:
    """One form of the case as submitted: its title and (label, value) rows."""
    schema = platform().definitions.form(session, instance.definition_id, form)
    return {"form": form, "title": schema.get("title", form),
            "print_label": REGISTRY.printable_forms.get(form),
            "rows": formfields.summary(schema, instance.data or {},
                                       form_choices(session, instance, form))}


def application(session: Session, instance: Instance) -> dict | None:
    """The applicant's form (the print page's paper form)."""
    form = queries.application_form_name(session, instance)
    return form_section(session, instance, form) if form else None


def submitted_forms(session: Session, instance: Instance, application: dict | None) -> list[dict]:
    """Everything the case's steps filled in, each form under its own title: the applicant's
    form first, then each form a completed step submitted. A reviewer sees what they review
    whoever filled it in (the unit's plan HR reviews; the unit's evaluation beside the
    talent's self-assessment)."""
    sections = [application] if application else []
    return sections + [form_section(session, instance, form)
                       for form in queries.submitted_form_names(session, instance)
                       if not application or form != application["form"]]


def case_facts(session: Session, instance: Instance) -> dict:
    history = case_reads.history(session, instance)
    names = queries.names_by_username(session, [h["by"] for h in history])
    titles = {event["name"]: event["title"] for event in history}
    for event in history:
        event["by_name"] = names.get(event["by"], event["by"] or gettext("系统"))
        event["return_to_title"] = titles.get(event["return_to"], event["return_to"])
        event["decision_label"] = DECISION_LABELS.get(event["decision"], event["decision"] or "")
    unit = session.get(Unit, instance.unit_id) if instance.unit_id else None
    campaign = session.get(Campaign, instance.campaign_id) if instance.campaign_id else None
    current = [{"task": t, "holder": holder_label(session, t)}
               for t in queries.open_tasks(session, instance)]
    paper_form = application(session, instance)
    return {"case": instance, "history": history, "current": current,
            "unit_name": unit.name if unit else "", "campaign": campaign,
            "process_name": queries.process_names(session).get(instance.process_id,
                                                                instance.process_id),
            "status_text": status_label(instance), "application": paper_form,
            "submitted_forms": submitted_forms(session, instance, paper_form),
            "attachments": attachments.list_for(session, instance),
            "reward_amount": (instance.data or {}).get("reward_amount"),
            "case_notes": [note for fn in REGISTRY.case_notes for note in fn(session, instance)]}
