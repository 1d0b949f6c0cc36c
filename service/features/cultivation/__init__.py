"""Cultivation and the living talent database (Art. 7–11, 16–19): the talent's record and
page, the cultivation plan (process `cultivation_plan`, started by the service at
registration), trainings, practice, mentors, status changes and service breaches, Art. 16/18/19
records, and the `cultivation_progress` job. The rows live with the talent (features/talents);
the rules, flows and pages live here."""
from __future__ import annotations

from flask_babel import lazy_gettext

from ...core.registry import REGISTRY, NavLink
from . import api, jobs, pages, plan, rules  # noqa: F401  (registers the job, operation, listener)
from .rules import training_shortfalls  # noqa: F401  (for the reports summary)

REGISTRY.system_started.add(plan.PROCESS_ID)
REGISTRY.outcome_labels.update(approved=lazy_gettext("已批准"))
REGISTRY.api_blueprints.append(api.blp)
REGISTRY.web_blueprints.append(pages.bp)
REGISTRY.nav.append(NavLink("cultivation.my_page", lazy_gettext("我的培养档案"), roles=("applicant",),
                            order=25))
