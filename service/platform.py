"""Everything one process shares: settings, database, forms, compiled specs, live workflows,
the clock — and, by importing the features, the complete registry."""
from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

from . import features  # noqa: F401  (every feature registers with the core)
from .config import load_config
from .core import settings as settings_store
from .core.clock import localnow, localtoday
from .core.definitions import DefinitionCache
from .core.forms import FormRegistry
from .core.recipients import RoleHolders
from .http.callers import Callers
from .core.workdays import WorkCalendar
from .db import make_engine, make_session_factory, read_only_engine, transaction
from .engine import Runtime


SETTINGS_TTL = 30  # seconds


class Platform:
    def __init__(self, config: dict | None = None):
        self.config = config if config is not None else load_config()
        self.engine = make_engine(self.config["DATABASE_URL"])
        self.sessions = make_session_factory(self.engine)
        # requests that only read (GET): PostgreSQL without BEGIN and ROLLBACK, SQLite without
        # the write lock
        self.read_sessions = make_session_factory(read_only_engine(self.engine))
        self.forms = FormRegistry(Path(self.config["FORMS_DIR"]))
        self.definitions = DefinitionCache(self.forms)
        self.runtime = Runtime()
        self.role_holders = RoleHolders()
        self.callers = Callers()
        self.calendar = WorkCalendar.from_file()
        self._settings = None

    def settings(self, session) -> dict:
        """The admin's settings, read at most every SETTINGS_TTL seconds (a change made in this
        process is seen at once; one made by another process within the TTL)."""
        generation = settings_store.generation()
        cached = self._settings
        if cached and cached[1] == generation and time.monotonic() - cached[0] < SETTINGS_TTL:
            return cached[2]
        values = settings_store.load(session, self.config)
        self._settings = (time.monotonic(), generation, values)
        return values

    def transaction(self):
        return transaction(self.sessions)

    # The one clock: every rule reads "today" and "now" here (a job run "as of" a date swaps it,
    # see core/jobs.py DatedPlatform). Server-local time, as CONTRACT.md says.
    def today(self) -> date:
        return localtoday()

    def now(self) -> datetime:
        return localnow()
