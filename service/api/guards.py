"""Checks every API request passes before its view runs: a caller, and a sane JSON body."""
from __future__ import annotations

from flask import request
from werkzeug.exceptions import BadRequest

from ..core.text import bad_strings
from ..errors import Forbidden, Unauthorized
from ..http.context import caller_unconfirmed, confirm_caller, current_user, platform
from .errors import error_response

PUBLIC_API_PATHS = frozenset({"/api/auth/token", "/api/openapi.json"})


def require_login():
    """before_request: every API endpoint but login and the OpenAPI document needs a caller,
    and /api/admin/ an admin — checked before the body is parsed (a stranger gets 401 and a
    non-admin 403, never field errors)."""
    if request.path.startswith("/api/") and request.path not in PUBLIC_API_PATHS \
            and request.method != "OPTIONS":
        user = current_user()
        if request.path.startswith("/api/admin/") and not user.has_role("admin"):
            raise Forbidden("仅限系统管理员 / admin only")
    return None


def check_json_body():
    """before_request: size limit, well-formedness and string hygiene of JSON bodies."""
    if not request.path.startswith("/api/") or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if not request.is_json:
        return None
    limit = platform().config["MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        return error_response(413, "请求体过大（上限 1 MB）/ JSON body over 1 MB")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        return error_response(413, "请求体过大（上限 1 MB）/ JSON body over 1 MB")
    if not raw.strip():
        return None
    try:
        body = request.get_json()
    except (BadRequest, RecursionError):  # RecursionError is not a ValueError: Flask lets it by
        return error_response(400, "JSON 格式错误 / malformed JSON")
    if not isinstance(body, dict):  # every JSON body of this API is an object
        return error_response(400, "请求体必须是 JSON 对象 / the JSON body must be an object")
    # Case and task bodies wrap the form in {"data": {...}}: their problems are keyed by the
    # form's field, as the form's own validation keys them (`comment`, not `data.comment`).
    bad = {key.removeprefix("data.") if set(body) == {"data"} else key:
           problems for key, problems in bad_strings(body).items()}
    if bad:
        return error_response(422, "数据包含非法或过长的文本 / invalid text", bad)
    return None


def confirm_kept_caller(response):
    """after_request: an answer given before an action ran (its body refused, say) to a caller
    this process kept (http/callers.py) confirms the caller first — one logged out or
    deactivated meanwhile gets 401, as a caller read afresh would have."""
    if caller_unconfirmed():
        try:
            confirm_caller()
        except Unauthorized as exc:
            return error_response(401, exc.message)
    return response
