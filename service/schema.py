"""Create or upgrade the schema with Alembic, then deploy the shipped diagrams."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class ShippedFilesMissing(RuntimeError):
    """The shipped diagrams are not where the configuration says (a broken install)."""


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(platform) -> None:
    """Idempotent: migrate to head, then deploy shipped workflows whose files changed."""
    from .core import definitions
    workflows = Path(platform.config["WORKFLOWS_DIR"])
    if not sorted(workflows.glob("*.bpmn")):
        raise ShippedFilesMissing(
            f"找不到随包发布的流程图（{workflows} 中没有 .bpmn 文件），数据库未改动 / "
            f"no shipped diagrams in {workflows}: the installation is incomplete")
    cfg = alembic_config(platform.config["DATABASE_URL"])
    with platform.engine.connect() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        connection.commit()
    with platform.transaction() as session:
        definitions.deploy_directory(session, workflows, platform.forms)
