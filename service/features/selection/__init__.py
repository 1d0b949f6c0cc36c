"""Selection of talents (Art. 5–7): rounds every second year, the Art. 5 checks, one case per
person per round. Process `talent_selection`; job `biennial_selection`."""
from __future__ import annotations

from flask_babel import lazy_gettext

from ...core.registry import REGISTRY, NavLink
from . import api, eligibility, jobs, pages, rounds  # noqa: F401  (registers operations and the job)

hooks = REGISTRY.process_hooks(rounds.PROCESS_ID)
hooks.before_start, hooks.after_insert, hooks.on_end = (
    rounds.before_start, rounds.after_insert, rounds.on_end)
REGISTRY.start_pages[rounds.PROCESS_ID] = "selection.start_page"
REGISTRY.printable_forms["submit_application"] = lazy_gettext("打印登记表")
REGISTRY.outcome_labels["registered"] = lazy_gettext("已入库")
REGISTRY.nav.append(NavLink("selection.start_page", lazy_gettext("申请选拔"),
                            order=10, start_label=lazy_gettext("申请人才培养选拔")))
REGISTRY.api_blueprints.append(api.blp)
REGISTRY.web_blueprints.append(pages.bp)
