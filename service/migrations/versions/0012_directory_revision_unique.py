"""the directory's revision takes a value it never had before on every change

Processes trust what they cached of the directory while the revision equals the one they read
it at, so a value must never come back with another directory behind it. A count did come
back: the row deleted (re-created at 1, then counting up through old values), and a change
rolled back after its own transaction had read and cached the raised count (the next committed
change raised it to the same number). Now PostgreSQL takes the value from a sequence
(never handed out twice, rollbacks included) and SQLite from random() (64 bits).

Revision ID: 0012_directory_revision_unique
Revises: 0011_case_state_lz4
Create Date: 2026-12-01 11:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0012_directory_revision_unique'
down_revision = '0011_case_state_lz4'
branch_labels = None
depends_on = None

TABLES = ('users', 'user_roles')
CHANGES = ('INSERT', 'UPDATE', 'DELETE')
PG_FUNCTION = ("CREATE OR REPLACE FUNCTION talentflow_directory_changed() RETURNS trigger "
               "LANGUAGE plpgsql AS $$ BEGIN {bump}; RETURN NULL; END $$")
UNIQUE_BUMP = {
    'postgresql': "INSERT INTO directory_revision (id, n) VALUES "
                  "(1, nextval('directory_revision_n')) "
                  "ON CONFLICT (id) DO UPDATE SET n = EXCLUDED.n",
    'sqlite': "INSERT INTO directory_revision (id, n) VALUES (1, random()) "
              "ON CONFLICT (id) DO UPDATE SET n = excluded.n",
}
COUNTING_BUMP = ("INSERT INTO directory_revision (id, n) VALUES (1, 1) "
                 "ON CONFLICT (id) DO UPDATE SET n = directory_revision.n + 1")


def _sqlite_triggers(bump: str) -> None:
    for table in TABLES:
        for change in CHANGES:
            name = f"{table}_{change.lower()}_directory_changed"
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(f"CREATE TRIGGER {name} AFTER {change} ON {table} BEGIN {bump}; END")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.alter_column('directory_revision', 'n', type_=sa.BigInteger())
        op.execute("CREATE SEQUENCE directory_revision_n AS bigint")
        # above every value handed out so far
        op.execute("SELECT setval('directory_revision_n', "
                   "(SELECT coalesce(max(n), 0) + 1 FROM directory_revision))")
        op.execute(PG_FUNCTION.format(bump=UNIQUE_BUMP[dialect]))
    else:  # SQLite's INTEGER already holds 64 bits
        _sqlite_triggers(UNIQUE_BUMP['sqlite'])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute(PG_FUNCTION.format(bump=COUNTING_BUMP))
        op.execute("DROP SEQUENCE directory_revision_n")
        op.execute("UPDATE directory_revision SET n = 1")
        op.alter_column('directory_revision', 'n', type_=sa.Integer())
    else:
        op.execute("UPDATE directory_revision SET n = 1")
        _sqlite_triggers(COUNTING_BUMP)
