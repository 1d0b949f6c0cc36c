"""Attachments (certificate copies): size- and type-checked, stored outside the web root."""
from __future__ import annotations

from dataclasses import dataclass

import hashlib
import os
import secrets
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import access
from ..errors import Conflict, Invalid, NotFound
from .ids import parse_id
from .models import Attachment, HumanTask, Instance, User

# Certificates of one case: generous for a real application, a ceiling for a flood.
MAX_PER_CASE = 30

# Sniffed from the first bytes, never trusted from the client's Content-Type.
SIGNATURES = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
)


def sniff(head: bytes, filename: str) -> str | None:
    suffix = Path(filename).suffix.lower()
    for magic, content_type, suffixes in SIGNATURES:
        if head.startswith(magic) and suffix in suffixes:
            return content_type
    return None


def upload_task_id(raw) -> int | None:
    """The optional `task_id` of an upload form: absent is None; anything but a valid id is an
    unknown task (404), the same for the API and the pages."""
    if raw is None or raw == "":
        return None
    task_id = parse_id(raw)
    if task_id is None:
        raise NotFound("任务不存在 / no such task")
    return task_id


def clean_filename(filename: str) -> str:
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    if not name or name in (".", ".."):
        raise Invalid("文件名无效 / bad filename", {"file": ["文件名无效"]})
    return name[:200]


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size: int
    storage_name: str
    sha256: str


def store_upload(upload, upload_dir: str, max_bytes: int) -> StoredFile:
    """Check an uploaded file (size, not empty, PDF/PNG/JPEG by its first bytes) and write it
    under a random name in the upload folder, outside any web root. Every upload of the
    service (case attachments, a talent's certificate copies) goes through here."""
    filename = clean_filename(upload.filename)
    content = upload.stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise Invalid("文件过大 / file too large", {"file": [f"文件不能超过 {max_bytes // (1024 * 1024)} MB"]})
    if not content:
        raise Invalid("文件为空 / empty file", {"file": ["文件为空"]})
    content_type = sniff(content[:16], filename)
    if content_type is None:
        raise Invalid("仅支持 PDF、PNG、JPEG / only PDF, PNG or JPEG",
                      {"file": ["仅支持 PDF、PNG、JPEG 格式的证书复印件"]})
    directory = Path(upload_dir)
    directory.mkdir(parents=True, exist_ok=True)
    storage_name = secrets.token_hex(16)
    (directory / storage_name).write_bytes(content)
    return StoredFile(filename, content_type, len(content), storage_name,
                      hashlib.sha256(content).hexdigest())


def save(session: Session, user: User, instance: Instance, upload, upload_dir: str,
         max_bytes: int, task_id: int | None = None) -> Attachment:
    if not access.may_see_instance(user, instance, session):
        raise NotFound("案件不存在 / no such case")
    if instance.status != "running":
        raise Conflict("案件已结束，不能再上传附件 / the case has ended")
    if task_id is not None:
        task = session.get(HumanTask, task_id)
        if task is None or task.instance_id != instance.id or not access.may_see_task(user, task):
            raise NotFound("任务不存在 / no such task")
    count = session.scalar(select(func.count(Attachment.id)).where(
        Attachment.instance_id == instance.id))
    if count >= MAX_PER_CASE:
        raise Invalid("附件数量已达上限 / too many attachments", {
            "file": [f"每个案件最多上传 {MAX_PER_CASE} 个附件"]})
    stored = store_upload(upload, upload_dir, max_bytes)
    attachment = Attachment(instance_id=instance.id, task_id=task_id, filename=stored.filename,
                            content_type=stored.content_type, size=stored.size,
                            storage_name=stored.storage_name, sha256=stored.sha256,
                            uploaded_by=user.id)
    session.add(attachment)
    session.flush()
    return attachment


def list_for(session: Session, instance: Instance) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.instance_id == instance.id)
                                .order_by(Attachment.id)))


def get_for(session: Session, user: User, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("附件不存在 / no such attachment")
    instance = session.get(Instance, attachment.instance_id)
    if not access.may_see_instance(user, instance, session):
        raise NotFound("附件不存在 / no such attachment")
    return attachment
