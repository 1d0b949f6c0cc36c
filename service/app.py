"""Application factory (the Flask tutorial's layout): the platform, the two HTTP adapters —
the JSON API under /api/ and the pages everywhere else — and the features' blueprints, which
the adapters take from the registry."""
from __future__ import annotations

from flask import Flask, request
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from . import api, web
from .errors import ServiceError
from .http import converters, headers, server_timing
from .http.context import close_db
from .http.strict_json import StrictJSONProvider
from .platform import Platform


def create_app(config: dict | None = None, platform: Platform | None = None) -> Flask:
    platform = platform or Platform(config)
    app = Flask(__name__)
    app.json = StrictJSONProvider(app)
    app.config.update(
        SECRET_KEY=platform.config["SECRET_KEY"],
        MAX_CONTENT_LENGTH=platform.config["MAX_UPLOAD_BYTES"] + 64 * 1024,
        JSON_SORT_KEYS=False,
        API_TITLE="TalentFlow 自流井区人才培养工作流",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.extensions["talentflow"] = platform
    converters.install(app)
    server_timing.install(app, platform)
    api.init_app(app)
    web.init_app(app)
    # Errors are answered by the adapter the request belongs to: JSON under /api/, a Chinese
    # page everywhere else (an unknown address never reaches a blueprint, so this is app-wide).
    for exc in (HTTPException, ServiceError, StaleDataError, IntegrityError, OperationalError,
                InterfaceError, DisconnectionError):
        app.register_error_handler(exc, _handle_error)
    app.after_request(headers.add_security_headers)
    app.teardown_appcontext(close_db)
    return app


def _handle_error(exc):
    if request.path.startswith(api.PREFIX) or request.path == api.PREFIX.rstrip("/"):
        return api.handle_error(exc)
    return web.handle_error(exc)
