"""cultivation: plans, trainings, practice, mentors, status history, records, service breaches
(issue 12); the selection's service agreement and levels on the talent; the level and training a
reward pays; the unit's evaluation content

Revision ID: 0006_cultivation
Revises: 0003
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_cultivation'
down_revision = '0005_operations'
branch_labels = None
depends_on = None


def _recorded():
    return [sa.Column('recorded_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
            sa.Column('recorded_at', sa.DateTime(), nullable=False)]


def upgrade() -> None:
    with op.batch_alter_table('talents') as batch:
        batch.add_column(sa.Column('service_agreement_years', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('professional_title', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('skill_level', sa.String(length=30), nullable=True))
    with op.batch_alter_table('talent_evaluations') as batch:
        batch.add_column(sa.Column('ability', sa.Text(), nullable=True))
        batch.add_column(sa.Column('performance', sa.Text(), nullable=True))
        batch.add_column(sa.Column('research_plan', sa.Text(), nullable=True))
    op.create_table(
        'talent_status_changes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('talent_id', sa.Integer(), sa.ForeignKey('talents.id'), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('by_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False))
    op.create_index('ix_talent_status_changes_talent_id', 'talent_status_changes', ['talent_id'])
    op.create_table(
        'talent_trainings',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('talent_id', sa.Integer(), sa.ForeignKey('talents.id'), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('institution', sa.String(length=200), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=False),
        *_recorded())
    op.create_index('ix_talent_trainings_talent_id', 'talent_trainings', ['talent_id'])
    op.create_table(
        'talent_practice',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('talent_id', sa.Integer(), sa.ForeignKey('talents.id'), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('organization', sa.String(length=200), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        *_recorded())
    op.create_index('ix_talent_practice_talent_id', 'talent_practice', ['talent_id'])
    op.create_table(
        'talent_mentors',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('talent_id', sa.Integer(), sa.ForeignKey('talents.id'), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('organization', sa.String(length=200), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        *_recorded())
    op.create_index('ix_talent_mentors_talent_id', 'talent_mentors', ['talent_id'])
    op.create_table(
        'talent_plans',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('talent_id', sa.Integer(), sa.ForeignKey('talents.id'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('instances.id'), nullable=False,
                  unique=True),
        sa.Column('direction', sa.Text(), nullable=False),
        sa.Column('focus', sa.Text(), nullable=False),
        sa.Column('measures', sa.Text(), nullable=False),
        sa.Column('approved_on', sa.Date(), nullable=False),
        sa.UniqueConstraint('talent_id', 'version', name='uq_talent_plans_version'))
    op.create_index('ix_talent_plans_talent_id', 'talent_plans', ['talent_id'])
    op.create_table(
        'talent_records',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('talent_id', sa.Integer(), sa.ForeignKey('talents.id'), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        *_recorded())
    op.create_index('ix_talent_records_talent_id', 'talent_records', ['talent_id'])
    op.create_table(
        'service_breaches',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('talent_id', sa.Integer(), sa.ForeignKey('talents.id'), nullable=False),
        sa.Column('instance_id', sa.Integer(), sa.ForeignKey('instances.id'), nullable=False,
                  unique=True),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('service_ends_on', sa.Date(), nullable=False),
        sa.Column('found_on', sa.Date(), nullable=False))
    op.create_index('ix_service_breaches_talent_id', 'service_breaches', ['talent_id'])
    op.create_table(
        'talent_certificates',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('talent_id', sa.Integer(), sa.ForeignKey('talents.id'), nullable=False),
        sa.Column('record_kind', sa.String(length=20), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('storage_name', sa.String(length=100), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False))
    op.create_index('ix_talent_certificates_talent_id', 'talent_certificates', ['talent_id'])
    with op.batch_alter_table('rewards') as batch:
        batch.add_column(sa.Column('level', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('training_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_rewards_training_id', 'talent_trainings', ['training_id'], ['id'])
        batch.create_unique_constraint('uq_rewards_training_id', ['training_id'])


def downgrade() -> None:
    with op.batch_alter_table('rewards') as batch:
        batch.drop_constraint('uq_rewards_training_id', type_='unique')
        batch.drop_constraint('fk_rewards_training_id', type_='foreignkey')
        batch.drop_column('training_id')
        batch.drop_column('level')
    for table in ('talent_certificates', 'service_breaches', 'talent_records', 'talent_plans', 'talent_mentors',
                  'talent_practice', 'talent_trainings', 'talent_status_changes'):
        op.drop_index(f'ix_{table}_talent_id', table_name=table)
        op.drop_table(table)
    with op.batch_alter_table('talent_evaluations') as batch:
        for column in ('research_plan', 'performance', 'ability'):
            batch.drop_column(column)
    with op.batch_alter_table('talents') as batch:
        for column in ('skill_level', 'professional_title', 'service_agreement_years'):
            batch.drop_column(column)
