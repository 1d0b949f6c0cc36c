"""the directory's revision: raised by triggers on any change to users or user_roles, so a
process may cache who holds a role (the recipients of a new task's notice) and know when the
cache is stale without reading the directory again

Revision ID: 0009_directory_revision
Revises: 0008_reminder_index
Create Date: 2026-11-30 15:10:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0009_directory_revision'
down_revision = '0008_reminder_index'
branch_labels = None
depends_on = None

TABLES = ('users', 'user_roles')
# The row may be missing (a table emptied wholesale): the first change puts it back.
BUMP = ("INSERT INTO directory_revision (id, n) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET n = directory_revision.n + 1")


def upgrade() -> None:
    op.create_table('directory_revision',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('n', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.execute("INSERT INTO directory_revision (id, n) VALUES (1, 1)")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE FUNCTION talentflow_directory_changed() RETURNS trigger "
                   f"LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$")
        for table in TABLES:  # once per statement: a bulk import raises it once
            op.execute(f"CREATE TRIGGER {table}_directory_changed AFTER INSERT OR UPDATE OR "
                       f"DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       f"EXECUTE FUNCTION talentflow_directory_changed()")
        return
    for table in TABLES:
        for change in ('INSERT', 'UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER {table}_{change.lower()}_directory_changed AFTER {change} "
                       f"ON {table} BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_directory_changed ON {table}")
        op.execute("DROP FUNCTION talentflow_directory_changed()")
    else:
        for table in TABLES:
            for change in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER {table}_{change}_directory_changed")
    op.drop_table('directory_revision')
