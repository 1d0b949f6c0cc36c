"""Benchmark of the core paths, printed as figures (tests never assert on time).

  (a) start a talent_selection instance through the HTTP API
  (b) complete one review task through the HTTP API
  (c) the inbox query (GET /api/tasks) with 10,000 instances and 50,000 history rows stored
  baseline: the same review step done by raw SpiffWorkflow (deserialize, complete, run, serialize)
  and (b) on a fresh case vs. after 100 return-for-correction cycles on one case.

The HTTP calls go through Flask's WSGI stack in-process (test client): routing, auth, JSON,
validation, the engine and the commit, without socket noise on a shared 2-core machine.

Usage: python bench/bench_core.py [--database-url URL] [--instances 10000] [--history 50000]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import func, insert, select, text  # noqa: E402

from talentflow.app import create_app  # noqa: E402
from talentflow.models import HistoryEvent, HumanTask, Instance, Unit, User, UserRole  # noqa: E402
from talentflow.platform import Platform  # noqa: E402
from fresh_db import drop_fresh, fresh_platform  # noqa: E402
from talentflow.core.security import hash_password  # noqa: E402


def stats(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms   (n={len(ordered)})"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def application(today: date, name: str) -> dict:
    return {
        "name": name, "gender": "female", "birth_date": f"{today.year - 33}-04-02",
        "work_start_date": f"{today.year - 9}-07-01", "talent_category": "professional_technical",
        "education": "master", "professional_title": "intermediate", "skill_level": "none",
        "agri_title": "none", "appraisals": [{"year": today.year - 1, "grade": "excellent"},
                                             {"year": today.year - 2, "grade": "competent"}],
        "ethics_attested": True, "service_agreement": True, "service_years": 5,
        "shortage_exception": False, "shortage_justification": "",
    }


class Bench:
    def __init__(self, platform: Platform):
        self.platform = platform
        self.app = create_app(platform=platform)
        self.client = self.app.test_client()
        self.today = platform.today()
        self.tokens: dict[str, str] = {}

    def headers(self, username):
        if username not in self.tokens:
            r = self.client.post("/api/auth/token", json={"username": username, "password": "demo"})
            self.tokens[username] = r.get_json()["token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def post(self, path, body, user, expect=200):
        r = self.client.post(path, json=body, headers=self.headers(user))
        assert r.status_code == expect, (path, r.status_code, r.get_json())
        return r.get_json()

    def inbox(self, user):
        r = self.client.get("/api/tasks", headers=self.headers(user))
        assert r.status_code == 200
        return r.get_json()

    def make_applicants(self, count: int, unit_id: int, prefix: str = "") -> list[str]:
        names = [f"{prefix}bench_applicant_{i}" for i in range(count)]
        pw = hash_password("demo")
        with self.platform.transaction() as session:
            ids = session.execute(insert(User).returning(User.id), [
                {"username": n, "password_hash": pw, "display_name": f"测试申请人{i}",
                 "unit_id": unit_id, "active": True} for i, n in enumerate(names)]).scalars().all()
            session.execute(insert(UserRole), [{"user_id": i, "role": "applicant"} for i in ids])
        return names

    def start(self, user) -> int:
        return self.post("/api/processes/talent_selection/instances", {"data": {}}, user, 201)["id"]

    def submit(self, instance_id, user, name):
        task = next(t for t in self.inbox(user) if t["instance_id"] == instance_id)
        self.post(f"/api/tasks/{task['id']}/complete", {"data": application(self.today, name)}, user)


def populate(bench: Bench, instances: int, history: int) -> None:
    """Bulk-copy one real in-flight case into `instances` rows spread over 200 units, with one
    open review task each and `history` audit rows, so queries run against a realistic size."""
    platform = bench.platform
    with platform.transaction() as session:
        template = session.scalars(select(Instance).where(Instance.status == "running")
                                   .order_by(Instance.id).limit(1)).one()
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == template.id,
                                                       HumanTask.status == "ready")).one()
        units = session.execute(insert(Unit).returning(Unit.id), [
            {"name": f"基准测试单位{i}", "type": "public_institution", "department_id": None}
            for i in range(200)]).scalars().all()
        starter = session.scalar(select(User.id).where(User.username == "applicant"))
    batch = 2000
    for offset in range(0, instances, batch):
        n = min(batch, instances - offset)
        with platform.transaction() as session:
            ids = session.execute(insert(Instance).returning(Instance.id), [{
                "process_id": template.process_id, "definition_id": template.definition_id,
                "version": template.version, "starter_id": starter, "unit_id": units[(offset + i) % 200],
                "department_id": None, "applicant_name": f"批量申请人{offset + i}",
                "status": "running", "state": template.state, "data": template.data,
                "lock_version": 1} for i in range(n)]).scalars().all()
            session.execute(insert(HumanTask), [{
                "instance_id": iid, "process_id": task.process_id, "spiff_task_id": task.spiff_task_id,
                "name": task.name, "title": task.title, "form": task.form, "role": task.role,
                "unit_id": units[(offset + i) % 200], "department_id": None, "assignee_id": None,
                "applicant_name": f"批量申请人{offset + i}", "status": "ready",
                "created_at": task.created_at, "due_at": task.due_at} for i, iid in enumerate(ids)])
    with platform.transaction() as session:
        all_ids = session.scalars(select(Instance.id)).all()
    for offset in range(0, history, 10000):
        n = min(10000, history - offset)
        with platform.transaction() as session:
            session.execute(insert(HistoryEvent), [{
                "instance_id": all_ids[(offset + i) % len(all_ids)], "task_name": "submit_application",
                "title": "填写人才培养对象登记表", "user_id": starter, "decision": "submitted",
                "comment": None} for i in range(n)])
    with platform.engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # fresh statistics, as a live database would have


class RawSpiffStep:
    """The review step with SpiffWorkflow alone, as its documentation does it (spec embedded):
    `cold()` times deserialize + complete + run + serialize; `hot()` the same on a workflow
    already in memory (a fresh copy made outside the timing). One step per call, so a bench
    can interleave them with its own requests and both see the same machine."""

    def __init__(self):
        from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
        from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR
        from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
        from SpiffWorkflow.util.task import TaskState

        stub = {"load_starter": {"user_id": 1, "unit_id": 1, "unit_type": "public_institution",
                                 "department_id": None, "has_department": False},
                "derive_applicant_facts": {"age": 33, "work_years": 9, "appraisals_complete": True,
                                           "worst_appraisal": "competent"},
                "assess_eligibility": {k: True for k in ("ethics", "age", "work_years",
                                                         "qualification", "appraisals",
                                                         "service_agreement", "eligible")}}

        class Env(TaskDataEnvironment):
            def call_service(self, context, operation_name, operation_params):
                return json.dumps(stub.get(operation_name))

        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_dmn_files([str(p) for p in (ROOT / "workflows").glob("*.dmn")])
        parser.add_bpmn_files([str(ROOT / "workflows" / "talent_selection.bpmn")])
        spec = parser.get_spec("talent_selection")
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.engine = PythonScriptEngine(environment=Env())
        self.ready = TaskState.READY
        wf = BpmnWorkflow(spec, script_engine=self.engine)
        wf.do_engine_steps()
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(application(date.today(), "基线"))
        task.run()
        wf.do_engine_steps()
        self.saved = self.serializer.serialize_json(wf)

    def _step(self, loaded=None) -> None:
        w = loaded or self.serializer.deserialize_json(self.saved)
        w.script_engine = self.engine
        t = w.get_tasks(state=self.ready, manual=True)[0]
        t.data.update({"unit_review": {"decision": "approve", "comment": "同意"}})
        t.run()
        w.do_engine_steps()
        self.serializer.serialize_json(w)

    def cold(self) -> float:
        return timed(self._step)

    def hot(self) -> float:
        loaded = self.serializer.deserialize_json(self.saved)
        return timed(lambda: self._step(loaded))


def raw_spiff_baseline(rounds: int, hot: bool = False) -> list[float]:
    """`rounds` raw review steps (RawSpiffStep), cold or `hot`."""
    raw = RawSpiffStep()
    return [raw.hot() if hot else raw.cold() for _ in range(rounds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    platform = fresh_platform(args.database_url, "talentflow-bench-")
    try:
        measure(platform, args)
    finally:  # a PostgreSQL run leaves no database behind
        drop_fresh(platform)


def measure(platform, args) -> None:
    with platform.sessions() as session:
        unit_id = session.scalar(select(User.unit_id).where(User.username == "unit_reviewer"))
    bench = Bench(platform)
    rounds = args.rounds
    applicants = bench.make_applicants(rounds + 1, unit_id)

    for user in applicants + ["unit_reviewer", "org_reviewer"]:
        bench.headers(user)  # log in first: password hashing is not what we measure

    # (a) start a selection instance
    start_ms, started = [], []
    for user in applicants[:rounds]:
        holder = {}
        start_ms.append(timed(lambda: holder.setdefault("id", bench.start(user))))
        started.append((holder["id"], user))
    for i, (iid, user) in enumerate(started):
        bench.submit(iid, user, f"申请人{i}")

    populate(bench, args.instances, args.history)
    with platform.sessions() as session:
        counts = (session.scalar(select(func.count()).select_from(Instance)),
                  session.scalar(select(func.count()).select_from(HistoryEvent)),
                  session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.status == "ready")))
    print(f"stored: {counts[0]} instances, {counts[1]} history rows, {counts[2]} open tasks")

    # (c) the inbox query, for the unit reviewer of the benchmark cases and for a district role
    inbox_unit = [timed(lambda: bench.inbox("unit_reviewer")) for _ in range(rounds)]
    inbox_district = [timed(lambda: bench.inbox("org_reviewer")) for _ in range(rounds // 4)]

    # (b) complete one review task on fresh cases
    tasks = {t["instance_id"]: t["id"] for t in bench.inbox("unit_reviewer")}
    review_ms = []
    for iid, _ in started:
        if iid in tasks:
            review_ms.append(timed(lambda: bench.post(f"/api/tasks/{tasks[iid]}/complete", {
                "data": {"decision": "approve", "comment": "同意"}}, "unit_reviewer")))

    # (b') the same step on one case across 120 return-for-correction cycles
    loop_user = applicants[rounds]
    loop_id = bench.start(loop_user)
    bench.submit(loop_id, loop_user, "循环申请人")
    cycle_ms = []
    for cycle in range(120):
        task_id = next(t["id"] for t in bench.inbox("unit_reviewer") if t["instance_id"] == loop_id)
        cycle_ms.append(timed(lambda: bench.post(f"/api/tasks/{task_id}/complete", {
            "data": {"decision": "return", "comment": f"第{cycle + 1}次退回"}}, "unit_reviewer")))
        bench.submit(loop_id, loop_user, "循环申请人")

    raw = raw_spiff_baseline(rounds)
    print()
    print(f"(a) start selection instance (HTTP)      {stats(start_ms)}")
    print(f"(b) complete a review task (HTTP)        {stats(review_ms)}")
    print(f"    raw SpiffWorkflow step (baseline)    {stats(raw)}")
    print(f"    ratio (b) / raw, medians             {statistics.median(review_ms) / statistics.median(raw):7.2f}x   (target <= 3x)")
    print(f"(b) review on one case, cycles 1-20      {stats(cycle_ms[:20])}")
    print(f"(b) review on one case, cycles 101-120   {stats(cycle_ms[100:])}")
    print(f"(c) inbox GET /api/tasks, unit reviewer  {stats(inbox_unit)}   (target median < 20 ms)")
    print(f"(c) inbox GET /api/tasks, org reviewer   {stats(inbox_district)}   (whole district, first 200 rows)")


if __name__ == "__main__":
    main()
