"""The inbox (待办), done list (已办) and the task page with its form, claim and release."""
from __future__ import annotations

from pathlib import Path

from flask import flash, redirect, render_template, request, send_file, url_for
from werkzeug.datastructures import MultiDict
from flask_babel import gettext

from .. import deferred
from ..core import access, assignment, attachments, case_reads, cases, drafts, inbox
from ..core.models import Campaign, HumanTask
from ..core.attachments import upload_task_id
from ..core.ids import parse_id
from ..core.text import is_clean
from ..errors import Conflict, Invalid
from ..http.context import current_user, db, platform
from ..http.transaction import discard_changes, transactional
from . import formfields, queries
from .base import bp, chinese, login_required, page_args, user_name
from .casefacts import case_facts, form_choices

DUE_SOON_WORKDAYS = 2


def due_info(task: HumanTask) -> dict | None:
    """Working days left (negative: overdue) by the district's calendar."""
    if task.due_at is None:
        return None
    left = platform().calendar.workdays_between(platform().today(), task.due_at)
    state = "overdue" if left < 0 else ("soon" if left <= DUE_SOON_WORKDAYS else "ok")
    return {"left": left, "state": state, "date": task.due_at.date()}


def inbox_page():
    user = current_user()
    tab = request.args.get("tab", "all")
    tab = tab if tab in queries.TABS else "all"
    filters = {k: request.args.get(k, "").strip() for k in ("process", "task", "unit", "round", "q")}
    if not is_clean(filters["q"]):  # what neither database can store cannot match a name
        filters["q"] = ""
    for key in ("unit", "round"):
        filters[key] = parse_id(filters[key])
    page, size = page_args()
    tasks, total = queries.inbox_page(db(), user, tab, filters, page, size)
    return render_template(
        "web/inbox.html", tasks=tasks, total=total, page=page, size=size, tab=tab,
        tabs=queries.TABS, counts=queries.tab_counts(db(), user, filters), filters=filters,
        choices=queries.inbox_choices(db(), user), processes=queries.process_names(db()),
        rounds=db().query(Campaign).order_by(Campaign.opens_on.desc()).all(),
        due_info=due_info, user_name=user_name)


@bp.get("/done")
@login_required
def done_page():
    page, size = page_args()
    tasks = inbox.done(db(), current_user(), limit=size + 1, offset=(page - 1) * size)
    return render_template("web/done.html", tasks=tasks[:size], has_next=len(tasks) > size,
                           page=page, processes=queries.process_names(db()))


def _render_task(task: HumanTask, values=None, errors=None, message=None, status=200):
    user = current_user()
    session = db()
    instance = case_reads.case_of(session, task)
    schema = case_reads.task_form(platform(), session, task, instance)
    fields = formfields.with_choices(formfields.describe(schema), form_choices(
        session, instance, task.form)) if schema else []
    field_errors, general = formfields.split_errors(fields, errors or {})
    can_work = task.status == "ready" and access.may_work(user, task) and \
        task.assignee_id in (None, user.id)
    draft = drafts.get(session, user, task) if can_work else None
    if values is None:  # a draft, else earlier answers pre-fill a returned form; a review starts empty
        if draft is not None:
            values = draft.data
        else:
            values = {} if task.form == cases.REVIEW_FORM else case_reads.task_data(instance)
    may_assign = assignment.may_assign(user, task)
    return render_template(
        "web/task.html", task=task, instance=instance, schema=schema, fields=fields,
        values=values, field_errors=field_errors, general_errors=general, message=message,
        can_work=can_work, due=due_info(task), holder=user_name(task.assignee_id),
        draft=draft, returned=case_reads.return_notice(session, task),
        return_targets=cases.return_targets(platform(), session, task) if can_work else [],
        chosen_return=(values or {}).get("return_to") or request.form.get("return_to", ""),
        candidates=[u for u in assignment.eligible_users(session, task)
                    if u.id != task.assignee_id] if may_assign else [],
        may_release=user.has_role("admin") and task.status == "ready" and task.role is not None
        and task.assignee_id is not None,
        rows_for_display=formfields.rows_for_display, **case_facts(session, instance)), status


@bp.get("/tasks/<int:task_id>")
@login_required
def task_page(task_id):
    return _render_task(case_reads.get_task_for(db(), current_user(), task_id))


