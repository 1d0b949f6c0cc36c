"""PostgreSQL: a case's saved workflow (and its data) compressed with lz4, not pglz

Each action rewrites the case's row with its whole workflow state (8–15 KB of JSON). pglz
compressing it was a third of the write: an UPDATE of such a row took 0.15–0.18 ms here with
pglz and 0.09 ms with lz4 (the value ~10% larger). Rows keep their old compression until their
next save. Servers built without lz4 (or older than 14) keep pglz.

Revision ID: 0011_case_state_lz4
Revises: 0010_open_tasks_function
Create Date: 2026-11-30 19:00:00
"""
from alembic import op
from sqlalchemy import text


revision = '0011_case_state_lz4'
down_revision = '0010_open_tasks_function'
branch_labels = None
depends_on = None

COLUMNS = ("state", "data")


def _has_lz4(bind) -> bool:
    return bool(bind.execute(text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
        "WHERE name = 'default_toast_compression'")).scalar())


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql' and _has_lz4(bind):
        for column in COLUMNS:
            op.execute(f"ALTER TABLE instances ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql' and _has_lz4(bind):
        for column in COLUMNS:
            op.execute(f"ALTER TABLE instances ALTER COLUMN {column} SET COMPRESSION default")
