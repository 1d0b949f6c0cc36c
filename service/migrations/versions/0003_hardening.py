"""hardening: server-side web sessions, login throttling, revocable API tokens, the starter on
each human task (separation of duties)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 06:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_web_sessions_user_id', 'web_sessions', ['user_id'], unique=False)
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_login_failures_user_at', 'login_failures', ['username', 'at'], unique=False)
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('token_generation', sa.Integer(), nullable=False,
                                   server_default='0'))
    with op.batch_alter_table('human_tasks') as batch:
        batch.add_column(sa.Column('starter_id', sa.Integer(), nullable=True))
    op.execute("UPDATE human_tasks SET starter_id = (SELECT starter_id FROM instances "
               "WHERE instances.id = human_tasks.instance_id)")


def downgrade() -> None:
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_column('starter_id')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('token_generation')
    op.drop_index('ix_login_failures_user_at', table_name='login_failures')
    op.drop_table('login_failures')
    op.drop_index('ix_web_sessions_user_id', table_name='web_sessions')
    op.drop_table('web_sessions')
