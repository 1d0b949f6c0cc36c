"""The process designer (admin): validate, deploy and version BPMN/DMN documents, move running
cases between versions, and the editor pages (bpmn-js modeler, dmn-js editor)."""
from __future__ import annotations

from ...core.registry import REGISTRY
from . import api, pages

REGISTRY.api_blueprints.append(api.blp)
REGISTRY.web_blueprints.append(pages.bp)
