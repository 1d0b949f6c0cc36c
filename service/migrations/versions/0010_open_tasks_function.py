"""talentflow_open_tasks(case_id): a case's open tasks, which of them have drafts and which
steps it completed before, read with a snapshot of their own — so the statement that locks the
case can read them in the same round trip and still see what a writer it waited for committed

Revision ID: 0010_open_tasks_function
Revises: 0009_directory_revision
Create Date: 2026-11-30 17:45:00
"""
from alembic import op


revision = '0010_open_tasks_function'
down_revision = '0009_directory_revision'
branch_labels = None
depends_on = None

# PL/pgSQL, VOLATILE: never inlined into the caller, and each query in it takes a fresh
# snapshot (READ COMMITTED) — after the calling statement has locked the case's row. A plain
# join in the locking statement would return the task rows as they were before the wait.
FUNCTION = """
CREATE FUNCTION talentflow_open_tasks(case_id integer)
RETURNS TABLE (task human_tasks, has_draft boolean, done_names text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN QUERY
    SELECT t,
           EXISTS (SELECT 1 FROM task_drafts d WHERE d.task_id = t.id),
           (SELECT string_agg(DISTINCT c.name, ',') FROM human_tasks c
             WHERE c.instance_id = case_id AND c.status = 'completed')
    FROM human_tasks t
    WHERE t.instance_id = case_id AND t.status = 'ready'
    ORDER BY t.id;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION talentflow_open_tasks(integer)")
