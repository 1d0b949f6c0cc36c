"""What a database error means to the caller, decided once for the API and the pages:
a lost race (409) or the database out of reach (503); anything else is a bug (500)."""
from __future__ import annotations

from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

LOCK_WORDS = ("locked", "deadlock", "could not obtain lock", "lock timeout")


def classify(exc: Exception) -> str | None:
    """"conflict", "unavailable", or None for an error that is not the caller's nor the
    database server's doing."""
    if isinstance(exc, (StaleDataError, IntegrityError)):
        return "conflict"
    if isinstance(exc, OperationalError) and any(w in str(exc).lower() for w in LOCK_WORDS):
        return "conflict"
    if isinstance(exc, (OperationalError, InterfaceError, DisconnectionError)):
        return "unavailable"
    return None


def safe_rollback(session) -> None:
    """Roll back, even when the connection is gone (then there is nothing to roll back)."""
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - the error being answered matters, not this one
        session.invalidate()
