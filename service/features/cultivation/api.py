"""Talent management and cultivation in the API (CONTRACT.md, "Talent management and
cultivation"): the record, trainings, practice, mentors, timeline records, status, plan revisions."""
from __future__ import annotations

from datetime import date, datetime

from pathlib import Path

from flask import request, send_file
from flask_smorest import Blueprint

from ...errors import BadRequest
from ...http.context import current_user, db, platform
from ...http.transaction import transactional
from . import certificates, plan, record, rules

blp = Blueprint("cultivation_api", __name__, url_prefix="/api",
                description="人才培养档案 / talent record and cultivation")


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("请求体必须是 JSON 对象 / the body must be a JSON object")
    return body


def iso(value):
    """Dates and times as ISO 8601, the way the rest of the API writes them."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [iso(v) for v in value]
    return value


@blp.get("/talents/<int:talent_id>")
@blp.response(200)
def get_talent(talent_id):
    talent = rules.get_talent_for(db(), current_user(), talent_id)
    return iso(record.build(db(), talent))


@blp.post("/talents/<int:talent_id>/trainings")
@blp.response(201)
@transactional
def add_training(talent_id):
    row = rules.add_training(db(), current_user(), talent_id, _body(), platform().now())
    return {"id": row.id, "days": rules.days_of(row.start_date, row.end_date)}


@blp.post("/talents/<int:talent_id>/practice")
@blp.response(201)
@transactional
def add_practice(talent_id):
    row = rules.add_practice(db(), current_user(), talent_id, _body(), platform().now())
    return {"id": row.id}


@blp.post("/talents/<int:talent_id>/mentors")
@blp.response(201)
@transactional
def add_mentor(talent_id):
    row = rules.add_mentor(db(), current_user(), talent_id, _body(), platform().now())
    return {"id": row.id}


@blp.post("/talents/<int:talent_id>/records")
@blp.response(201)
@transactional
def add_record(talent_id):
    """Art. 16/18/19 entries: contact visits, changes, results, penalties, consulting,
    technical service, training given, publicity."""
    row = rules.add_record(db(), current_user(), talent_id, _body(), platform().now(),
                           platform().today())
    return {"id": row.id}


@blp.post("/talents/<int:talent_id>/status")
@blp.response(200)
@transactional
def change_status(talent_id):
    talent = rules.change_status(db(), current_user(), talent_id, _body(), platform().today(),
                                 platform().now())
    return {"id": talent.id, "status": talent.status}


@blp.post("/talents/<int:talent_id>/plan/revisions")
@blp.response(201)
@transactional
def revise_plan(talent_id):
    instance = plan.revise(platform(), db(), current_user(), talent_id)
    return {"id": instance.id, "process_id": instance.process_id, "status": instance.status}


@blp.post("/talents/<int:talent_id>/<any(trainings, practice, mentors):kind>/<int:record_id>/certificates")
@blp.response(201)
@transactional
def upload_certificate(talent_id, kind, record_id):
    """A certificate copy (PDF, PNG or JPEG; multipart field `file`) of a training, practice
    or mentorship record; the same callers as the record itself."""
    cfg = platform().config
    row = certificates.add_certificate(db(), current_user(), talent_id, kind, record_id,
                                request.files.get("file"), cfg["UPLOAD_DIR"],
                                cfg["MAX_UPLOAD_BYTES"], platform().now())
    return {"id": row.id, "filename": row.filename}


@blp.get("/talents/<int:talent_id>/certificates/<int:certificate_id>")
def download_certificate(talent_id, certificate_id):
    row = certificates.get_certificate_for(db(), current_user(), talent_id, certificate_id)
    return send_file(Path(platform().config["UPLOAD_DIR"]) / row.storage_name,
                     mimetype=row.content_type, as_attachment=True, download_name=row.filename)
