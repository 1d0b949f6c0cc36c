"""Passwords and API bearer tokens."""
from __future__ import annotations

import os
import threading
import time

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

# werkzeug's default (scrypt) costs ~0.1 s per hash, as it should in production. The test suite
# logs in thousands of times and sets a cheap method through this variable instead.
_METHOD = os.environ.get("TALENTFLOW_PASSWORD_HASH_METHOD", "scrypt")
# Comparing against this for unknown users keeps the timing alike.
_DUMMY_HASH = generate_password_hash("not a password", method=_METHOD)


# scrypt is CPU-heavy on purpose: a flood of logins must not take every core from the other
# requests, so at most this many hashes run at once (the rest wait without using CPU).
_HASHING = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) - 1))
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    with _HASHING:
        return generate_password_hash(password, method=_METHOD)


def password_matches(password_hash: str | None, password: str) -> bool:
    with _HASHING:
        return check_password_hash(password_hash or _DUMMY_HASH, password) and password_hash is not None


class TokenSigner:
    # Tokens this signer has verified: {token: (user id, generation, signed at)}. A request
    # checked its token's signature every time (50 µs, most of it itsdangerous deriving its
    # key); the same text verifies the same way until it expires, which is checked each time.
    VERIFIED_KEPT = 10_000

    def __init__(self, secret: str, max_age: int):
        self._serializer = URLSafeTimedSerializer(secret, salt="talentflow-api-token")
        self.max_age = max_age
        self._verified: dict[str, tuple[int, int, int]] = {}

    def issue(self, user_id: int, generation: int = 0) -> str:
        return self._serializer.dumps({"uid": user_id, "gen": generation})

    def verify(self, token: str) -> tuple[int, int] | None:
        """(user id, token generation) of a valid token; the caller compares the generation
        with the user's, so a revoked token (POST /api/auth/logout) stops working."""
        known = self._verified.get(token)
        if known is not None:
            uid, gen, signed_at = known
            age = int(time.time()) - signed_at  # as itsdangerous counts it
            return (uid, gen) if 0 <= age <= self.max_age else None
        try:
            payload, signed = self._serializer.loads(token, max_age=self.max_age,
                                                     return_timestamp=True)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(payload, dict):
            return None
        uid, gen = payload.get("uid"), payload.get("gen", 0)
        if not (isinstance(uid, int) and isinstance(gen, int)):
            return None
        if len(self._verified) >= self.VERIFIED_KEPT:
            self._verified.clear()
        self._verified[token] = (uid, gen, int(signed.timestamp()))
        return uid, gen
