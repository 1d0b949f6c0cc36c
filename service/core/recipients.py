"""Who holds a role, for the notices of a task that opens: read once per process and reused
while the directory's revision (core/models.py DirectoryRevision, raised by the database on
any change to users or roles, whichever process or tool makes it) is unchanged. A completion
read every holder of the next step's role with their roles — a round trip and a dozen ORM
objects on each request — to write one notice.

The holders are kept as plain snapshots, safe to share between threads; the scope rules
(core/access.py) read them as they read a User."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import DirectoryRevision, User
from . import notifications

_REVISION = "talentflow_directory_revision"
_REVISION_QUERY = select(DirectoryRevision.n).where(DirectoryRevision.id == 1)
# The revision as a column: the lock read of an action returns it in the same round trip.
REVISION_COLUMN = _REVISION_QUERY.scalar_subquery()


@dataclass(frozen=True)
class Holder:
    id: int
    username: str
    display_name: str
    email: str | None
    unit_id: int | None
    department_id: int | None
    active: bool
    role_set: frozenset[str]

    @classmethod
    def of(cls, user: User) -> Holder:
        return cls(user.id, user.username, user.display_name, user.email, user.unit_id,
                   user.department_id, user.active, frozenset(user.roles))

    @property
    def roles(self) -> list[str]:
        return sorted(self.role_set)

    def has_role(self, *roles: str) -> bool:
        return not self.role_set.isdisjoint(roles)


def remember_revision(session: Session, revision: int | None) -> None:
    """The revision as read in the session's current transaction (by the caller's query)."""
    session.info[_REVISION] = (session.get_transaction(), revision)


def revision(session: Session) -> int | None:
    known = session.info.get(_REVISION)
    if known is not None and known[0] is session.get_transaction():
        return known[1]
    value = session.scalar(_REVISION_QUERY)
    remember_revision(session, value)
    return value


class RoleHolders:
    """{role: (revision, holders)} of one process. Reading the holders after the revision (a
    later statement, or the same SQLite transaction) means a cached list is never older than
    its revision; a missing revision row is never cached."""

    def __init__(self):
        self._cache: dict[str, tuple[int, list[Holder]]] = {}

    def of_role(self, session: Session, role: str) -> list[Holder]:
        current = revision(session)
        cached = self._cache.get(role)
        if cached is not None and current is not None and cached[0] == current:
            return cached[1]
        holders = [Holder.of(user) for user in notifications.users_with_role(session, role)]
        if current is not None:
            self._cache[role] = (current, holders)
        return holders
