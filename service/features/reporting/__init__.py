"""Dashboards (统计报表): the summary of where the programme stands, in the API
(GET /api/reports/summary) and as charts on /reports, for admin and the district roles.
Features contribute figures through REGISTRY.report_figures."""
from __future__ import annotations

from flask_babel import lazy_gettext

from ...core.registry import REGISTRY, NavLink
from . import api, pages, summary

REGISTRY.nav.append(NavLink("reporting.reports_page", lazy_gettext("统计报表"),
                            roles=summary.REPORT_ROLES, order=40))
REGISTRY.api_blueprints.append(api.blp)
REGISTRY.web_blueprints.append(pages.bp)
