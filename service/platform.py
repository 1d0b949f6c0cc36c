"""Everything one process shares: settings, database, forms, compiled specs, live workflows."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from .config import load_config
from .db import make_engine, make_session_factory, transaction
from .engine import Runtime
from .forms import FormRegistry
from .processes import DefinitionCache
from .workdays import WorkCalendar


class Platform:
    def __init__(self, config: dict | None = None):
        self.config = config if config is not None else load_config()
        self.engine = make_engine(self.config["DATABASE_URL"])
        self.sessions = make_session_factory(self.engine)
        self.forms = FormRegistry(Path(self.config["FORMS_DIR"]))
        self.definitions = DefinitionCache(self.forms)
        self.runtime = Runtime()
        self.calendar = WorkCalendar.from_file()

    def transaction(self):
        return transaction(self.sessions)

    def today(self) -> date:
        return date.today()

    def now(self) -> datetime:
        return datetime.now().replace(microsecond=0)
