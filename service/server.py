"""`talentflow serve`: the WSGI server in front of the app.

Python runs one core per process, so on Linux the default is gunicorn's pre-fork server with a
worker per CPU (threads inside each; gunicorn_worker.py spreads the connections over them). Each
worker builds its own Platform after the fork (database pool, compiled specs, hot-instance
cache); the cache stays correct across workers because a live workflow is reused only when the
locked row still carries its version. The scheduler runs once, in a process of its own beside
the workers (jobs also hold their locks). waitress (threads, one process) is the fallback where
gunicorn is not available, and what `--server waitress` asks for."""
from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys


# Python's default (700 allocations) runs a young collection every few ORM rows, and the full
# sweeps cross the hot-instance cache's live workflows: ~100 ms each here. Over 300 review
# completions in-process (bench/profile_review.py on SQLite) the defaults collected 352 times
# for 0.27 s, two of them full sweeps; with these, 19 times for 0.1 s. The oldest generation is
# still swept now and then, so evicted workflows (cyclic, long-lived) are freed.
GC_THRESHOLDS = (10_000, 10, 10)


def tune_garbage_collector() -> None:
    """In a serving process, once the app is built: what startup made (modules, compiled
    diagrams) is frozen out of the collector's sweeps, and collections run less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def default_workers() -> int:
    return os.cpu_count() or 1


def gunicorn_available() -> bool:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return os.name == "posix"


def heartbeat_dir() -> str | None:
    """Where gunicorn's workers touch their heartbeat file (a utime per loop, so per request):
    a memory filesystem where there is one. On the disk the database commits to, each touch
    dirties an inode in the journal and can wait behind the commits' fsyncs (gunicorn's own
    advice for its worker_tmp_dir)."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def serve_gunicorn(host: str, port: int, workers: int, threads: int, scheduler: bool) -> None:
    from gunicorn.app.base import BaseApplication

    from .gunicorn_worker import BalancedThreadWorker, LoadTable

    # Made here, in the master, so that every worker forked from it shares it; room for the
    # workers `kill -TTIN` may add.
    loads = LoadTable(max(64, 4 * workers))

    def pre_fork(arbiter, worker):
        worker.load_slot = loads.assign(arbiter.WORKERS.values())
        if worker.load_slot is not None:
            worker.load_table = loads

    def child_exit(_arbiter, worker):
        if worker.load_slot is not None:
            loads.release(worker.load_slot)

    class Application(BaseApplication):
        def load_config(self):
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "worker_class": BalancedThreadWorker, "pre_fork": pre_fork,
                               "child_exit": child_exit, "keepalive": 5, "timeout": 120,
                               "graceful_timeout": 20, "preload_app": False,
                               "worker_tmp_dir": heartbeat_dir(),
                               "accesslog": None, "errorlog": "-", "loglevel": "warning",
                               "proc_name": "talentflow"}.items():
                self.cfg.set(key, value)

        def load(self):
            from .app import create_app  # in the worker, after the fork
            app = create_app()
            tune_garbage_collector()
            return app

    runner = _start_scheduler_process() if scheduler else None
    try:
        Application().run()
    finally:
        if runner is not None and runner.poll() is None:
            runner.send_signal(signal.SIGTERM)
            try:
                runner.wait(timeout=30)
            except subprocess.TimeoutExpired:
                runner.kill()


def _start_scheduler_process() -> subprocess.Popen:
    """`talentflow scheduler` as a child: one scheduler however many web workers."""
    return subprocess.Popen([sys.executable, "-m", "talentflow.cli", "scheduler"])


def serve_waitress(platform, host: str, port: int, threads: int, scheduler: bool) -> None:
    from waitress import serve

    from .app import create_app
    app = create_app(platform=platform)
    tune_garbage_collector()
    running = None
    if scheduler:
        from .scheduler.runner import start_scheduler
        running = start_scheduler(platform)
    try:
        serve(app, host=host, port=port, threads=threads)
    finally:
        if running is not None:
            running.shutdown(wait=False)
