"""The gunicorn worker `talentflow serve` runs: gunicorn's threaded worker (gthread), except that
a worker leaves a new connection to a worker holding fewer, and a thread that answered on a
keep-alive connection waits a moment for that connection's next request.

The workers share one listening socket and a keep-alive connection stays with the worker that
accepted it. Every waiting worker is woken for a new connection and the first one scheduled
takes it — often the one that just answered, and, for a burst of connections, the same one
again and again. A client that opens a few long-lived connections at once (a proxy's upstream
pool, a benchmark's clients) could then have all of them on one process, which serves them on
one core while the other idles: `make bench` measured 161–183 review completions/s in the runs
where all 4 load connections sat on one worker against 222–308/s when they were spread.

So the workers publish their load in a small table of shared memory (LoadTable, made by the
gunicorn master before it forks them): twice the connections with a request in progress plus
those idle between requests (a browser's or a client's spare connection). A worker woken for a
new connection while another one's load is lower stops listening for ACCEPT_WAIT_MAX at most,
without blocking the connections it serves; the emptier one, woken by the same connection,
takes it meanwhile, and if none does the waiting worker takes it when its wait ends. Of two
workers alike, the one in the lower slot takes it at once and the other waits. The rule before
had each worker wait in proportion to its own connections, not knowing the others': when the
machine was busy the emptier worker was often not scheduled within that wait. Four connections
opened together next to a spare one (tests/test_served_workers.py), 40 rounds: 35 of them 2 / 2
with that rule, 31 with a CPU hog beside it; with the table 40 and 39, and 37 and 39 beside
the hog.

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
`wait_for_and_dispatch_events`, `handle`) and the master's pre_fork and child_exit hooks
(server.py); pyproject.toml bounds the version to those."""
from __future__ import annotations

import mmap
import select
import time

from gunicorn.workers.gthread import ThreadWorker

ACCEPT_WAIT_MAX = 0.015
LINGER = 0.002


class LoadTable:
    """Each worker's load in a slot of shared memory, made in the master before the workers
    are forked (an anonymous shared mapping: the forks see one another's writes). A slot is
    a 32-bit integer, written whole; FREE where no worker is."""

    FREE = -1

    def __init__(self, slots: int):
        self._memory = mmap.mmap(-1, 4 * slots)
        self._loads = memoryview(self._memory).cast("i")
        for slot in range(slots):
            self._loads[slot] = self.FREE

    def assign(self, workers) -> int | None:
        """In the master, before a fork: a slot no live worker holds (load 0 until it
        publishes); None when every slot is taken (that worker then accepts as stock gthread
        does, rather than the fork failing)."""
        taken = {getattr(worker, "load_slot", None) for worker in workers}
        slot = next((slot for slot in range(len(self._loads)) if slot not in taken), None)
        if slot is not None:
            self._loads[slot] = 0
        return slot

    def publish(self, slot: int, load: int) -> None:
        self._loads[slot] = load

    def release(self, slot: int) -> None:
        self._loads[slot] = self.FREE

    def ahead_of(self, slot: int, load: int) -> bool:
        """Whether another worker should take a new connection before the one in `slot`,
        which has `load`: one with a lower load, or with the same and a lower slot (of two
        alike, one takes it at once and the other waits; both taking made 3 / 1 as often as
        not when the two loads met)."""
        return any(other != self.FREE and (other < load or other == load and i < slot)
                   for i, other in enumerate(self._loads) if i != slot)


class BalancedThreadWorker(ThreadWorker):
    # Set by the master's pre_fork hook (server.py); without them the worker accepts as stock
    # gthread does.
    load_table: LoadTable | None = None
    load_slot: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # While set: until when this worker does not listen; once passed (and listening again),
        # the connection that started the wait is accepted at once if nobody else took it.
        self._accept_after: float | None = None
        self._lingering: set = set()  # connections a pool thread waits on for their next request

    def load(self) -> int:
        """Twice the connections with a request in progress, plus those idle between requests
        (a pool thread lingering on one counts it idle)."""
        idle = len(self.keepalived_conns) + len(self.pending_conns) + len(self._lingering)
        return 2 * self.nr_conns - idle

    def _publish(self) -> None:
        if self.load_table is None:
            return
        if self.alive:
            self.load_table.publish(self.load_slot, self.load())
        else:  # shutting down: no longer takes connections, so nobody should wait for it
            self.load_table.release(self.load_slot)

    def accept(self, listener):
        table = self.load_table
        if (self._accept_after is None and table is not None
                and table.ahead_of(self.load_slot, self.load())):
            self._accept_after = time.monotonic() + ACCEPT_WAIT_MAX
            self.set_accept_enabled(False)
            return
        self._accept_after = None
        super().accept(listener)
        self._publish()

    def set_accept_enabled(self, enabled):
        if enabled and self._accept_after is not None and time.monotonic() < self._accept_after:
            enabled = False
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout):
        self._publish()
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
        self._publish()
        try:
            return _readable(conn.sock, LINGER)
        finally:
            self._lingering.discard(conn)
            self._publish()


def _readable(sock, timeout: float) -> bool:
    waiting = select.poll()  # poll, not select: any file descriptor number
    try:
        waiting.register(sock, select.POLLIN)
        return bool(waiting.poll(timeout * 1000))
    except (OSError, ValueError):  # closed meanwhile: the main loop finishes it
        return False
