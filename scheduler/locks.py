"""Only one process runs a given job at a time.

PostgreSQL: a session-level advisory lock taken on a dedicated connection (not the job's
session, whose transaction ends before the lock is released); the server drops it if the
process dies. SQLite: an exclusive `flock` on a file beside the database file, which the kernel
drops with the process. Either way a second process (or thread) trying the same lock is told
"busy" at once, or waits when asked to (`talentflow jobs run`)."""
from __future__ import annotations

import fcntl
import os
import tempfile
import time
import zlib
from pathlib import Path

from sqlalchemy import text


class JobLock:
    def __init__(self, platform, name: str):
        self.engine = platform.engine
        self.name = name
        self._conn = None
        self._fd = None

    @property
    def key(self) -> int:
        return zlib.crc32(f"talentflow:{self.name}".encode())  # fits PostgreSQL's bigint

    def acquire(self, wait_seconds: float = 0) -> bool:
        deadline = time.monotonic() + wait_seconds
        while True:
            if self._try():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)

    def _try(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            conn.commit()  # leave no transaction open on the lock's connection
            if got:
                self._conn = conn
                return True
            conn.close()
            return False
        fd = os.open(self._lock_path(), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _lock_path(self) -> str:
        database = self.engine.url.database
        if database and database != ":memory:":
            return f"{database}.{self.name}.lock"
        return str(Path(tempfile.gettempdir()) / f"talentflow.{self.name}.lock")

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
