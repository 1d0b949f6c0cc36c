"""The JSON API under /api (flask-smorest; OpenAPI at /api/openapi.json).

Views are thin: identity and session from talentflow.http, `@transactional` for actions, one
call into a core or feature service, JSON errors (errors.py). Features add their own
blueprints through the registry."""
from __future__ import annotations

from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema

from ..core.registry import REGISTRY
from ..http.converters import IdConverter
from . import admin, auth, cases, tasks
from .errors import handle_error
from .schemas import ErrorOut
from .guards import check_json_body, confirm_kept_caller, require_login

PREFIX = "/api/"

__all__ = ["init_app", "handle_error", "PREFIX"]


class TalentFlowApi(Api):
    """The OpenAPI document describes the errors as errors.py answers them."""
    ERROR_SCHEMA = ErrorOut


def init_app(app) -> None:
    api = TalentFlowApi(app, spec_kwargs={"info": {"description": "自流井区人才培养工作流服务 API"}})
    for blueprint in (auth.blp, admin.blp, tasks.blp, cases.blp, *REGISTRY.api_blueprints):
        api.register_blueprint(blueprint)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.register_converter(IdConverter, integerconverter2paramschema)
    app.before_request(require_login)
    app.before_request(check_json_body)
    app.after_request(confirm_kept_caller)
