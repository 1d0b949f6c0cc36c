"""我的申请, the case page (timeline + diagram), withdraw, printable forms, and starting a case
(each feature's start page posts here)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..core import case_reads, cases
from ..core.registry import REGISTRY
from ..core.text import bad_strings
from ..errors import Conflict, Forbidden, Invalid
from ..http.context import current_user, db, platform
from ..http.transaction import discard_changes, transactional
from . import queries
from .base import bp, chinese, login_required
from .casefacts import case_facts, status_label


@bp.get("/my")
@login_required
def my_cases():
    session = db()
    rows = [{"case": i, "status": status_label(i),
             "current": ", ".join(t.title for t in queries.open_tasks(session, i))}
            for i in case_reads.my_instances(session, current_user())]
    return render_template("web/my.html", rows=rows, processes=queries.process_names(session))


@bp.get("/cases/<int:instance_id>")
@login_required
def case_page(instance_id):
    user = current_user()
    session = db()
    instance = case_reads.get_instance_for(session, user, instance_id)
    facts = case_facts(session, instance)
    return render_template(
        "web/case.html", **facts, diagram_xml=queries.diagram_xml(session, instance),
        finished=queries.finished_task_names(session, instance),
        current_ids=[c["task"].name for c in facts["current"]],
        my_task=queries.my_ready_task(session, user, instance.id),
        can_withdraw=cases.withdraw_refusal(user, instance) is None)


@bp.route("/cases/<int:instance_id>/withdraw", methods=["GET", "POST"])
@login_required
@transactional
def withdraw(instance_id):
    """GET asks for confirmation (works without JavaScript); POST withdraws."""
    user = current_user()
    instance = case_reads.get_instance_for(db(), user, instance_id)
    if request.method == "GET":
        refusal = cases.withdraw_refusal(user, instance)
        if refusal is not None:  # no confirmation for what the POST would refuse
            raise refusal
        return render_template("web/withdraw.html", case=instance)
    comment = request.form.get("comment", "").strip() or None
    problems = bad_strings({"comment": comment}) if comment else {}
    if problems:
        raise Invalid("撤回说明包含非法字符或过长 / invalid comment", problems)
    cases.withdraw(platform(), db(), user, instance_id, comment)
    flash(gettext("已撤回申请（%(name)s）", name=instance.applicant_name))
    return redirect(url_for("web.case_page", instance_id=instance_id))


@bp.get("/cases/<int:instance_id>/print")
@login_required
def print_form(instance_id):
    instance = case_reads.get_instance_for(db(), current_user(), instance_id)
    facts = case_facts(db(), instance)
    if not facts["application"] or facts["application"]["form"] not in REGISTRY.printable_forms:
        abort(404)
    return render_template("web/print.html", **facts, today=platform().today())


@bp.post("/start/<process_id>")
@login_required
@transactional
def start(process_id):
    start_page = REGISTRY.start_pages.get(process_id)
    if start_page is None:  # only processes a feature offers a start page for
        abort(404)
    user = current_user()
    try:
        instance = cases.start(platform(), db(), user, process_id, {})
    except (Conflict, Forbidden) as exc:  # e.g. no open round, a second case, no unit
        discard_changes()
        existing = (exc.errors.get("instance_id") or [None])[0]
        flash(chinese(exc.message), "error")
        if existing:
            return redirect(url_for("web.case_page", instance_id=int(existing)))
        return redirect(url_for(start_page))
    task = queries.my_ready_task(db(), user, instance.id)
    if task is None:
        return redirect(url_for("web.case_page", instance_id=instance.id))
    return redirect(url_for("web.task_page", task_id=task.id))
