"""Email through SMTP, by way of an outbox table.

A job writes its mail into `email_outbox` in the same transaction as its work (a notice is
never lost because the mail server was down, and never sent for work that rolled back), then
`send_pending` delivers after the commit. A failed delivery is logged, counted and left in the
outbox: the next job run tries again."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import deferred
from ..db import insert_rows
from .models import EmailOutbox, User, localnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20  # after that a message stays in the outbox for an admin to look at
SIGNATURE = "\n\n—— 自流井区人才培养工作流系统（系统邮件，请勿直接回复）"


def outbox_row(user: User, subject: str, body: str,
               notification_id: int | None = None) -> dict | None:
    """The outbox row of a message to `user`, as column values (None: the user has no
    address). `queue` adds one; a job writing thousands passes them to `queue_many`."""
    if not user.email:
        return None
    return {"user_id": user.id, "to_addr": user.email, "subject": subject[:300],
            "body": body + SIGNATURE, "notification_id": notification_id,
            "created_at": localnow(), "attempts": 0}


def queue(session: Session, user: User, subject: str, body: str,
          notification_id: int | None = None) -> None:
    """Add a message for `user` to the outbox (nothing when the user has no address), written
    with the action's other appended rows (service/deferred.py)."""
    values = outbox_row(user, subject, body, notification_id)
    if values is not None:
        deferred.insert_row(session, EmailOutbox, values)


def queue_many(session: Session, rows: list[dict]) -> None:
    """Add the `outbox_row` rows in bulk: no ORM object, no id read back."""
    insert_rows(session, EmailOutbox, rows)


def build_message(config: dict, row: EmailOutbox) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = row.to_addr
    message["Subject"] = row.subject  # non-ASCII headers are RFC 2047-encoded by the policy
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="talentflow")
    message.set_content(row.body, charset="utf-8")
    return message


def send_pending(platform, limit: int = 500) -> dict:
    """Deliver unsent mail over one SMTP connection; each row is marked in its own transaction
    so a crash mid-way re-sends at most the message in flight."""
    with platform.transaction() as session:
        ids = list(session.scalars(select(EmailOutbox.id).where(
            EmailOutbox.sent_at.is_(None), EmailOutbox.attempts < MAX_ATTEMPTS)
            .order_by(EmailOutbox.id).limit(limit)))
    if not ids:
        return {"sent": 0, "failed": 0}
    config = platform.config
    sent = failed = 0
    try:
        smtp = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=20)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP %s:%s unreachable, %d message(s) kept for the next run: %s",
                    config["SMTP_HOST"], config["SMTP_PORT"], len(ids), exc)
        _record_failure(platform, ids, f"connect: {exc}")
        return {"sent": 0, "failed": len(ids)}
    try:
        for outbox_id in ids:
            with platform.transaction() as session:
                row = session.get(EmailOutbox, outbox_id)
                if row is None or row.sent_at is not None:
                    continue
                row.attempts += 1
                try:
                    smtp.send_message(build_message(config, row))
                except (OSError, smtplib.SMTPException) as exc:
                    log.warning("mail %d to %s failed (attempt %d): %s", row.id, row.to_addr,
                                row.attempts, exc)
                    row.last_error = str(exc)[:2000]
                    failed += 1
                else:
                    row.sent_at, row.last_error = localnow(), None
                    sent += 1
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return {"sent": sent, "failed": failed}


def _record_failure(platform, ids: list[int], error: str) -> None:
    """A server that cannot be reached is not the message's fault: note the error but do not
    count an attempt, so a long outage never makes mail give up."""
    with platform.transaction() as session:
        for row in session.scalars(select(EmailOutbox).where(EmailOutbox.id.in_(ids))):
            row.last_error = error[:2000]
