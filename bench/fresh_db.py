"""A fresh, migrated and demo-seeded database for a benchmark run (SQLite in a temp folder
unless a URL is given)."""
from __future__ import annotations

import os
import tempfile

from talentflow import demo
from talentflow.config import load_config
from talentflow.platform import Platform
from talentflow.schema import upgrade


def fresh_platform(database_url: str | None, prefix: str) -> Platform:
    tmp = tempfile.mkdtemp(prefix=prefix)
    url = database_url or f"sqlite:///{tmp}/bench.db"
    platform = Platform(load_config({"DATABASE_URL": url, "SECRET_KEY": "bench",
                                     "UPLOAD_DIR": os.path.join(tmp, "uploads")}))
    print(f"database: {platform.engine.url.render_as_string(hide_password=True)}")
    upgrade(platform)
    with platform.transaction() as session:
        demo.seed(session, platform.today())
    return platform
