"""Flask-Babel for the web UI. Chinese is the source language: the msgids in the templates and
in service/web/*.py are the zh-CN text, so a missing or uncompiled catalog still gives the
Chinese pages. The locale is a deployment setting, never the browser's Accept-Language — the
pages must be Chinese for every visitor — so an English catalog can follow without changing
what today's users see.

Catalogs: babel.cfg (repo root) → service/translations/messages.pot → <locale>/LC_MESSAGES/
messages.po; `make install` compiles the .mo files (git-ignored)."""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_babel import Babel

DEFAULT_LOCALE = "zh_CN"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def _settings(app) -> dict:
    platform = app.extensions.get("talentflow")
    return platform.config if platform is not None else {}


def ui_locale() -> str:
    """TALENTFLOW_UI_LOCALE (default zh_CN), whatever the request asks for."""
    return _settings(current_app).get("UI_LOCALE") or DEFAULT_LOCALE


def init_app(app) -> None:
    settings = _settings(app)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    # TRANSLATIONS_DIR is a code-level override (tests build a throwaway catalog there).
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          str(settings.get("TRANSLATIONS_DIR") or TRANSLATIONS_DIR))
    # One Babel per app: its translations cache must not leak between apps (tests make many).
    Babel().init_app(app, locale_selector=ui_locale)
