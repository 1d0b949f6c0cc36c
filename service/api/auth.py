"""Login for API clients and the caller's identity."""
from __future__ import annotations

from flask_smorest import Blueprint

from ..core.directory import find_user
from ..errors import Unauthorized
from ..core.security import password_matches
from ..http.context import current_user, db, token_signer
from .schemas import MeOut, TokenIn, TokenOut

blp = Blueprint("auth", __name__, url_prefix="/api", description="登录与身份 / login")


@blp.post("/auth/token")
@blp.arguments(TokenIn)
@blp.response(200, TokenOut)
def issue_token(body):
    user = find_user(db(), body["username"])
    if not password_matches(user.password_hash if user else None, body["password"]) \
            or not user.active:
        raise Unauthorized("用户名或密码错误 / wrong username or password")
    return {"token": token_signer().issue(user.id)}


@blp.get("/me")
@blp.response(200, MeOut)
def me():
    user = current_user()
    return {"username": user.username, "display_name": user.display_name, "roles": user.roles,
            "unit_id": user.unit_id, "department_id": user.department_id}
