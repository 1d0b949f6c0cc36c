"""operations (issue 11): 回退 target in the history, drafts (暂存) of task forms, indexes for
the all-cases list

Revision ID: 0005_operations
Revises: 0003
Create Date: 2026-11-30 08:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_operations'
down_revision = '0004_designer'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('history_events') as batch:
        batch.add_column(sa.Column('return_to', sa.String(length=200), nullable=True))
    op.create_table('task_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'user_id', name='uq_task_drafts_task_user')
    )
    op.create_index('ix_instances_created', 'instances', ['created_at', 'id'], unique=False)
    op.create_index('ix_instances_unit', 'instances', ['unit_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_instances_unit', table_name='instances')
    op.drop_index('ix_instances_created', table_name='instances')
    op.drop_table('task_drafts')
    with op.batch_alter_table('history_events') as batch:
        batch.drop_column('return_to')
