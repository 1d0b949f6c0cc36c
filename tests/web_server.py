"""A real TalentFlow server for the browser tests: waitress on a free 127.0.0.1 port, serving a
copy of the migrated SQLite template seeded with the demo district."""
from __future__ import annotations

import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

from waitress.server import create_server

from talentflow import demo
from talentflow.app import create_app
from talentflow.config import load_config
from talentflow.platform import Platform

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def browser_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return CHROMIUM.exists()


@contextmanager
def running_server(tmp_path: Path, template: Path):
    db_path = tmp_path / "web.db"
    shutil.copy(template, db_path)
    platform = Platform(load_config({"DATABASE_URL": f"sqlite:///{db_path}",
                                     "SECRET_KEY": "browser-test-secret",
                                     "UPLOAD_DIR": str(tmp_path / "uploads")}))
    with platform.transaction() as session:
        demo.seed(session, platform.today())
    app = create_app(platform=platform)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", app, platform
    finally:
        server.close()
        thread.join(timeout=5)
        platform.engine.dispose()
