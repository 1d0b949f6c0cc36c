"""Speed as users feel it: the real server (`talentflow serve`, over sockets, keep-alive) driven
from this separate process by a lean HTTP client (bench/keepalive.py), with the raw
SpiffWorkflow step of the same diagram measured in the same run as the baseline, and the
in-process (Flask test client) figure beside it.

  review   POST /api/tasks/<id>/complete of `unit_review` (talent_selection), one per case
  inbox    GET /api/tasks of the unit reviewer (60 open tasks; then among 10,000 cases; and
           from a fifth client while four complete reviews)
  floor    GET /api/me: what every signed-in request pays (HTTP, token, user row, transaction)
  load     review completions per second from --clients concurrent keep-alive clients
  raw      the same review step in SpiffWorkflow alone: load (deserialize) + complete + run +
           save (serialize); and "hot": complete + run + save of a workflow kept in memory;
           timed in this process in blocks between the review requests' blocks, so both see
           the same machine
  cache    hot-instance cache hits as the server reports them per answer (Server-Timing, which
           the bench turns on with TALENTFLOW_SERVER_TIMING): a case is in memory only in the
           worker that saved it last
  CPU      the server's, PostgreSQL's and the clients' CPU time per completion (from /proc)

Usage: python bench/bench_http.py [--database-url URL] [--workers N] [--cases 60]
       [--load-cases 400] [--clients 4] [--populate 10000]
"""
from __future__ import annotations

import argparse
import collections
import itertools
import json
import re
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "tests"))

from sqlalchemy import select  # noqa: E402

from bench_core import Bench, RawSpiffStep, populate, stats, timed  # noqa: E402
from fresh_db import analyze, drop_fresh, fresh_platform  # noqa: E402
from keepalive import KeepAlive  # noqa: E402
from talentflow.models import User  # noqa: E402

SECRET = "bench"
REVIEW = {"data": {"decision": "approve", "comment": "同意"}}
BATCHES = itertools.count()
BLOCK = 10  # review requests timed back to back, then RAW_PER_REQUEST raw steps for each
RAW_PER_REQUEST = 3


SERVER_TIMING = re.compile(
    r'app;dur=([0-9.]+), worker;desc="pid=(\d+)", hot-cache;desc="hits=(\d+) misses=(\d+)"')


