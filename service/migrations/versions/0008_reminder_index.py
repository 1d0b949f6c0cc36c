"""reminders collapse into one entry per task and user: index the lookup of a task's earlier
reminder (without it, each reminder scanned all of its user's notifications)

Revision ID: 0008_reminder_index
Revises: 0007_console
Create Date: 2026-11-30 10:30:00
"""
from alembic import op


revision = '0008_reminder_index'
down_revision = '0007_console'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_notifications_task', 'notifications', ['task_id', 'kind'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notifications_task', table_name='notifications')
