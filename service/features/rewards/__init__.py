"""Rewards (Art. 12–15): amounts from DMN, the special-fund or employer route, and the service
period a paid reward starts. Process `reward_application`."""
from __future__ import annotations

from flask_babel import lazy_gettext

from ...core.registry import REGISTRY, NavLink
from . import figures, pages, rules  # noqa: F401  (registers operations and report figures)

PROCESS_ID = "reward_application"

REGISTRY.start_pages[PROCESS_ID] = "rewards.start_page"
REGISTRY.printable_forms["submit_reward_application"] = lazy_gettext("打印奖励申请表")
REGISTRY.outcome_labels.update(paid=lazy_gettext("已支付"), reimbursed=lazy_gettext("已报销"))
REGISTRY.nav.append(NavLink("rewards.start_page", lazy_gettext("申请奖励"),
                            order=20, start_label=lazy_gettext("申请人才培养奖励")))
REGISTRY.web_blueprints.append(pages.bp)
# A training-fee claim names a recorded training: the form offers the talent's own.
REGISTRY.form_choices.setdefault("submit_reward_application", {})["training_id"] = \
    pages.training_choices
