"""The API's errors: every failure answers the contract's JSON shape {"message", "errors"}."""
from __future__ import annotations

import json

from flask import jsonify
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..errors import ServiceError
from ..http.context import db
from ..http.dberrors import classify, safe_rollback


MAX_ERROR_BYTES = 64 * 1024


def error_response(status: int, message: str, errors: dict | None = None):
    """The contract's error shape, at most 64 KB: a huge request cannot make a huger answer
    (the first problems are kept, and the message says how many were left out)."""
    errors = errors or {}
    body = {"message": message, "errors": errors}
    if len(json.dumps(body, ensure_ascii=False).encode()) > MAX_ERROR_BYTES - 1024:
        kept, size = {}, 0
        for key, messages in errors.items():
            entry = {str(key)[:200]: [str(m)[:500] for m in list(messages)[:5]]
                     if isinstance(messages, (list, tuple)) else [str(messages)[:500]]}
            size += len(json.dumps(entry, ensure_ascii=False).encode())
            if size > MAX_ERROR_BYTES // 2:
                break
            kept.update(entry)
        left_out = len(errors) - len(kept)
        body = {"message": f"{message[:2000]}（另有 {left_out} 项问题未列出 / {left_out} more "
                           f"problems left out）", "errors": kept, "left_out": left_out}
    response = jsonify(body)
    response.status_code = status
    return response


def field_messages(problems, where: str = "") -> list[str]:
    """A field's problems as the contract's flat list of messages. marshmallow nests those of
    a list's items and a nested object's fields ({"0": [...]}, {"name": [...]}); each keeps
    where it was found as a prefix ("[0] …", "name: …")."""
    if isinstance(problems, dict):
        return [message for key, inner in problems.items()
                for message in field_messages(
                    inner, f"{where}[{key}] " if isinstance(key, int) or str(key).isdigit()
                    else f"{where}{key}: ")]
    if isinstance(problems, (list, tuple)):
        return [message for inner in problems for message in field_messages(inner, where)]
    return [f"{where}{problems}"]


def handle_service_error(exc: ServiceError):
    response = error_response(exc.status, exc.message, exc.errors)
    if getattr(exc, "retry_after", None):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def handle_http_exception(exc: HTTPException):
    errors = {}
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if isinstance(messages, dict):  # webargs: {"json": {field: [...]}} -> {field: [...]}
        for location_errors in messages.values():
            if isinstance(location_errors, dict):
                errors.update({field: field_messages(problems)
                               for field, problems in location_errors.items()})
    message = {400: "请求格式错误 / malformed request", 401: "请先登录 / not logged in",
               403: "无权操作 / not allowed", 404: "不存在 / not found",
               405: "不支持的方法 / method not allowed", 413: "请求体过大 / request too large",
               422: "数据有误 / invalid data"}.get(exc.code, exc.description or exc.name)
    return error_response(exc.code or 500, message, errors)


def handle_database_error(exc):
    """A stale version, a unique key taken meanwhile or a lock timeout: the caller lost a race
    (409; raised at flush or commit, nothing of the action was saved). The database out of
    reach: 503."""
    safe_rollback(db())
    kind = classify(exc)
    if kind == "unavailable":
        return error_response(503, "数据库暂时无法访问，请稍后重试 / the database is unavailable")
    if kind is None:
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
    return handle_database_error(exc)
