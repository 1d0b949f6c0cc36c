"""Server-Timing (W3C) on every answer when TALENTFLOW_SERVER_TIMING is set: the time the
request spent in this process, which worker process answered, and the hot-instance cache's
hits and misses while it ran, so a
benchmark driving the real server over HTTP reads them from outside (bench/bench_http.py).
Off by default: timings tell a stranger more about the server than they need."""
from __future__ import annotations

import os
import time

from flask import g


def install(app, platform) -> None:
    if not platform.config.get("SERVER_TIMING"):
        return

    def start():
        g.server_timing = (time.perf_counter(), dict(platform.runtime.thread_stats()))

    def report(response):
        started, before = g.pop("server_timing", (None, None))
        if started is None:
            return response
        spent = (time.perf_counter() - started) * 1000
        after = platform.runtime.thread_stats()
        hits, misses = after["hits"] - before["hits"], after["misses"] - before["misses"]
        # the worker process too: a benchmark sees how its connections spread over workers
        response.headers["Server-Timing"] = (
            f'app;dur={spent:.2f}, worker;desc="pid={os.getpid()}", '
            f'hot-cache;desc="hits={hits} misses={misses}"')
        return response

    # First in, last out: the figures cover the auth checks and every other hook.
    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.after_request(report)