class Client:
    """One keep-alive HTTP connection with a bearer token. Keeps the server's own figures of
    each answer (Server-Timing, which the bench turns on): time in the app, cache hits."""

    def __init__(self, port: int, token: str | None = None):
        self.conn = KeepAlive("127.0.0.1", port)
        self.token = token
        self.app_ms: list[float] = []
        self.hits = self.misses = 0
        self.split_ms: dict[str, list[float]] = {"hit": [], "miss": []}  # answers that loaded a case
        self.worker: int | None = None

    def call(self, method: str, path: str, body=None, expect: int = 200):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        status, answer_headers, payload = self.conn.request(method, path, data, headers)
        timing = SERVER_TIMING.match(answer_headers.get("server-timing", ""))
        if timing:
            self.app_ms.append(float(timing[1]))
            self.worker = int(timing[2])  # a keep-alive connection stays with one worker
            hits, misses = int(timing[3]), int(timing[4])
            self.hits += hits
            self.misses += misses
            if hits + misses == 1:
                self.split_ms["hit" if hits else "miss"].append(float(timing[1]))
        if status != expect:
            raise SystemExit(f"{method} {path}: {status} {payload[:300]!r}")
        return json.loads(payload) if payload else None

    def login(self, username: str, password: str = "demo") -> "Client":
        self.token = self.call("POST", "/api/auth/token",
                               {"username": username, "password": password})["token"]
        return self


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, workers: int, kind: str = "auto",
                 threads: int | None = None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, TALENTFLOW_DATABASE_URL=url, TALENTFLOW_SECRET_KEY=SECRET,
               TALENTFLOW_SERVER_TIMING="1")
    command = [sys.executable, "-m", "talentflow.cli", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--no-scheduler", "--workers", str(workers), "--server", kind]
    if threads:
        command += ["--threads", str(threads)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if server.poll() is not None:
                raise SystemExit(server.stderr.read().decode()[-2000:])
            time.sleep(0.1)
    Client(port).call("GET", "/api/openapi.json")  # every worker imports lazily: warm one up
    return server, port


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server and its worker processes have used so far, from
    /proc: per request it shows the server's own cost, which wall-clock medians on a shared
    machine blur."""
    tick = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pending.extend(int(child) for child in children)
    return total


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process on this machine so far (0 when there is none)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() not in ("postgres", "postmaster"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def prepare_cases(bench: Bench, count: int) -> list[int]:
    """`count` selection cases waiting at the unit review, filed in-process."""
    with bench.platform.sessions() as session:
        unit_id = session.scalar(select(User.unit_id).where(User.username == "unit_reviewer"))
    applicants = bench.make_applicants(count, unit_id, prefix=f"b{next(BATCHES)}_")
    cases = []
    for i, user in enumerate(applicants):
        instance_id = bench.start(user)
        bench.submit(instance_id, user, f"申请人{i}")
        cases.append(instance_id)
    return cases


def prepare_cases_http(port: int, bench: Bench, count: int) -> list[int]:
    """As prepare_cases, but each applicant starts and submits through the server, so its
    workers hold the cases as production would (the hot-instance cache of whichever worker
    saved the submission)."""
    from bench_core import application
    from talentflow.core.security import TokenSigner
    signer = TokenSigner(SECRET, 3600)  # the server's key: no password hashing per applicant
    with bench.platform.sessions() as session:
        unit_id = session.scalar(select(User.unit_id).where(User.username == "unit_reviewer"))
    names = bench.make_applicants(count, unit_id, prefix=f"h{next(BATCHES)}_")
    with bench.platform.sessions() as session:
        ids = dict(session.execute(select(User.username, User.id)
                                   .where(User.username.in_(names))).all())
    cases = []
    for i, username in enumerate(names):
        client = Client(port, signer.issue(ids[username]))
        instance_id = client.call("POST", "/api/processes/talent_selection/instances",
                                  {"data": {}}, expect=201)["id"]
        task = next(t for t in client.call("GET", "/api/tasks") if t["instance_id"] == instance_id)
        client.call("POST", f"/api/tasks/{task['id']}/complete",
                    {"data": application(bench.today, f"申请人{i}")})
        client.conn.close()
        cases.append(instance_id)
    return cases


def review_tasks(client: Client, cases: list[int]) -> list[int]:
    wanted = set(cases)
    tasks = client.call("GET", "/api/tasks?limit=1000")
    return [t["id"] for t in tasks if t["instance_id"] in wanted and t["name"] == "unit_review"]


def throughput(port: int, token: str, task_ids: list[int], clients: int) -> tuple[float, list]:
    """Completions per second with `clients` concurrent keep-alive connections, and those
    clients (with the server's figures of their answers)."""
    shares = [task_ids[i::clients] for i in range(clients)]
    barrier = threading.Barrier(clients + 1)
    connections = [Client(port, token) for _ in shares]

    def work(client, share):
        barrier.wait()
        for task_id in share:
            client.call("POST", f"/api/tasks/{task_id}/complete", REVIEW)

    threads = [threading.Thread(target=work, args=pair) for pair in zip(connections, shares)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return len(task_ids) / (time.perf_counter() - started), connections


def inbox_under_load(port: int, token: str, task_ids: list[int], clients: int) -> list[float]:
    """GET /api/tasks?limit=60 from one more client, every 5 ms, while `clients` complete
    `task_ids`: what an official opening the inbox meets while others act (on SQLite, a read
    beside the writers; before, it queued behind them for the write lock)."""
    watcher = Client(port, token)
    watcher.call("GET", "/api/tasks?limit=60")
    finished = threading.Event()
    latencies: list[float] = []

    def watch():
        while not finished.is_set():
            latencies.append(timed(lambda: watcher.call("GET", "/api/tasks?limit=60")))
            time.sleep(0.005)

    thread = threading.Thread(target=watch)
    thread.start()
    try:
        throughput(port, token, task_ids, clients)
    finally:
        finished.set()
        thread.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--load-cases", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--populate", type=int, default=10_000)
    parser.add_argument("--server", choices=["auto", "gunicorn", "waitress"], default="auto")
    parser.add_argument("--threads", type=int, help="threads per worker (the serve default if unset)")
    args = parser.parse_args()

    platform = fresh_platform(args.database_url, "talentflow-bench-http-")
    url = platform.engine.url.render_as_string(hide_password=False)
    bench = Bench(platform)
    bench.headers("unit_reviewer")
    server, port = start_server(url, args.workers, args.server, args.threads)
    try:
        http_cases = prepare_cases_http(port, bench, args.cases)
        reviewer = Client(port).login("unit_reviewer")
        tasks = review_tasks(reviewer, http_cases)  # exactly `cases` open reviews in the inbox
        analyze(platform)
        # Start from a settled disk: what an earlier phase or run left to write back would
        # otherwise slow down the commits' fsyncs we measure.
        os.sync()
        # Every worker thread answers a few times before we measure (PostgreSQL statements are
        # prepared on a connection's fifth use): the figures are of a server in service.
        for _ in range(50):
            reviewer.call("GET", "/api/tasks")
        inbox_ms = [timed(lambda: reviewer.call("GET", "/api/tasks")) for _ in range(args.cases)]
        # what any signed-in request pays: HTTP, the token, the user's row, the transaction
        floor_ms = [timed(lambda: reviewer.call("GET", "/api/me")) for _ in range(args.cases)]
        measured = Client(port, reviewer.token)
        measured.call("GET", "/api/tasks")
        measured.app_ms.clear()
        measured.split_ms = {"hit": [], "miss": []}
        # The raw step is timed in blocks between the requests' blocks, in this process while
        # the server waits: a shared machine's speed drifts by tens of percent over seconds,
        # and the ratio should compare the two under the same conditions. (Blocks, not
        # alternation: each side keeps its CPU caches warm within a block, as before.)
        raw = RawSpiffStep()
        review_ms, cold, hot, server_cpu = [], [], [], 0.0
        for block in range(0, len(tasks), BLOCK):
            cpu_before = server_cpu_seconds(server.pid)
            review_ms += [timed(lambda t=t: measured.call("POST", f"/api/tasks/{t}/complete",
                                                          REVIEW)) for t in tasks[block:block + BLOCK]]
            server_cpu += server_cpu_seconds(server.pid) - cpu_before
            cold += [raw.cold() for _ in range(RAW_PER_REQUEST * BLOCK)]
            hot += [raw.hot() for _ in range(RAW_PER_REQUEST * BLOCK)]
        review_cpu_ms = server_cpu * 1000 / len(tasks)
        # in-process: the same work through Flask's test client, no sockets
        local_cases = prepare_cases(bench, args.cases)
        before = platform.runtime.stats()
        local = {t["instance_id"]: t["id"] for t in bench.inbox("unit_reviewer")}
        local_ms = [timed(lambda t=local[c]: bench.post(f"/api/tasks/{t}/complete", REVIEW,
                                                       "unit_reviewer"))
                    for c in local_cases if c in local]
        after = platform.runtime.stats()
        hits = {k: after[k] - before[k] for k in after}
        load_cases = prepare_cases_http(port, bench, args.load_cases)
        load_tasks = review_tasks(reviewer, load_cases)
        cpu = (server_cpu_seconds(server.pid), postgres_cpu_seconds(), time.process_time())
        rate, loaders = throughput(port, reviewer.token, load_tasks, args.clients)
        load_cpu = [(after - before) * 1000 / len(load_tasks) for before, after in zip(
            cpu, (server_cpu_seconds(server.pid), postgres_cpu_seconds(), time.process_time()))]
        busy_cases = prepare_cases_http(port, bench, args.load_cases // 2)
        busy_inbox_ms = inbox_under_load(port, reviewer.token, review_tasks(reviewer, busy_cases),
                                         args.clients)
        prepare_cases(bench, args.cases)  # the inbox holds `cases` open reviews again
        populate(bench, args.populate, args.populate * 5)
        big_inbox_ms = [timed(lambda: reviewer.call("GET", "/api/tasks")) for _ in range(args.cases)]
    finally:
        server.terminate()
        server.wait(timeout=30)
        drop_fresh(platform)

    db = platform.engine.dialect.name
    review, baseline = statistics.median(review_ms), statistics.median(cold)
    print()
    print(f"== {db}, talentflow serve --server {args.server} --workers {args.workers}"
          f"{f' --threads {args.threads}' if args.threads else ''}, over sockets (keep-alive) ==")
    print(f"review  POST complete (HTTP)                 {stats(review_ms)}")
    print(f"review  of which in the app (Server-Timing)  {stats(measured.app_ms)}")
    for kind in ("hit", "miss"):
        if measured.split_ms[kind]:
            print(f"review  in the app, hot-cache {kind + ':':5}          {stats(measured.split_ms[kind])}")
    print(f"review  server CPU per completion (all workers) {review_cpu_ms:7.2f} ms")
    print(f"review  same, in-process test client         {stats(local_ms)}")
    print(f"raw     SpiffWorkflow load+complete+run+save {stats(cold)}")
    print(f"raw     hot: complete+run+save (no load)     {stats(hot)}")
    print(f"ratio   review HTTP / raw step, medians      {review / baseline:7.2f}x   (target <= 2x)")
    print(f"load    {args.clients} clients, review completions      {rate:7.1f} /s   (target >= 200/s)")
    print(f"load    CPU per completion: server {load_cpu[0]:.2f} ms, PostgreSQL {load_cpu[1]:.2f} ms, "
          f"clients {load_cpu[2]:.2f} ms ({os.cpu_count()} cores)")
    print(f"floor   GET /api/me (any signed-in request)  {stats(floor_ms)}")
    print(f"inbox   GET /api/tasks, {args.cases} open tasks          {stats(inbox_ms)}   (target < 5 ms)")
    print(f"inbox   same, {args.populate:,} more cases stored      {stats(big_inbox_ms)}   (target < 10 ms)")
    print(f"inbox   same (60 of them), while {args.clients} clients complete reviews {stats(busy_inbox_ms)}")
    spread = collections.Counter(c.worker for c in loaders)
    print(f"load    the {args.clients} connections per worker: "
          f"{' / '.join(str(n) for n in sorted(spread.values(), reverse=True))} "
          f"(a worker holding connections leaves a new one to an emptier one: "
          f"service/gunicorn_worker.py)")
    load_hits = sum(c.hits for c in loaders)
    load_loads = load_hits + sum(c.misses for c in loaders)
    print(f"cache   hot-instance hits: review over HTTP {measured.hits} of "
          f"{measured.hits + measured.misses}, load {load_hits} of {load_loads}, in-process "
          f"{hits['hits']} of {hits['hits'] + hits['misses']} loads")


if __name__ == "__main__":
    main()
