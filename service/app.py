"""Application factory (the Flask tutorial's layout)."""
from __future__ import annotations

from flask import Flask

from .platform import Platform


def create_app(config: dict | None = None, platform: Platform | None = None) -> Flask:
    platform = platform or Platform(config)
    app = Flask(__name__)
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
    app.json.ensure_ascii = False
    app.extensions["talentflow"] = platform

    from . import api, web
    api.init_app(app)
    web.init_app(app)
    return app
