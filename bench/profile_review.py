"""Where one review completion's time goes: POST /api/tasks/<id>/complete of `unit_review`,
in-process (Flask's test client), split into the phases of the request with their SQL
statements (round trips) — the breakdown issue 13 asks for. Each phase is timed by wrapping
the function that does it; a phase's time excludes the phases nested inside it.

Usage: python bench/profile_review.py [--database-url URL] [--cases 50] [--rounds 3]
Prints the best of `rounds` rounds of `cases` completions (a shared machine is noisy).
"""
from __future__ import annotations

import argparse
import collections
import functools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "tests"))

import flask  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench_core import Bench  # noqa: E402
from bench_http import REVIEW, prepare_cases  # noqa: E402
from fresh_db import analyze, drop_fresh, fresh_platform  # noqa: E402
from talentflow import deferred  # noqa: E402
from talentflow.core import cases, events  # noqa: E402
from talentflow.core.definitions import DefinitionCache  # noqa: E402
from talentflow.engine.runtime import Runtime  # noqa: E402
from talentflow.server import tune_garbage_collector  # noqa: E402

# (object, attribute, phase): outermost first; time spent in a nested phase is its own.
PHASES = [
    (flask.Flask, "wsgi_app", "WSGI, routing, body parsing, response (Flask, flask-smorest)"),
    (flask.Flask, "preprocess_request",
     "before the view: auth (token; the caller kept by the process, or read), JSON body checks"),
    (cases, "_lock_task", "lock the case, read its open tasks (pool checkout, BEGIN)"),
    (DefinitionCache, "validate_form", "form validation (JSON Schema, cached validator)"),
    (Runtime, "load", "load the workflow (hot-instance cache)"),
    (cases, "_run", "engine: complete + run to the next wait state"),
    (Runtime, "dump", "serialize the workflow state"),
    (cases, "reindex", "re-index the human tasks"),
    (Session, "flush", "ORM flush (SQLite: the next step's task, its id goes into the notices)"),
    (events, "case_changed", "notifications: recipients (cached), notices, emails"),
    (deferred, "write", "deferred writes: case (version check), completed task, next task "
                        "(PostgreSQL), history, notices, mails"),
    (Session, "commit", "commit"),
]


class Profiler:
    def __init__(self, engine):
        self.stack: list[str] = []
        self.own = collections.Counter()
        self.statements = collections.Counter()
        self.started: list[float] = []
        for owner, name, label in PHASES:
            self._wrap(owner, name, label)
        event.listen(engine, "before_cursor_execute", self._statement)

    def _statement(self, *_args):
        self.statements[self.stack[-1] if self.stack else "outside"] += 1

    def _wrap(self, owner, name, label):
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            now = time.perf_counter()
            if self.stack:  # pause the enclosing phase
                self.own[self.stack[-1]] += now - self.started[-1]
            self.stack.append(label)
            self.started.append(now)
            try:
                return original(*args, **kwargs)
            finally:
                end = time.perf_counter()
                self.own[self.stack.pop()] += end - self.started.pop()
                if self.stack:
                    self.started[-1] = end
        setattr(owner, name, timed)

    def reset(self):
        self.own.clear()
        self.statements.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    platform = fresh_platform(args.database_url, "talentflow-profile-")
    try:
        bench = Bench(platform)
        tune_garbage_collector()  # as `talentflow serve` does in each worker
        case_ids = prepare_cases(bench, args.cases * (args.rounds + 1))
        inbox = bench.client.get("/api/tasks?limit=1000", headers=bench.headers("unit_reviewer"))
        tasks = {t["instance_id"]: t["id"] for t in inbox.get_json()}
        ids = [tasks[c] for c in case_ids]
        analyze(platform)
        profiler = Profiler(platform.engine)
        rounds = []
        for r in range(args.rounds + 1):  # the first round warms up and is not counted
            profiler.reset()
            started, cpu = time.perf_counter(), time.process_time()
            for task_id in ids[r * args.cases:(r + 1) * args.cases]:
                bench.post(f"/api/tasks/{task_id}/complete", REVIEW, "unit_reviewer")
            wall = (time.perf_counter() - started) * 1000 / args.cases
            cpu = (time.process_time() - cpu) * 1000 / args.cases
            if r:
                rounds.append((wall, cpu, dict(profiler.own), dict(profiler.statements)))
    finally:
        drop_fresh(platform)
    wall, cpu, own, statements = min(rounds, key=lambda found: found[0])
    n = args.cases
    print(f"\n== {platform.engine.dialect.name}: one unit_review completion, in-process, best of "
          f"{args.rounds} rounds of {n} (rounds: {', '.join(f'{r[0]:.2f}' for r in rounds)} ms) ==")
    print(f"{'ms':>7} {'stmts':>5}  phase")
    for _owner, _name, label in PHASES:
        print(f"{own.get(label, 0) * 1000 / n:7.2f} {statements.get(label, 0) / n:5.1f}  {label}")
    rest = wall - sum(own.values()) * 1000 / n
    print(f"{rest:7.2f} {statements.get('outside', 0) / n:5.1f}  test client and the rest")
    print(f"{wall:7.2f} {sum(statements.values()) / n:5.1f}  total per request "
          f"(CPU of this process {cpu:.2f} ms; BEGIN/COMMIT are not counted as statements)")


if __name__ == "__main__":
    main()
