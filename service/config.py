"""Settings from the environment (names fixed by the public contract)."""
from __future__ import annotations

import importlib
import os
from pathlib import Path


def shipped_dir(package: str) -> Path:
    """A folder of shipped data (`talentflow.workflows`, `talentflow.forms`): the checkout's
    top-level folder in a development install, inside the installed package from a wheel."""
    return Path(importlib.import_module(package).__file__).resolve().parent


def load_config(overrides: dict | None = None) -> dict:
    instance_dir = Path(os.environ.get("TALENTFLOW_INSTANCE_DIR", Path.cwd() / "instance"))
    env = os.environ.get
    config = {
        "DATABASE_URL": env("TALENTFLOW_DATABASE_URL") or f"sqlite:///{instance_dir / 'talentflow.db'}",
        "SECRET_KEY": env("TALENTFLOW_SECRET_KEY") or _dev_secret(instance_dir),
        "SMTP_HOST": env("TALENTFLOW_SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(env("TALENTFLOW_SMTP_PORT", "25")),
        "MAIL_FROM": env("TALENTFLOW_MAIL_FROM", "talentflow@localhost"),
        "UPLOAD_DIR": env("TALENTFLOW_UPLOAD_DIR") or str(instance_dir / "uploads"),
        "FIRST_ROUND_YEAR": int(env("TALENTFLOW_FIRST_ROUND_YEAR", "2026")),
        "WORKFLOWS_DIR": env("TALENTFLOW_WORKFLOWS_DIR") or str(shipped_dir("talentflow.workflows")),
        "FORMS_DIR": env("TALENTFLOW_FORMS_DIR") or str(shipped_dir("talentflow.forms")),
        "TOKEN_MAX_AGE": int(env("TALENTFLOW_TOKEN_MAX_AGE", str(12 * 3600))),
        "MAX_JSON_BYTES": 1024 * 1024,
        "MAX_UPLOAD_BYTES": int(env("TALENTFLOW_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        # The web UI's locale (Flask-Babel catalog); zh_CN is the source text, see web/i18n.py.
        "UI_LOCALE": env("TALENTFLOW_UI_LOCALE", "zh_CN"),
        # Server-Timing headers with the hot-instance cache's figures (bench/; off by default).
        "SERVER_TIMING": env("TALENTFLOW_SERVER_TIMING", "") in ("1", "true", "yes"),
    }
    config.update(overrides or {})
    return config


def _dev_secret(instance_dir: Path) -> str:
    """Without TALENTFLOW_SECRET_KEY, keep a random key in the instance folder so tokens
    survive restarts of a local install (production sets the variable)."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()
