"""The pages' errors: every failure on a page answers an HTML page in Chinese, never JSON
(unknown addresses, refused actions, over-size uploads and lost races included)."""
from __future__ import annotations

from flask import g, render_template
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from ..errors import ServiceError
from ..http.context import db, platform
from ..http.dberrors import classify, safe_rollback
from .base import chinese


def _messages() -> dict[int, str]:
    return {
        400: gettext("请求有误，请返回上一页重试。"),
        401: gettext("请先登录。"),
        403: gettext("您无权访问该页面。"),
        404: gettext("您访问的页面不存在，或您无权查看。"),
        405: gettext("不支持该操作方式。"),
        409: gettext("案件已被他人同时办理，请刷新页面后重试。"),
        413: gettext("上传的内容过大，请压缩后重试（附件不超过 %(mb)s MB）。",
                     mb=platform().config["MAX_UPLOAD_BYTES"] // (1024 * 1024)),
        429: gettext("操作过于频繁，请稍后再试。"),
        503: gettext("系统暂时无法访问数据库，请稍后再试。"),
    }


def page(status: int, message: str | None = None):
    message = message or _messages().get(status) or gettext("系统出错，请稍后重试或联系管理员。")
    return render_template("web/error.html", status=status, message=message), status


def handle_error(exc: Exception):
    """The pages' answer to any error raised while serving a page (the app routes it here)."""
    safe_rollback(db())
    if isinstance(exc, ServiceError):
        response = page(exc.status, chinese(exc.message))
        if getattr(exc, "retry_after", None):
            response = (response[0], response[1], {"Retry-After": str(exc.retry_after)})
        return response
    if isinstance(exc, HTTPException):
        return page(exc.code or 500)
    kind = classify(exc)
    if kind == "conflict":
        # Someone else acted on the case at the same moment; nothing of this action was saved.
        return page(409)
    if kind == "unavailable":
        g.database_unavailable = True  # the page's header must not ask the database again
        return page(503)
    raise exc
