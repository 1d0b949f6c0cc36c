"""console: indexes the summary report (GET /api/reports/summary) counts from — cases per
process and status, open tasks per step, overdue open tasks

Revision ID: 0007_console
Revises: 0003
Create Date: 2026-11-30 08:50:00
"""
from alembic import op


revision = '0007_console'
down_revision = '0006_cultivation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_instances_process_status', 'instances', ['process_id', 'status'],
                    unique=False)
    op.create_index('ix_human_tasks_status_name', 'human_tasks', ['status', 'name'], unique=False)
    op.create_index('ix_human_tasks_status_due', 'human_tasks', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_human_tasks_status_due', table_name='human_tasks')
    op.drop_index('ix_human_tasks_status_name', table_name='human_tasks')
    op.drop_index('ix_instances_process_status', table_name='instances')
