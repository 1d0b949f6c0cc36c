"""The production server with several worker processes (`talentflow serve --workers 2`, gunicorn):
each worker keeps its own hot-instance cache, so a case worked through one worker and then
another must never act on a stale workflow, and two people acting at once still get one
success and a 409 — the guarantees of one process, held across processes."""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import re
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from flows import QUALIFICATION, submit_selection
from talentflow.models import HistoryEvent, Instance
from talentflow.server import gunicorn_available

pytestmark = pytest.mark.skipif(not gunicorn_available(), reason="gunicorn runs on POSIX only")

REVIEW = {"data": {"decision": "approve", "comment": "同意"}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(platform, seeded, tmp_path, request):
    """`talentflow serve --workers 2` on the test database; yields its port (the server's
    process id is on the test's node, `served_pid`)."""
    port = _free_port()
    env = dict(os.environ, TALENTFLOW_DATABASE_URL=platform.engine.url.render_as_string(
        hide_password=False), TALENTFLOW_SECRET_KEY="served-test",
        TALENTFLOW_UPLOAD_DIR=str(tmp_path / "uploads"), TALENTFLOW_SERVER_TIMING="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "talentflow.cli", "serve", "--host", "127.0.0.1", "--port",
         str(port), "--workers", "2", "--threads", "2", "--server", "gunicorn", "--no-scheduler"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(server.stderr.read().decode()[-2000:])
                time.sleep(0.1)
        request.node.served_pid = server.pid
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def call(port, method, path, body=None, token=None):
    """One request on a connection of its own: the next may land on the other worker."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "Connection": "close"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers=headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, (json.loads(payload) if payload else None)


def login(port, username):
    status, body = call(port, "POST", "/api/auth/token", {"username": username, "password": "demo"})
    assert status == 200, body
    return body["token"]


def task_of(port, token, instance_id, name):
    status, tasks = call(port, "GET", "/api/tasks", token=token)
    assert status == 200, tasks
    found = [t for t in tasks if t["instance_id"] == instance_id and t["name"] == name]
    assert found, (instance_id, name, tasks)
    return found[0]["id"]


def _open_files(pid: int) -> list[str]:
    found = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:  # a worker that just exited
        return found
    for fd in fds:
        try:
            found.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:  # closed meanwhile
            pass
    return found


@pytest.mark.skipif(not os.path.isdir("/dev/shm") or not os.path.isdir("/proc"),
                    reason="needs /dev/shm and /proc (Linux)")
def test_workers_touch_their_heartbeat_in_memory_not_on_the_database_disk(served, request):
    """gunicorn's workers touch a heartbeat file on each request; on the disk PostgreSQL
    commits to, that touch can wait behind the commits' fsyncs."""
    pid = request.node.served_pid
    deadline = time.monotonic() + 60
    while True:  # the port answers once the first worker listens; the second may still start
        workers = [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]
        heartbeats = {worker: [f for f in _open_files(worker) if "wgunicorn-" in f]
                      for worker in workers}
        if len(workers) == 2 and all(heartbeats.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(workers) == 2 and all(heartbeats.values()), heartbeats
    for files in heartbeats.values():
        assert all(f.startswith("/dev/shm/") for f in files), files


def _connections(port, count):
    return [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(count)]


def _answering_workers(port, token, connections, close=True):
    """Opens the connections at once and asks twice on each (keep-alive): the worker process that
    answered on each, from the Server-Timing the fixture turns on."""
    barrier = threading.Barrier(len(connections))
    workers = [None] * len(connections)

    def ask(index, conn):
        barrier.wait()
        for _ in range(2):
            conn.request("GET", "/api/me", headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            workers[index] = re.search(r'pid=(\d+)', response.getheader("Server-Timing"))[1]

    threads = [threading.Thread(target=ask, args=pair) for pair in enumerate(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if close:
        for conn in connections:
            conn.close()
    return workers


def test_connections_opened_together_are_spread_over_the_workers(served):
    """A keep-alive connection stays with the worker that accepted it. Four opened at once by
    one client (a proxy's pool, a benchmark) must land two on each worker, not by the luck of
    which process the kernel wakes first: stock gunicorn spread them 2 / 2 in 14 of 30 rounds
    here (15 times 3 / 1, once 4 / 0), and four on one worker are served on one core. The
    client's spare connection, idle on one of the workers meanwhile, must not tip it to 3 / 1.
    Rounds, not one: on this shared 2-core machine a round can fall to 3 / 1 when a worker is
    not scheduled in time (the workers' load table: 37 to 40 of 40 rounds 2 / 2 here, in a
    quiet hour and beside a CPU hog; the rule before it 31 to 35), so 20 of 30 must be 2 / 2 —
    stock gunicorn's 14 of 30 would pass that about once in 40 runs."""
    token = login(served, "unit_reviewer")
    deadline = time.monotonic() + 60
    seen = set()
    while len(seen) < 2:  # the port answers once the first worker listens; wait for the second
        assert time.monotonic() < deadline, seen
        seen.update(_answering_workers(served, token, _connections(served, 4)))
    spreads = []
    for _ in range(30):
        spare = _connections(served, 1)
        _answering_workers(served, token, spare, close=False)
        workers = _answering_workers(served, token, _connections(served, 4))
        spare[0].close()
        spreads.append(sorted(Counter(workers).values()))
        time.sleep(0.1)  # the closed connections leave their workers first
    assert spreads.count([2, 2]) >= 20, spreads


def test_a_case_worked_across_workers_never_acts_on_a_stale_workflow(api, platform, served):
    """Step after step of one case, each on a new connection (either worker): every step is
    taken exactly once and the case reaches the leadership approval."""
    instance_id = submit_selection(api)
    steps = [("unit_reviewer", "unit_review"), ("department_reviewer", "department_review"),
             *QUALIFICATION]
    tokens = {user: login(served, user) for user, _ in steps}
    for user, name in steps:
        task_id = task_of(served, tokens[user], instance_id, name)
        for _ in range(8):  # reading the 回退 targets loads the case: warms both workers' caches
            status, body = call(served, "GET", f"/api/tasks/{task_id}/return-targets",
                                token=tokens[user])
            assert status == 200, body
        status, body = call(served, "POST", f"/api/tasks/{task_id}/complete", REVIEW,
                            tokens[user])
        assert status == 200, (name, body)
    leadership = login(served, "leadership")
    assert task_of(served, leadership, instance_id, "leadership_approval")
    with platform.sessions() as session:
        names = list(session.scalars(select(HistoryEvent.task_name).where(
            HistoryEvent.instance_id == instance_id).order_by(HistoryEvent.id)))
        assert names == ["submit_application", *[name for _, name in steps]]
        assert session.get(Instance, instance_id).status == "running"


def test_simultaneous_completions_through_several_workers_give_one_success(api, platform, served):
    instance_id = submit_selection(api)
    token = login(served, "unit_reviewer")
    task_id = task_of(served, token, instance_id, "unit_review")
    barrier = threading.Barrier(6)
    statuses = []

    def act():
        barrier.wait()
        statuses.append(call(served, "POST", f"/api/tasks/{task_id}/complete", REVIEW, token)[0])

    threads = [threading.Thread(target=act) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 5, statuses
    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.instance_id == instance_id, HistoryEvent.task_name == "unit_review")) == 1
    department = login(served, "department_reviewer")
    assert task_of(served, department, instance_id, "department_review")


def test_many_cases_at_once_through_several_workers_all_move_once(api, platform, served):
    unit_id = api.me("unit_reviewer")["unit_id"]
    applicants = [f"served_applicant{i}" for i in range(6)]
    for user in applicants:
        api.create_user(user, ["applicant"], unit_id=unit_id)
    cases = [submit_selection(api, user) for user in applicants]
    token = login(served, "unit_reviewer")
    tasks = [task_of(served, token, instance_id, "unit_review") for instance_id in cases]
    barrier = threading.Barrier(len(tasks))
    statuses = []

    def act(task_id):
        barrier.wait()
        statuses.append(call(served, "POST", f"/api/tasks/{task_id}/complete", REVIEW, token)[0])

    threads = [threading.Thread(target=act, args=(task_id,)) for task_id in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(tasks), statuses
    with platform.sessions() as session:
        for instance_id in cases:
            assert session.scalar(select(func.count()).select_from(HistoryEvent).where(
                HistoryEvent.instance_id == instance_id,
                HistoryEvent.task_name == "unit_review")) == 1
    department = login(served, "department_reviewer")
    for instance_id in cases:
        assert task_of(served, department, instance_id, "department_review")
