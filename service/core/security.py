"""Passwords and API bearer tokens."""
from __future__ import annotations

import os

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

# werkzeug's default (scrypt) costs ~0.1 s per hash, as it should in production. The test suite
# logs in thousands of times and sets a cheap method through this variable instead.
_METHOD = os.environ.get("TALENTFLOW_PASSWORD_HASH_METHOD", "scrypt")
# Comparing against this for unknown users keeps the timing alike.
_DUMMY_HASH = generate_password_hash("not a password", method=_METHOD)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_METHOD)


def password_matches(password_hash: str | None, password: str) -> bool:
    return check_password_hash(password_hash or _DUMMY_HASH, password) and password_hash is not None


class TokenSigner:
    def __init__(self, secret: str, max_age: int):
        self._serializer = URLSafeTimedSerializer(secret, salt="talentflow-api-token")
        self.max_age = max_age

    def issue(self, user_id: int) -> str:
        return self._serializer.dumps({"uid": user_id})

    def verify(self, token: str) -> int | None:
        try:
            payload = self._serializer.loads(token, max_age=self.max_age)
        except (BadSignature, SignatureExpired):
            return None
        uid = payload.get("uid") if isinstance(payload, dict) else None
        return uid if isinstance(uid, int) else None
