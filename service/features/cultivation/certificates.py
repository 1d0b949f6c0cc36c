"""Certificate copies (PDF, PNG, JPEG) of a talent's trainings, practice and mentorships: written
by whoever may record them, read by whoever may see the talent's record."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.attachments import store_upload
from ...core.models import User
from ...errors import Invalid, NotFound
from ..talents.models import TalentCertificate, TalentMentor, TalentPractice, TalentTraining
from .rules import get_talent_for, require_recorder

RECORD_MODELS = {"trainings": TalentTraining, "practice": TalentPractice, "mentors": TalentMentor}
MAX_CERTIFICATES_PER_RECORD = 10


def add_certificate(session: Session, user: User, talent_id: int, kind: str, record_id: int,
                    upload, upload_dir: str, max_bytes: int, now: datetime) -> TalentCertificate:
    talent = require_recorder(session, user, talent_id)
    model = RECORD_MODELS.get(kind)
    row = session.get(model, record_id) if model else None
    if row is None or row.talent_id != talent.id:
        raise NotFound("记录不存在 / no such record")
    if upload is None:
        raise Invalid("缺少文件 / no file", {"file": ["请选择要上传的文件（multipart 字段 file）"]})
    count = len(certificates_of(session, talent.id, kind, record_id))
    if count >= MAX_CERTIFICATES_PER_RECORD:
        raise Invalid("附件数量已达上限 / too many files",
                      {"file": [f"每条记录最多上传 {MAX_CERTIFICATES_PER_RECORD} 个证书复印件"]})
    stored = store_upload(upload, upload_dir, max_bytes)
    certificate = TalentCertificate(
        talent_id=talent.id, record_kind=kind, record_id=record_id, filename=stored.filename,
        content_type=stored.content_type, size=stored.size, storage_name=stored.storage_name,
        sha256=stored.sha256, uploaded_by=user.id, uploaded_at=now)
    session.add(certificate)
    session.flush()
    return certificate


def certificates_of(session: Session, talent_id: int, kind: str | None = None,
                    record_id: int | None = None) -> list[TalentCertificate]:
    query = select(TalentCertificate).where(TalentCertificate.talent_id == talent_id)
    if kind is not None:
        query = query.where(TalentCertificate.record_kind == kind,
                            TalentCertificate.record_id == record_id)
    return list(session.scalars(query.order_by(TalentCertificate.id)))


def get_certificate_for(session: Session, user: User, talent_id: int,
                        certificate_id: int) -> TalentCertificate:
    talent = get_talent_for(session, user, talent_id)
    certificate = session.get(TalentCertificate, certificate_id)
    if certificate is None or certificate.talent_id != talent.id:
        raise NotFound("附件不存在 / no such file")
    return certificate
