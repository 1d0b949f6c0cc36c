"""The JSON API under /api (flask-smorest; OpenAPI at /api/openapi.json)."""
from __future__ import annotations

from flask_smorest import Api
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..errors import ServiceError
from . import admin, auth, cases, tasks
from .common import (
    check_json_body, close_db, handle_database_conflict, handle_http_exception, handle_service_error,
    require_login,
)


def init_app(app) -> None:
    api = Api(app, spec_kwargs={"info": {"description": "自流井区人才培养工作流服务 API"}})
    for module in (auth, admin, tasks, cases):
        api.register_blueprint(module.blp)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    # Our handlers replace flask-smorest's so every error has the contract's shape.
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ServiceError, handle_service_error)
    for exc in (StaleDataError, IntegrityError, OperationalError):
        app.register_error_handler(exc, handle_database_conflict)
    app.before_request(require_login)
    app.before_request(check_json_body)
    app.teardown_appcontext(close_db)