@bp.post("/tasks/<int:task_id>")
@login_required
@transactional
def submit_task(task_id):
    user = current_user()
    task = case_reads.get_task_for(db(), user, task_id)
    schema = case_reads.task_form(platform(), db(), task, case_reads.case_of(db(), task)) \
        or {"properties": {}}
    data = formfields.parse(formfields.describe(schema), request.form)
    if task.form == cases.REVIEW_FORM and request.form.get("return_to"):
        data["return_to"] = request.form["return_to"]
    if request.form.get("action") == "draft":  # 暂存
        try:
            drafts.save(db(), user, task, data)
        except Invalid as exc:
            discard_changes()
            return _render_task(task, values=data, errors=exc.errors,
                                message=chinese(exc.message), status=422)
        flash(gettext("已暂存，下次打开此事项时会自动填入。"))
        return redirect(url_for("web.task_page", task_id=task_id))
    if task.status != "ready" and task.completed_by == user.id:
        # a double-clicked submit: the first click did it, the second lands on the result
        flash(gettext("此事项已提交。"))
        return redirect(url_for("web.case_page", instance_id=task.instance_id)
                        if task.role is None else url_for("web.index"))
    try:
        done_task = cases.complete(platform(), db(), user, task_id, data)
    except Invalid as exc:  # also a refusal raised inside the diagram (e.g. Art. 5)
        discard_changes()
        task = case_reads.get_task_for(db(), user, task_id)
        return _render_task(task, values=data, errors=exc.errors, message=chinese(exc.message),
                            status=422)
    except Conflict:
        discard_changes()
        task = case_reads.get_task_for(db(), user, task_id)
        if task.status != "ready" and task.completed_by == user.id:  # the other click won
            flash(gettext("此事项已提交。"))
            return redirect(url_for("web.case_page", instance_id=task.instance_id)
                            if task.role is None else url_for("web.index"))
        raise
    flash(gettext("已提交：%(step)s（%(name)s）", step=done_task.title, name=done_task.applicant_name))
    if done_task.role is None:
        return redirect(url_for("web.case_page", instance_id=done_task.instance_id))
    return redirect(url_for("web.index"))


@bp.post("/tasks/<int:task_id>/claim")
@login_required
@transactional
def claim_task(task_id):
    task = cases.claim(platform(), db(), current_user(), task_id)
    flash(gettext("已签收：%(step)s（%(name)s）", step=task.title, name=task.applicant_name))
    return redirect(request.form.get("back") == "task"
                    and url_for("web.task_page", task_id=task_id) or url_for("web.index"))


@bp.post("/tasks/<int:task_id>/release")
@login_required
@transactional
def release_task(task_id):
    task = assignment.release(platform(), db(), current_user(), task_id)
    flash(gettext("已退回队列：%(step)s（%(name)s）", step=task.title, name=task.applicant_name))
    return redirect(url_for("web.index"))


@bp.post("/tasks/<int:task_id>/assign")
@login_required
@transactional
def assign_task(task_id):
    """转办 from the task page: the picker offers only eligible users; the rule is checked again."""
    user = current_user()
    try:
        task = assignment.assign(platform(), db(), user, task_id, request.form.get("username", ""))
    except Invalid as exc:
        discard_changes()
        flash(chinese(exc.message), "error")
        return redirect(url_for("web.task_page", task_id=task_id))
    flash(gettext("已转办：%(step)s（%(name)s）→ %(holder)s", step=task.title,
                  name=task.applicant_name, holder=user_name(task.assignee_id)))
    if access.may_see_task(user, task) and user.has_role("admin"):
        return redirect(url_for("web.task_page", task_id=task_id))
    return redirect(url_for("web.index"))


@bp.post("/cases/<int:instance_id>/attachments")
@login_required
@transactional
def upload(instance_id):
    user = current_user()
    instance = case_reads.get_instance_for(db(), user, instance_id)
    task_id = upload_task_id(request.form.get("task_id"))
    back = url_for("web.task_page", task_id=task_id) if task_id else \
        url_for("web.case_page", instance_id=instance_id)
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        flash(gettext("请选择要上传的文件"), "error")
        return redirect(back)
    _keep_typed_input(user, task_id)
    cfg = platform().config
    try:
        attachment = attachments.save(db(), user, instance, upload_file, cfg["UPLOAD_DIR"],
                                      cfg["MAX_UPLOAD_BYTES"], task_id)
        flash(gettext("已上传：%(file)s", file=attachment.filename))
    except Invalid as exc:
        discard_changes()
        flash(gettext("；").join(m for ms in exc.errors.values() for m in ms) or exc.message, "error")
    return redirect(back)


DRAFT_PREFIX = "draft::"


def _keep_typed_input(user, task_id) -> None:
    """web.js copies the task form's fields into the upload form (prefixed): they are kept as
    the user's draft, so the page comes back with what was typed."""
    if not task_id or not any(k.startswith(DRAFT_PREFIX) for k in request.form):
        return
    task = db().get(HumanTask, task_id)
    if task is None or task.instance_id is None or not access.may_work(user, task) \
            or task.status != "ready" or task.assignee_id not in (None, user.id):
        return
    schema = platform().forms.get(task.form) if task.form else {"properties": {}}
    typed = MultiDict([(k[len(DRAFT_PREFIX):], v) for k, vs in request.form.lists()
                       if k.startswith(DRAFT_PREFIX) for v in vs])
    data = formfields.parse(formfields.describe(schema), typed)
    try:
        with deferred.begin_nested(db()):
            drafts.save(db(), user, task, data)
    except Invalid:
        pass  # what cannot be kept is simply not kept; the upload goes on


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id):
    attachment = attachments.get_for(db(), current_user(), attachment_id)
    path = Path(platform().config["UPLOAD_DIR"]) / attachment.storage_name
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.filename)
