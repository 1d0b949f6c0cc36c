"""Login for API clients and the caller's identity."""
from __future__ import annotations

from flask_smorest import Blueprint

from ..core import login
from ..http.context import current_user, db, platform, token_signer
from ..http.transaction import transactional
from .schemas import MeOut, TokenIn, TokenOut

blp = Blueprint("auth", __name__, url_prefix="/api", description="登录与身份 / login")


@blp.post("/auth/token")
@blp.arguments(TokenIn)
@blp.response(200, TokenOut)
def issue_token(body):
    """A bearer token for the username and password; 429 with Retry-After after 10 failures
    for a username within 15 minutes."""
    user = login.authenticate(platform(), db(), body["username"], body["password"])
    return {"token": token_signer().issue(user.id, user.token_generation or 0)}


@blp.post("/auth/logout")
@blp.response(200)
@transactional
def revoke_tokens():
    """Log out everywhere: every token issued to the caller so far stops working."""
    login.revoke_tokens(db(), current_user())
    return {"message": "已退出登录 / every token of yours is revoked"}


@blp.get("/me")
@blp.response(200, MeOut)
def me():
    user = current_user()
    return {"username": user.username, "display_name": user.display_name, "roles": user.roles,
            "unit_id": user.unit_id, "department_id": user.department_id}
