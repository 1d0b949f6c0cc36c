"""The API's errors: every failure answers the contract's JSON shape {"message", "errors"}."""
from __future__ import annotations

from flask import jsonify
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..errors import ServiceError
from ..http.context import db


def error_response(status: int, message: str, errors: dict | None = None):
    response = jsonify({"message": message, "errors": errors or {}})
    response.status_code = status
    return response


def handle_service_error(exc: ServiceError):
    return error_response(exc.status, exc.message, exc.errors)


def handle_http_exception(exc: HTTPException):
    errors = {}
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if isinstance(messages, dict):  # webargs: {"json": {field: [...]}} -> {field: [...]}
        for location_errors in messages.values():
            if isinstance(location_errors, dict):
                errors.update(location_errors)
    message = {400: "请求格式错误 / malformed request", 401: "请先登录 / not logged in",
               403: "无权操作 / not allowed", 404: "不存在 / not found",
               405: "不支持的方法 / method not allowed", 413: "请求体过大 / request too large",
               422: "数据有误 / invalid data"}.get(exc.code, exc.description or exc.name)
    return error_response(exc.code or 500, message, errors)


def handle_database_conflict(exc):
    """A stale version, a unique key taken meanwhile or a lock timeout: the caller lost a race.
    Raised at flush or commit; either way nothing of the action was saved."""
    db().rollback()
    if isinstance(exc, OperationalError) and not any(
            word in str(exc).lower() for word in ("locked", "deadlock", "could not obtain lock")):
        raise exc
    message = ("数据已被他人修改，请刷新后重试 / the case changed meanwhile; reload and retry"
               if isinstance(exc, StaleDataError) else
               "与已有数据冲突，请刷新后重试 / conflicts with a concurrent change; reload and retry")
    return error_response(409, message)


def handle_error(exc: Exception):
    """The API's answer to any error raised while serving /api (the app routes it here)."""
    if isinstance(exc, ServiceError):
        return handle_service_error(exc)
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    return handle_database_conflict(exc)
