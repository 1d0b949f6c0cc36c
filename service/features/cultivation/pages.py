"""The talent page (/talents/<id>): the whole record in Chinese, with forms to record trainings,
practice, mentors and Art. 16/18/19 entries, to change the status and to revise the plan."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext, lazy_gettext

from sqlalchemy import select

from ...core.models import Unit
from ...errors import Invalid
from ...http.context import current_user, db, platform
from ...http.transaction import discard_changes, transactional
from ...web.base import chinese, login_required
from ...web.queries import names_by_username
from ..talents.labels import GRADE_LABELS, STATUS_LABELS
from ..talents.models import Talent
from . import certificates, plan, record, rules

bp = Blueprint("cultivation", __name__, template_folder="templates")

TRAINING_LABELS = {"party_school": lazy_gettext("党校（行政学校）"), "university": lazy_gettext("高等院校"),
                   "vocational_school": lazy_gettext("职业培训学校"), "other": lazy_gettext("其他培训机构")}
PRACTICE_LABELS = {"secondment_up": lazy_gettext("上挂"), "posting_down": lazy_gettext("下派"),
                   "posting_out": lazy_gettext("外派"), "exchange": lazy_gettext("交流"),
                   "cooperation": lazy_gettext("合作")}
MENTOR_LABELS = {"mentor": lazy_gettext("导师"), "expert_workstation": lazy_gettext("专家工作站"),
                 "master_apprentice": lazy_gettext("名师带徒")}
RECORD_LABELS = {"contact_visit": lazy_gettext("领导联系走访（第十六条）"),
                 "working_conditions": lazy_gettext("工作生活条件改善（第十七条）"),
                 "job_change": lazy_gettext("岗位变动（第十八条）"),
                 "unit_change": lazy_gettext("单位变动（第十八条）"),
                 "research_result": lazy_gettext("科研成果（第十八条）"),
                 "award": lazy_gettext("奖励（第十八条）"), "penalty": lazy_gettext("惩处（第十八条）"),
                 "consulting": lazy_gettext("科技咨询（第十九条）"),
                 "technical_service": lazy_gettext("技术服务（第十九条）"),
                 "training_given": lazy_gettext("知识培训授课（第十九条）"),
                 "publicity": lazy_gettext("宣传报道（第十九条）")}
REWARD_LABELS = {"postgraduate": lazy_gettext("研究生学历学位奖励"), "title": lazy_gettext("高一级职称奖励"),
                 "skill": lazy_gettext("高一级技能等级奖励"), "project": lazy_gettext("项目奖励"),
                 "training_fee": lazy_gettext("培养费用报销")}
OUTCOME_LABELS = {"paid": lazy_gettext("已支付"), "reimbursed": lazy_gettext("已报销")}
ADDERS = {"trainings": rules.add_training, "practice": rules.add_practice,
          "mentors": rules.add_mentor}
SAVED = {"trainings": lazy_gettext("培训已登记。"), "practice": lazy_gettext("实践锻炼已登记。"),
         "mentors": lazy_gettext("导师/工作站已登记。"), "records": lazy_gettext("记录已登记。"),
         "status": lazy_gettext("状态已变更。")}


def _form_body(kind: str) -> dict:
    fields = {"trainings": ("kind", "institution", "start_date", "end_date"),
              "practice": ("kind", "organization", "start_date", "end_date", "description"),
              "mentors": ("kind", "name", "organization", "start_date"),
              "records": ("kind", "date", "summary"),
              "status": ("status", "reason")}[kind]
    return {f: request.form.get(f, "") for f in fields if request.form.get(f, "") != ""}


def _render(talent_id: int, errors: dict | None = None, failed: str | None = None, status=200):
    user = current_user()
    talent = rules.get_talent_for(db(), user, talent_id)
    data = record.build(db(), talent)
    unit = db().get(Unit, talent.unit_id) if talent.unit_id else None
    categories = platform().forms.get("submit_application")["properties"]["talent_category"] \
        .get("x-enum-labels", {})
    required = data["training_required_days"]
    return render_template(
        "cultivation/talent.html", t=data, unit=unit, categories=categories,
        statuses=STATUS_LABELS, training_labels=TRAINING_LABELS, practice_labels=PRACTICE_LABELS,
        mentor_labels=MENTOR_LABELS, record_labels=RECORD_LABELS, grade_labels=GRADE_LABELS,
        reward_labels=REWARD_LABELS, outcome_labels=OUTCOME_LABELS,
        progress=min(100, round(100 * data["training_days"] / required)) if required else 100,
        may_record=rules.may_record(user, talent),
        may_keep_timeline=rules.may_keep_timeline(user, talent),
        may_change_status=user.has_role(*rules.STATUS_ROLES),
        may_revise=(rules.is_unit_reviewer_of(user, talent) or user.has_role(*plan.REVISE_ROLES))
        and talent.status == "active" and data["plan_instance_id"] is None,
        # the record names who changed the status by username (the API's); people read names
        people=names_by_username(db(), [c["by"] for c in data["status_history"]]),
        errors=errors or {}, failed=failed, form=request.form if failed else {},
        today=platform().today()), status


@bp.get("/talents/<int:talent_id>")
@login_required
def talent_page(talent_id):
    return _render(talent_id)


@bp.get("/my/talent")
@login_required
def my_page():
    """我的培养档案: the caller's latest registration, or a page saying there is none (every
    applicant has the link, registered or not: not having a record yet is no error)."""
    talent = db().scalars(select(Talent).where(Talent.user_id == current_user().id)
                          .order_by(Talent.registered_on.desc(), Talent.id.desc()).limit(1)).first()
    if talent is None:
        return render_template("cultivation/not_registered.html")
    return redirect(url_for("cultivation.talent_page", talent_id=talent.id))


@bp.post("/talents/<int:talent_id>/<any(trainings, practice, mentors, records, status):kind>")
@login_required
@transactional
def record_post(talent_id, kind):
    user, now = current_user(), platform().now()
    try:
        if kind in ADDERS:
            ADDERS[kind](db(), user, talent_id, _form_body(kind), now)
        elif kind == "records":
            rules.add_record(db(), user, talent_id, _form_body(kind), now, platform().today())
        else:
            rules.change_status(db(), user, talent_id, _form_body(kind), platform().today(), now)
    except Invalid as exc:
        discard_changes()
        return _render(talent_id, {k: [chinese(m) for m in v] for k, v in exc.errors.items()},
                       kind, 422)
    flash(str(SAVED[kind]))
    return redirect(url_for("cultivation.talent_page", talent_id=talent_id) + f"#{kind}")


@bp.post("/talents/<int:talent_id>/plan/revisions")
@login_required
@transactional
def revise_plan(talent_id):
    instance = plan.revise(platform(), db(), current_user(), talent_id)
    flash(gettext("已发起培养计划修订，待所在单位制定。"))
    return redirect(url_for("web.case_page", instance_id=instance.id))



@bp.post("/talents/<int:talent_id>/<any(trainings, practice, mentors):kind>/<int:record_id>/certificates")
@login_required
@transactional
def upload_certificate(talent_id, kind, record_id):
    cfg = platform().config
    try:
        certificates.add_certificate(db(), current_user(), talent_id, kind, record_id,
                              request.files.get("file"), cfg["UPLOAD_DIR"], cfg["MAX_UPLOAD_BYTES"],
                              platform().now())
    except Invalid as exc:
        discard_changes()
        return _render(talent_id, {k: [chinese(m) for m in v] for k, v in exc.errors.items()},
                       f"{kind}-certificate", 422)
    flash(gettext("证书复印件已上传。"))
    return redirect(url_for("cultivation.talent_page", talent_id=talent_id) + f"#{kind}")


@bp.get("/talents/<int:talent_id>/certificates/<int:certificate_id>")
@login_required
def download_certificate(talent_id, certificate_id):
    row = certificates.get_certificate_for(db(), current_user(), talent_id, certificate_id)
    return send_file(Path(platform().config["UPLOAD_DIR"]) / row.storage_name,
                     mimetype=row.content_type, as_attachment=True, download_name=row.filename)
