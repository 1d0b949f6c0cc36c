"""The gunicorn worker `talentflow serve` runs: gunicorn's threaded worker (gthread), except that
a worker already holding connections lets an emptier worker take a new one first, and a thread
that answered on a keep-alive connection waits a moment for that connection's next request.

The workers share one listening socket and a keep-alive connection stays with the worker that
accepted it. Every waiting worker is woken for a new connection and the first one scheduled
takes it — often the one that just answered, and, for a burst of connections, the same one
again and again. A client that opens a few long-lived connections at once (a proxy's upstream
pool, a benchmark's clients) could then have all of them on one process, which serves them on
one core while the other idles: `make bench` measured 161–183 review completions/s in the runs
where all 4 load connections sat on one worker against 222–308/s when they were spread.

So a worker holding connections waits before it accepts, ACCEPT_DELAY_PER_CONNECTION for each
connection with a request in progress and half that for each one idle between requests (a
browser's or a client's spare connection), ACCEPT_DELAY_MAX at most; without blocking the
connections it serves, it stops listening for that long. A worker holding fewer is woken by
the same connection and takes it meanwhile; if none does, the waiting worker accepts it when its
wait ends. The cap keeps a new connection's wait short when every worker holds many; with many
connections the luck of the race evens out anyway, the small pools are what it is for.

Between two requests of a connection, gthread hands the connection from the thread back to the
main loop (a pipe write to wake it, the socket registered with its poller) and, when the next
request arrives, to a pool thread again: thread switches and system calls on every request of
a client that sends one after the other. The thread that answered waits LINGER for the next
request and serves it itself; only a connection quiet for that long goes back to the poller.
GET /api/me from 4 keep-alive clients, PostgreSQL, 2 workers, 7 alternating runs: 595–875/s
stock, 667–1024/s lingering, higher in each pair (one client's latency: within the noise).
While a thread lingers it serves no other connection, so LINGER stays short (a client sending
its next request at once takes well under a millisecond here), and the accept rule counts a
connection it waits on as idle.

Built on gunicorn 26/27's ThreadWorker (`accept`, `set_accept_enabled`,
`wait_for_and_dispatch_events`, `handle`); pyproject.toml bounds the version to those."""
from __future__ import annotations

import select
import time

from gunicorn.workers.gthread import ThreadWorker

ACCEPT_DELAY_PER_CONNECTION = 0.003
ACCEPT_DELAY_MAX = 0.015
LINGER = 0.002


def accept_delay(busy: int, idle: int) -> float:
    """How long a worker holding these connections (with a request in progress, and between
    requests) leaves a new one to the others."""
    return min((busy + idle / 2) * ACCEPT_DELAY_PER_CONNECTION, ACCEPT_DELAY_MAX)


class BalancedThreadWorker(ThreadWorker):

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # While set: until when this worker does not listen; once passed (and listening again),
        # the connection that started the wait is accepted at once if nobody else took it.
        self._accept_after: float | None = None
        self._lingering: set = set()  # connections a pool thread waits on for their next request

    def accept(self, listener):
        if self._accept_after is None and self.nr_conns:
            idle = len(self.keepalived_conns) + len(self.pending_conns) + len(self._lingering)
            self._accept_after = time.monotonic() + accept_delay(self.nr_conns - idle, idle)
            self.set_accept_enabled(False)
            return
        self._accept_after = None
        super().accept(listener)

    def set_accept_enabled(self, enabled):
        if enabled and self._accept_after is not None and time.monotonic() < self._accept_after:
            enabled = False
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout):
        waited_for = self._accept_after
        if waited_for is not None:
            timeout = max(0.0, min(timeout, waited_for - time.monotonic()))
        super().wait_for_and_dispatch_events(timeout)
        if waited_for is not None and self._accepting and self._accept_after == waited_for:
            # Listening again and the listener was not readable: another worker took the
            # connection, so the next one starts a wait of its own.
            self._accept_after = None

    def handle(self, conn):
        answered = super().handle(conn)
        while (answered is True and self.alive and not conn.is_http2
               and (conn.parser.unreader.buf.getvalue() or self._linger(conn))):
            answered = super().handle(conn)  # the client's next request: read ahead, or sent now
        return answered

    def _linger(self, conn) -> bool:
        self._lingering.add(conn)  # between requests: idle, for the accept rule
        try:
            return _readable(conn.sock, LINGER)
        finally:
            self._lingering.discard(conn)


def _readable(sock, timeout: float) -> bool:
    waiting = select.poll()  # poll, not select: any file descriptor number
    try:
        waiting.register(sock, select.POLLIN)
        return bool(waiting.poll(timeout * 1000))
    except (OSError, ValueError):  # closed meanwhile: the main loop finishes it
        return False
