"""Annual evaluation (Art. 18) of talents in a reward's service period. Process
`annual_evaluation` (started only by the service); job `annual_evaluation`."""
from __future__ import annotations

from flask_babel import lazy_gettext

from ...core.registry import REGISTRY
from . import annual  # noqa: F401  (registers the job and the operation)

REGISTRY.outcome_labels["evaluated"] = lazy_gettext("已评价")
REGISTRY.system_started.add(annual.PROCESS_ID)
