"""Create or upgrade the schema with Alembic, then deploy the shipped diagrams."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(platform) -> None:
    """Idempotent: migrate to head, then deploy shipped workflows whose files changed."""
    from . import processes
    cfg = alembic_config(platform.config["DATABASE_URL"])
    with platform.engine.connect() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        connection.commit()
    with platform.transaction() as session:
        processes.deploy_directory(session, Path(platform.config["WORKFLOWS_DIR"]), platform.forms)
