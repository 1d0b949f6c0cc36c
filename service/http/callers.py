"""API callers kept per process, so an action need not read its caller before it locks the
case: the caller's row and roles, with the directory's revision read in the same statement
(core/models.py DirectoryRevision: the database raises it on any change to users or roles,
whichever process or tool makes it, logouts included).

A kept caller is only a guess until confirmed: the action's own lock read returns the revision
as it stands (core/case_locks.py), and `confirmed` compares the two before anything is
committed or answered (http/transaction.py); a request that read no revision reads it then.
When it moved, the caller is read again and compared: unchanged (someone else changed), the
action stands; changed, it is rolled back, and run again with the caller read afresh — so
every answer and every commit rests on the caller as the database holds it. Actions
(transactional API views outside /api/admin/) use kept callers, and so do the inbox, the done
list, a task and a case (with its attachments), whose queries read the revision with their rows
(http/transaction.py confirmed_read); other reads read their caller. It saves a completion
one of its five round trips and the ORM loading of two rows, and those reads their caller's."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..core.models import User, UserRole
from ..core.recipients import REVISION_COLUMN, remember_revision, revision

# The caller, their roles and the directory's revision in one round trip (built once: building
# the statement per request cost a third of its time).
_CALLER = select(User, REVISION_COLUMN).options(joinedload(User.role_rows)).where(
    User.id == bindparam("id"))
_COLUMNS = tuple(prop.key for prop in User.__mapper__.column_attrs)
# The same as plain values, to compare with a kept caller (no ORM object in the way).
_NOW = select(*(User.__table__.c[key] for key in _COLUMNS), REVISION_COLUMN.label("revision"),
              select(func.aggregate_strings(UserRole.role, ",")).where(
                  UserRole.user_id == User.id).scalar_subquery().label("roles")).where(
    User.id == bindparam("id"))


@dataclass(frozen=True)
class _Kept:
    revision: int
    values: dict  # column attribute -> value, as read at `revision`
    roles: tuple[str, ...]


class Callers:
    """{user id: the caller as read at a revision} of one process."""

    def __init__(self, size: int = 10_000):
        self._kept: dict[int, _Kept] = {}
        self._size = size
        self._lock = threading.Lock()

    def read(self, session: Session, user_id: int) -> User | None:
        """The caller from the database (and kept, when active)."""
        row = session.execute(_CALLER, {"id": user_id},
                              execution_options={"populate_existing": True}).unique().first()
        if row is None:
            return None
        user, current = row
        remember_revision(session, current)
        if current is not None and user.active:
            self._keep(user_id, _Kept(current, {key: getattr(user, key) for key in _COLUMNS},
                                      tuple(sorted(r.role for r in user.role_rows))))
        return user

    def _keep(self, user_id: int, kept: _Kept) -> None:
        with self._lock:
            if len(self._kept) >= self._size:
                self._kept.clear()
            self._kept[user_id] = kept

    def unchanged(self, session: Session, user_id: int, kept: _Kept) -> bool:
        """Whether the caller reads now as `kept` holds them — the revision moved for another
        user, or for a change that left them as they were. Then kept anew at this revision."""
        row = session.execute(_NOW, {"id": user_id}).mappings().first()
        if row is None or row["revision"] is None:
            return False
        values = {key: row[key] for key in _COLUMNS}
        roles = tuple(sorted(filter(None, (row["roles"] or "").split(","))))
        if values != kept.values or roles != kept.roles:
            return False
        self._keep(user_id, _Kept(row["revision"], values, roles))
        return True

    def kept(self, session: Session, user_id: int, generation: int | None) -> tuple[User, _Kept] | None:
        """The kept caller, as a User of `session` (persistent, as if loaded), and what it was
        made from; None when there is none for this token (another token generation)."""
        kept = self._kept.get(user_id)
        if kept is None or (generation is not None
                            and generation != (kept.values["token_generation"] or 0)):
            return None
        user = User(**kept.values)
        roles = [UserRole(user_id=user_id, role=role) for role in kept.roles]
        for obj in (user, *roles):
            make_transient_to_detached(obj)
        set_committed_value(user, "role_rows", roles)
        session.add(user)
        return user, kept

    def forget(self, user_id: int) -> None:
        with self._lock:
            self._kept.pop(user_id, None)


def confirmed(callers: Callers, session: Session, user_id: int, kept: _Kept) -> bool:
    """Whether the caller kept as `kept` is the caller as of this transaction's reads: the
    revision its lock read returned (else read now) is the one they were read at, or they read
    now as they were kept."""
    return revision(session) == kept.revision or callers.unchanged(session, user_id, kept)
