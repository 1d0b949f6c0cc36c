"""What every API view needs: the platform, the request's session, the caller, errors."""
from __future__ import annotations

from flask import current_app, g, jsonify, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..errors import ServiceError, Unauthorized
from ..models import User
from ..security import TokenSigner


def platform():
    return current_app.extensions["talentflow"]


def db():
    """One session (and so one transaction) per request; closed at teardown."""
    if "db" not in g:
        g.db = platform().sessions()
    return g.db


def commit() -> None:
    db().commit()


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


def close_db(_exc=None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()


def token_signer() -> TokenSigner:
    cfg = platform().config
    return TokenSigner(cfg["SECRET_KEY"], cfg["TOKEN_MAX_AGE"])


def current_user() -> User:
    """The caller: a bearer token on /api, the web session on pages; 401 otherwise.

    The API never accepts the session cookie: its endpoints have no CSRF token, so a cookie
    would let another site post on a logged-in official's behalf."""
    if "user" in g:
        return g.user
    user_id = None
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user_id = token_signer().verify(header[7:].strip())
    elif not request.path.startswith("/api/"):
        from flask import session as web_session
        user_id = web_session.get("user_id")
    user = db().get(User, user_id) if user_id else None
    if user is None or not user.active:
        raise Unauthorized("请先登录 / not logged in")
    g.user = user
    return user


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


MAX_TEXT = 2000
MAX_JSON_DEPTH = 32  # forms nest three levels; deeper bodies only serve to exhaust the stack


def _bad_strings(value, path="", depth=0) -> dict:
    """U+0000 and unpaired surrogates can be stored in neither PostgreSQL nor UTF-8; over-long
    strings break the contract's limits. Checked once here for every JSON body."""
    found = {}
    if depth > MAX_JSON_DEPTH:
        return {path or "body": [f"嵌套不能超过 {MAX_JSON_DEPTH} 层 / nested too deeply"]}
    if isinstance(value, str):
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            found[path or "body"] = ["包含非法字符 / contains U+0000 or an unpaired surrogate"]
        elif len(value) > MAX_TEXT:
            found[path or "body"] = [f"长度不能超过 {MAX_TEXT} 个字符 / at most {MAX_TEXT} characters"]
    elif isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and ("\x00" in key or any("\ud800" <= c <= "\udfff" for c in key)):
                found[path or "body"] = ["字段名包含非法字符 / a key contains illegal characters"]
            found.update(_bad_strings(item, sub, depth + 1))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.update(_bad_strings(item, f"{path}.{i}" if path else str(i), depth + 1))
    return found


PUBLIC_API_PATHS = frozenset({"/api/auth/token", "/api/openapi.json"})


def require_login():
    """before_request: every API endpoint but login and the OpenAPI document needs a caller,
    checked before the body is parsed (a stranger gets 401, never field errors)."""
    if request.path.startswith("/api/") and request.path not in PUBLIC_API_PATHS \
            and request.method != "OPTIONS":
        current_user()
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
        body = request.get_json(silent=True)
    except RecursionError:  # not a ValueError, so `silent` lets it through
        body = None
    if body is None:
        return error_response(400, "JSON 格式错误 / malformed JSON")
    bad = _bad_strings(body)
    if bad:
        return error_response(422, "数据包含非法或过长的文本 / invalid text", bad)
    return None
