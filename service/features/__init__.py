"""One folder per feature of the programme. Each registers with the workflow core
(core/registry.py) when imported: its service-task operations, jobs, settings, process hooks,
API and page blueprints and navigation links.

Importing this package imports every feature, in the order their links and jobs are listed,
and the core's own jobs, so the registry is complete."""
from __future__ import annotations

from . import selection, rewards, talents, evaluations, cultivation, designer, reporting, console  # noqa: F401
from ..core import reminders, timers  # noqa: F401  (the core's own jobs)
