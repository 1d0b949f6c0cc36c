"""The connection pool: a connection back from use within seconds is handed out again without a
ping (a round trip saved on every request under load); one that sat idle is pinged, and a dead
one is replaced before anyone sees it."""
import psycopg
import pytest
from sqlalchemy import text

from talentflow import db


@pytest.fixture
def pg(platform):
    if platform.engine.dialect.name != "postgresql":
        pytest.skip("the idle ping is for PostgreSQL's pooled connections")
    return platform.engine


def _pings(engine, monkeypatch) -> list:
    seen = []
    original = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: seen.append(conn) or original(conn))
    return seen


def test_a_connection_reused_at_once_is_not_pinged(pg, monkeypatch):
    pings = _pings(pg, monkeypatch)
    for _ in range(3):
        with pg.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    assert pings == []


def test_an_idle_connection_killed_by_the_server_is_replaced_before_use(pg, monkeypatch):
    with pg.connect() as conn:
        dead_pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    url = pg.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:  # from outside the pool
        admin.execute("SELECT pg_terminate_backend(%s)", (dead_pid,))
    pings = _pings(pg, monkeypatch)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # every pooled connection counts as idle
    for _ in range(3):  # whichever pooled connection comes out, the query works
        with pg.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            assert pid != dead_pid
    assert pings, "the idle connections were pinged"
