"""The talent database (信息库, Art. 6–7): who is registered, for which period, with which
evaluations; the page with its Excel export and the API list."""
from __future__ import annotations

from flask_babel import lazy_gettext

from ...core.registry import REGISTRY, NavLink
from ...core.roles import TALENT_DB_ROLES
from . import api, database, figures, pages  # noqa: F401  (registers the operation, figures)

REGISTRY.nav.append(NavLink("talents.list_page", lazy_gettext("人才信息库"), roles=TALENT_DB_ROLES,
                            order=30))
REGISTRY.api_blueprints.append(api.blp)
REGISTRY.web_blueprints.append(pages.bp)
