"""Test fixtures: a fresh database per test on SQLite and, when TALENTFLOW_TEST_DATABASE_URL is
set, on PostgreSQL too (a database created for this run and dropped after it)."""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import date

# Cheap password hashing for the suite (production keeps scrypt); set before service imports.
os.environ.setdefault("TALENTFLOW_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")

import pytest  # noqa: E402
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from talentflow import demo
from talentflow.app import create_app
from talentflow.config import load_config
from talentflow.models import Base
from talentflow.platform import Platform
from talentflow.schema import upgrade

PG_URL = os.environ.get("TALENTFLOW_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


def _config(tmp_path, url):
    return load_config({"DATABASE_URL": url, "SECRET_KEY": "test-secret",
                        "UPLOAD_DIR": str(tmp_path / "uploads")})


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """Migrated schema with the shipped diagrams deployed, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    platform = Platform(_config(path.parent, f"sqlite:///{path}"))
    upgrade(platform)
    platform.engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database(tmp_path_factory):
    if not PG_URL:
        yield None
        return
    name = f"talentflow_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    platform = Platform(_config(tmp_path_factory.mktemp("pg"), url))
    upgrade(platform)
    with platform.engine.connect() as conn:
        shipped = conn.execute(text("SELECT max(id) FROM process_definitions")).scalar()
    platform.engine.dispose()
    yield url, shipped
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_postgres(platform, shipped_max_id):
    """Empty every table but the shipped definitions, children first (DELETE, not TRUNCATE ...
    CASCADE, which would follow process_definitions.deployed_by and empty it too)."""
    with platform.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "process_definitions":
                conn.execute(text("DELETE FROM process_definitions WHERE id > :n"), {"n": shipped_max_id})
            else:
                conn.execute(table.delete())


@pytest.fixture(params=BACKENDS)
def platform(request, tmp_path, sqlite_template, pg_database):
    if request.param == "sqlite":
        db_path = tmp_path / "test.db"
        shutil.copy(sqlite_template, db_path)
        platform = Platform(_config(tmp_path, f"sqlite:///{db_path}"))
    else:
        url, shipped = pg_database
        platform = Platform(_config(tmp_path, url))
        _reset_postgres(platform, shipped)
    yield platform
    platform.engine.dispose()


@pytest.fixture
def app(platform):
    app = create_app(platform=platform)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def seeded(platform):
    """The demo district: departments, units of every type, one user per role, an open round."""
    with platform.transaction() as session:
        demo.seed(session, platform.today())
    return platform


@pytest.fixture
def api(app, seeded):
    return ApiClient(app)


USER_PASSWORD = "demo-pass-1"  # passwords set through the API have at least 8 characters


class ApiClient:
    """Drives the public HTTP API with Flask's test client; logs in per username."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self._tokens: dict[str, str] = {}
        self._passwords: dict[str, str] = {}  # users created through the API

    def token(self, username, password=None):
        password = password or self._passwords.get(username, "demo")
        if username not in self._tokens:
            r = self.client.post("/api/auth/token", json={"username": username, "password": password})
            assert r.status_code == 200, r.get_json()
            self._tokens[username] = r.get_json()["token"]
        return self._tokens[username]

    def headers(self, username):
        return {"Authorization": f"Bearer {self.token(username)}"} if username else {}

    def get(self, path, as_user=None):
        return self.client.get(path, headers=self.headers(as_user))

    def post(self, path, json=None, as_user=None, **kwargs):
        return self.client.post(path, json=json, headers=self.headers(as_user), **kwargs)

    # Domain shortcuts -------------------------------------------------------------------
    def start(self, process_id, as_user, data=None):
        return self.post(f"/api/processes/{process_id}/instances", {"data": data or {}}, as_user)

    def inbox(self, as_user):
        r = self.get("/api/tasks", as_user)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def task_of(self, instance_id, as_user, name=None):
        """The open task of `instance_id` in the user's inbox (optionally by BPMN name)."""
        tasks = [t for t in self.inbox(as_user) if t["instance_id"] == instance_id
                 and (name is None or t["name"] == name)]
        assert tasks, f"{as_user} has no task of instance {instance_id} ({name})"
        return tasks[0]

    def complete(self, task_id, data, as_user):
        return self.post(f"/api/tasks/{task_id}/complete", {"data": data}, as_user)

    def review(self, instance_id, as_user, name, decision="approve", comment="同意"):
        task = self.task_of(instance_id, as_user, name)
        r = self.complete(task["id"], {"decision": decision, "comment": comment}, as_user)
        assert r.status_code == 200, r.get_json()
        return r

    def instance(self, instance_id, as_user):
        r = self.get(f"/api/instances/{instance_id}", as_user)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def create_user(self, username, roles, unit_id=None, department_id=None, display_name=""):
        r = self.post("/api/admin/users", {
            "username": username, "password": USER_PASSWORD, "display_name": display_name or username,
            "roles": roles, "unit_id": unit_id, "department_id": department_id}, "admin")
        assert r.status_code == 201, r.get_json()
        self._passwords[username] = USER_PASSWORD
        return r.get_json()["id"]

    def create_unit(self, name, type_, department_id=None):
        r = self.post("/api/admin/units", {"name": name, "type": type_,
                                           "department_id": department_id}, "admin")
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def me(self, username):
        return self.get("/api/me", username).get_json()


def application_form(today: date | None = None, **overrides) -> dict:
    """A selection application that meets every Art. 5 condition on `today`."""
    today = today or date.today()
    form = {
        "name": "张明", "gender": "male",
        "birth_date": date(today.year - 35, 1, 15).isoformat(),
        "work_start_date": date(today.year - 10, 7, 1).isoformat(),
        "talent_category": "professional_technical", "education": "bachelor",
        "professional_title": "none", "skill_level": "none", "agri_title": "none",
        "appraisals": [{"year": today.year - 1, "grade": "excellent"},
                       {"year": today.year - 2, "grade": "competent"}],
        "ethics_attested": True, "service_agreement": True, "service_years": 5,
        "shortage_exception": False, "shortage_justification": "",
    }
    form.update(overrides)
    return form
