"""designer: the processes a version calls and the forms it was deployed with, kept on the
version, so a running case's called processes and forms never change under it

Revision ID: 0004_designer
Revises: 0003
Create Date: 2026-11-30 08:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_designer'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_definitions') as batch:
        batch.add_column(sa.Column('call_refs', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('forms', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('process_definitions') as batch:
        batch.drop_column('forms')
        batch.drop_column('call_refs')
