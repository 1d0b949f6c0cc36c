"""How a case's row is stored on PostgreSQL: its workflow state and data, rewritten by every
action, are compressed with lz4 where the server has it (migration 0011: pglz compressing
8–15 KB of JSON was a third of the row's write)."""
import pytest
from sqlalchemy import text

from flows import submit_selection


def _lz4_available(connection) -> bool:
    return bool(connection.execute(text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
        "WHERE name = 'default_toast_compression'")).scalar())


def test_a_saved_case_state_is_compressed_with_lz4(api, platform):
    if platform.engine.dialect.name != "postgresql":
        pytest.skip("column compression is PostgreSQL's")
    with platform.engine.connect() as connection:
        if not _lz4_available(connection):
            pytest.skip("this PostgreSQL has no lz4")
    case_id = submit_selection(api)
    with platform.engine.connect() as connection:
        settings = dict(connection.execute(text(
            "SELECT attname, attcompression FROM pg_attribute "
            "WHERE attrelid = 'instances'::regclass AND attname IN ('state', 'data')")).all())
        stored = connection.execute(text(
            "SELECT length(state), pg_column_compression(state) FROM instances WHERE id = :id"),
            {"id": case_id}).one()
    assert settings == {"state": "l", "data": "l"}
    assert stored[0] > 2000 and stored[1] == "lz4", stored
