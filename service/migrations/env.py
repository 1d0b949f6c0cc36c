"""Alembic environment: migrations run from `talentflow init-db` (see service/schema.py)."""
from alembic import context
from sqlalchemy import create_engine

from talentflow.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)


def _include(obj, name, type_, reflected, compare_to) -> bool:
    # APScheduler's job store owns its table; autogenerate must not propose dropping it.
    return not (type_ == "table" and name == "apscheduler_jobs")


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      include_object=_include)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
