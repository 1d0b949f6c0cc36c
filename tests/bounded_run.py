"""Run a probe that could hang or eat memory if a bound regressed, in a forked child with a
time and memory limit, so a failing test fails instead of hanging the suite. Work that holds
the GIL in C (a huge power, a giant string) cannot be interrupted in-process."""
from __future__ import annotations

import multiprocessing
import resource
import time

import pytest

TIMEOUT = 20  # seconds: generous for a shared two-core machine; the probes take milliseconds
MEMORY = 2 * 1024 ** 3


def bounded(fn, *args, timeout=TIMEOUT):
    """fn(*args) in a forked child: ("ok", its result) or ("error", type name, message),
    plus the seconds it took. Fails the test when the child does not answer within `timeout`."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        try:
            send.send(("ok", fn(*args)))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            send.send(("error", type(exc).__name__, str(exc)[:2000]))

    started = time.monotonic()
    process = ctx.Process(target=child, daemon=True)
    process.start()
    send.close()  # the child's copy stays open: a child that dies shows as end of file
    try:
        if not receive.poll(timeout):
            pytest.fail(f"{getattr(fn, '__name__', fn)} did not finish within {timeout} s")
        try:
            return receive.recv(), time.monotonic() - started
        except EOFError:
            pytest.fail(f"{getattr(fn, '__name__', fn)} died (exit code {process.join(5) or process.exitcode})")
    finally:
        if process.is_alive():
            process.kill()
        process.join()
