"""The admin console (/admin, admin only): users, departments and units, selection rounds and
settings, with a link to the process designer. The pages call the same services as
/api/admin (core/directory.py, core/settings.py, the selection feature's rounds)."""
from __future__ import annotations

from flask_babel import lazy_gettext

from ...core.registry import REGISTRY, NavLink
from . import pages

REGISTRY.nav.append(NavLink("console.index", lazy_gettext("系统管理"), roles=("admin",), order=90))
REGISTRY.web_blueprints.append(pages.bp)
