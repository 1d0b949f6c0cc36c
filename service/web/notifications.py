"""The notifications page (the bell in the header)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ..core import notifications
from ..core.registry import REGISTRY
from ..http.context import current_user, db
from ..http.transaction import transactional
from .base import bp, login_required


@bp.get("/notifications")
@login_required
def notifications_page():
    return render_template("web/notifications.html", kinds=REGISTRY.notification_kinds,
                           items=notifications.for_user(db(), current_user()))


@bp.post("/notifications/read-all")
@login_required
@transactional
def read_all_notifications():
    notifications.mark_all_read(db(), current_user())
    return redirect(url_for("web.notifications_page"))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
@transactional
def read_notification(notification_id):
    item = notifications.mark_read(db(), current_user(), notification_id)
    if item.task_id and request.form.get("open"):
        return redirect(url_for("web.task_page", task_id=item.task_id))
    return redirect(url_for("web.notifications_page"))
