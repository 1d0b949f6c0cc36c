"""One transaction per user action, for API views and pages alike.

`@transactional` commits the request's session when the view succeeds and rolls it back when
it raises or answers an error status (a form shown again with its errors, say): the action is
saved whole or not at all, and no view writes commit or rollback calls itself. A lost race
found at commit (stale version, unique key) propagates to the adapter's error handlers (409)."""
from __future__ import annotations

from functools import wraps

from .context import confirm_caller, db


def transactional(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        def attempt():
            try:
                return view(*args, **kwargs)
            except BaseException:
                db().rollback()
                raise
        result = _as_confirmed_caller(attempt)
        status = _status_of(result)
        if status is not None and status >= 400:
            db().rollback()
        else:
            db().commit()
        return result
    # An API action may start with the caller this process kept (http/callers.py): it is
    # confirmed here, before the action commits or answers.
    wrapper.confirms_caller = True
    return wrapper


def confirmed_read(view):
    """A GET that may start with the caller this process kept (http/callers.py), like an
    action: confirmed before it answers, and run again with the caller read afresh when they
    changed. Worth it where the view's own query reads the directory's revision too
    (core/recipients.py REVISION_COLUMN): then confirming costs no round trip."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        return _as_confirmed_caller(lambda: view(*args, **kwargs))
    wrapper.confirms_caller = True
    return wrapper


def _as_confirmed_caller(attempt):
    """`attempt()`'s outcome (its result, or what it raised) once the caller it ran with is
    confirmed; run again when it was not (the caller is then read afresh: twice at most)."""
    while True:
        try:
            result = attempt()
        except BaseException:
            if not confirm_caller():
                continue
            raise
        if confirm_caller():
            return result


def discard_changes() -> None:
    """Drop what a failed action left in the session before the view reads again to answer
    (the form page shown with its errors). The transaction itself is still the decorator's."""
    db().rollback()


def _status_of(result) -> int | None:
    """The status a view's return value will have: (body, status) tuples, responses, or None
    for a plain body that flask-smorest serializes with its documented success status."""
    if isinstance(result, tuple) and len(result) >= 2 and isinstance(result[1], int):
        return result[1]
    if hasattr(result, "status_code"):
        return result.status_code
    return None
